// df/dx of a feed-forward energy without autograd: one forward pass through a Sequential of
// Linear / Conv2d / LeakyReLU / SiLU layers that keeps each layer's input, then the backward pass
// for d(sum_b f(x_b))/dx through each layer's closed-form input Jacobian (the same ATen kernels
// autograd calls, e.g. convolution_backward with only the input gradient requested). Used by
// the sampler's K steps, where autograd's graph building and engine dispatch are pure overhead.
#pragma once

#include <ATen/core/Tensor.h>
#include <torch/nn/modules/container/sequential.h>

#include <optional>
#include <vector>

namespace srm {

// d(sum of net(x))/dx, shape, dtype and memory format of x. The parameters' .grad are untouched
// and no graph is kept. compute_dtype (e.g. bfloat16): x and the weights are cast to it for the
// pass, and the result back to x's dtype. Throws std::invalid_argument for an unsupported layer.
// `weights`: empty, or one entry per layer whose defined entries replace that layer's weight
// (spectral normalisation's W / sigma, model/spectral_norm.h); biases stay the layers' own.
at::Tensor layerwise_input_gradient(const torch::nn::Sequential& net, const at::Tensor& x,
                                    std::optional<at::ScalarType> compute_dtype = std::nullopt,
                                    const std::vector<at::Tensor>& weights = {});

// net(x) through the same layer functions, with `weights` replacing layer weights as above;
// differentiable (autograd) in x, the parameters and the replacing weights.
at::Tensor sequential_forward(const torch::nn::Sequential& net, const at::Tensor& x,
                              const std::vector<at::Tensor>& weights);

}  // namespace srm
