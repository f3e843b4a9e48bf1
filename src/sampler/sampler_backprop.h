// Backpropagation through the noise-free K-step sampler M_theta(z) (the paper's reconstruction,
// Section 5.3): the gradient of a loss of x_K with respect to the start z.
//
// Memory stays bounded for large K and images by recomputation: the forward pass keeps only
// the K + 1 states (K * B * D floats, no graphs); the backward sweep rebuilds one step's graph
// at a time (x_k -> x_{k+1}, second order through df/dx) and pulls the vector back through it.
// K = 100 at 64x64x3 and B = 16 stores 79 MB of states; an unrolled autograd graph would also
// keep every step's activations and double-backward buffers.
#pragma once

#include <ATen/core/Tensor.h>

#include <functional>

#include "model/energy_net.h"
#include "sampler/langevin.h"

namespace srm {

struct SamplerGradient {
  at::Tensor x_final;  // M_theta(z), detached
  at::Tensor grad_z;   // d loss / d z
};

// loss_grad(x_K) returns d loss / d x_K. The sampler runs noise-free (settings.noise ignored).
SamplerGradient sampler_input_gradient(EnergyNet& energy, const LangevinSettings& settings, const at::Tensor& z,
                                       const std::function<at::Tensor(const at::Tensor&)>& loss_grad);

}  // namespace srm
