// Layerwise input gradient (see layerwise_input_gradient.h).
#include "model/layerwise_input_gradient.h"

#include <ATen/ATen.h>
#include <fmt/format.h>
#include <torch/csrc/autograd/grad_mode.h>
#include <torch/nn/modules/activation.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>

#include <stdexcept>
#include <vector>

namespace srm {
namespace {

// The explicit zero padding of a Conv2d; "same"/"valid" strings and non-zero padding modes are
// not supported.
at::IntArrayRef conv_padding(const torch::nn::detail::ConvNdOptions<2>& o) {
  if (!std::holds_alternative<torch::ExpandingArray<2>>(o.padding()) ||
      !std::holds_alternative<torch::enumtype::kZeros>(o.padding_mode()))
    throw std::invalid_argument("layerwise input gradient: Conv2d needs explicit zero padding");
  return *std::get<torch::ExpandingArray<2>>(o.padding());
}

// A layer's weight and bias in the pass's compute dtype (undefined for parameter-free layers).
struct LayerWeights {
  at::Tensor weight, bias;
};

// `replacement` (when defined) stands in for the layer's own weight.
LayerWeights weights_in(const std::shared_ptr<torch::nn::Module>& layer, std::optional<at::ScalarType> dtype,
                        const at::Tensor& replacement) {
  const auto cast = [dtype](const at::Tensor& t) {
    return t.defined() && dtype && t.scalar_type() != *dtype ? t.to(*dtype) : t;
  };
  const auto weight = [&replacement](const at::Tensor& own) { return replacement.defined() ? replacement : own; };
  if (auto* linear = layer->as<torch::nn::Linear>()) return {cast(weight(linear->weight)), cast(linear->bias)};
  if (auto* conv = layer->as<torch::nn::Conv2d>()) return {cast(weight(conv->weight)), cast(conv->bias)};
  return {};
}

at::Tensor replacement_for(const std::vector<at::Tensor>& weights, size_t i) {
  return i < weights.size() ? weights[i] : at::Tensor();
}

at::Tensor layer_forward(const std::shared_ptr<torch::nn::Module>& layer, const LayerWeights& w, const at::Tensor& x) {
  if (layer->as<torch::nn::Linear>()) return at::linear(x, w.weight, w.bias);
  if (auto* conv = layer->as<torch::nn::Conv2d>()) {
    const auto& o = conv->options;
    return at::conv2d(x, w.weight, w.bias, *o.stride(), conv_padding(o), *o.dilation(), o.groups());
  }
  if (auto* leaky = layer->as<torch::nn::LeakyReLU>()) return at::leaky_relu(x, leaky->options.negative_slope());
  if (layer->as<torch::nn::SiLU>()) return at::silu(x);
  throw std::invalid_argument(fmt::format("layerwise input gradient: unsupported layer {}", layer->name()));
}

// The gradient with respect to the layer's input `x`, given the gradient `g` of its output.
// `x_is_output`: `x` holds the layer's output (an in-place LeakyReLU), not its input.
at::Tensor layer_backward(const std::shared_ptr<torch::nn::Module>& layer, const LayerWeights& w, const at::Tensor& x,
                          const at::Tensor& g, bool x_is_output) {
  if (layer->as<torch::nn::Linear>()) return at::matmul(g, w.weight);
  if (auto* conv = layer->as<torch::nn::Conv2d>()) {
    const auto& o = conv->options;
    const auto grads = at::convolution_backward(g, x, w.weight, std::nullopt, *o.stride(), conv_padding(o),
                                                *o.dilation(), /*transposed=*/false, /*output_padding=*/{0, 0},
                                                o.groups(), {true, false, false});
    return std::get<0>(grads);
  }
  if (auto* leaky = layer->as<torch::nn::LeakyReLU>())
    return at::leaky_relu_backward(g, x, leaky->options.negative_slope(), /*self_is_result=*/x_is_output);
  if (layer->as<torch::nn::SiLU>()) return at::silu_backward(g, x);
  throw std::invalid_argument(fmt::format("layerwise input gradient: unsupported layer {}", layer->name()));
}

// Whether layer i is a LeakyReLU that may overwrite its input: the input is a fresh output of a
// Linear or Conv2d (never the caller's x, whose layers' backward does not read their output) and
// the slope is >= 0, so the output's sign still tells where the slope applied.
bool activates_in_place(const std::vector<std::shared_ptr<torch::nn::Module>>& layers, size_t i) {
  const auto* leaky = layers[i]->as<torch::nn::LeakyReLU>();
  if (!leaky || i == 0 || leaky->options.negative_slope() < 0) return false;
  return layers[i - 1]->as<torch::nn::Linear>() || layers[i - 1]->as<torch::nn::Conv2d>();
}

// d(sum of layer(x))/dx without running the layer, where that is a constant: the weights summed
// over the outputs, broadcast over the batch, for a Linear layer or a Conv2d whose kernel covers
// its whole (unpadded) input (the ConvNet's final 4x4 conv to one scalar). Undefined otherwise.
at::Tensor constant_output_gradient(const std::shared_ptr<torch::nn::Module>& layer, const LayerWeights& w,
                                    const at::Tensor& x) {
  if (layer->as<torch::nn::Linear>()) return w.weight.sum(0).expand(x.sizes());
  if (auto* conv = layer->as<torch::nn::Conv2d>()) {
    const auto& o = conv->options;
    const auto& kernel = *o.kernel_size();
    const bool covers_input = x.dim() == 4 && x.size(2) == kernel[0] && x.size(3) == kernel[1] &&
                              o.groups() == 1 && conv_padding(o) == at::IntArrayRef{0, 0} &&
                              at::IntArrayRef(*o.dilation()) == at::IntArrayRef{1, 1};
    if (covers_input) return w.weight.sum(0, /*keepdim=*/true).expand(x.sizes());
  }
  return {};
}

}  // namespace

at::Tensor sequential_forward(const torch::nn::Sequential& net, const at::Tensor& x,
                              const std::vector<at::Tensor>& weights) {
  const auto layers = net->children();
  at::Tensor h = x;
  for (size_t i = 0; i < layers.size(); ++i)
    h = layer_forward(layers[i], weights_in(layers[i], std::nullopt, replacement_for(weights, i)), h);
  return h;
}

at::Tensor layerwise_input_gradient(const torch::nn::Sequential& net, const at::Tensor& x,
                                    std::optional<at::ScalarType> compute_dtype, const std::vector<at::Tensor>& weights) {
  const torch::NoGradGuard no_grad;
  const auto layers = net->children();
  if (layers.empty()) return at::ones_like(x);
  const at::ScalarType dtype = compute_dtype.value_or(x.scalar_type());
  std::vector<LayerWeights> layer_weights;
  layer_weights.reserve(layers.size());
  for (size_t i = 0; i < layers.size(); ++i)
    layer_weights.push_back(weights_in(layers[i], dtype, replacement_for(weights, i)));
  std::vector<at::Tensor> inputs;  // each layer's input
  inputs.reserve(layers.size());
  std::vector<bool> saved_output(layers.size(), false);  // inputs[i] holds layer i's output instead
  at::Tensor h = x.to(dtype);
  for (size_t i = 0; i + 1 < layers.size(); ++i) {
    inputs.push_back(h);
    if (activates_in_place(layers, i)) {
      at::leaky_relu_(h, layers[i]->as<torch::nn::LeakyReLU>()->options.negative_slope());
      saved_output[i] = true;
      continue;
    }
    h = layer_forward(layers[i], layer_weights[i], h);
  }
  inputs.push_back(h);
  // The output layer's forward pass is only needed when its input gradient depends on its input.
  at::Tensor g = constant_output_gradient(layers.back(), layer_weights.back(), h);
  size_t next = layers.size();
  if (!g.defined()) {
    g = at::ones_like(layer_forward(layers.back(), layer_weights.back(), h));
  } else {
    --next;
  }
  while (next-- > 0) g = layer_backward(layers[next], layer_weights[next], inputs[next], g, saved_output[next]);
  // x's dtype, and dense even for a net of one broadcast layer.
  return g.to(x.scalar_type()).contiguous(x.suggest_memory_format());
}

}  // namespace srm
