// The interface every energy network implements: f_theta(x), the negative energy, one scalar
// per example, and its input gradient df/dx. Samplers and the trainer see only this interface.
#pragma once

#include <torch/nn/module.h>

#include <optional>

namespace srm {

class EnergyNet : public torch::nn::Module {
 public:
  // x: (B, C, H, W) images or (B, D) points. Returns f(x): (B,).
  virtual torch::Tensor forward(const torch::Tensor& x) = 0;

  // df/dx for every example: (B, ...), shape and dtype of x. No graph is kept and the
  // parameters' .grad are untouched. compute_dtype (bfloat16: the sampler's reduced precision):
  // the pass runs in it. Default: autograd through forward(), in x's dtype only (another
  // compute_dtype throws std::invalid_argument); networks override it with a faster pass that
  // gives the same values to float rounding. Overrides repeat the default argument.
  virtual torch::Tensor input_gradient(const torch::Tensor& x,
                                       std::optional<at::ScalarType> compute_dtype = std::nullopt);

  // Once per training iteration, before the sampler: one power-iteration update of each
  // spectrally normalised weight's vectors u, v (model.spectral_norm; a no-op otherwise).
  // Outside training the stored u, v are used as they are, so sigma is exactly the saved one.
  virtual void update_normalisation() {}

  // The memory format the network's kernels are fastest on; samplers keep their chains in it.
  virtual at::MemoryFormat input_memory_format() const { return at::MemoryFormat::Contiguous; }
};

// df/dx by autograd through energy.forward: the reference input_gradient overrides must match.
torch::Tensor autograd_input_gradient(EnergyNet& energy, const torch::Tensor& x);

}  // namespace srm
