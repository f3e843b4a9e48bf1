// The short-run sampler toward exp(f). Langevin dynamics x <- x + step_size * df/dx +
// noise * N(0, I), K times, from a given start; or AniLA's anisotropic version, where
// gamma = b / max(b, |df/dx|) scales the drift and sqrt(gamma) the noise (or gamma the noise
// only; anisotropic_step.h); or K Metropolis-adjusted transitions, MALA or HMC
// (sampler/metropolis.h). Only input gradients (and, for MALA / HMC, energies) are computed:
// the parameters' .grad are never touched. Knows nothing of ranks or training.
#pragma once

#include <ATen/core/Tensor.h>

#include <optional>

#include "model/energy_net.h"
#include "sampler/anisotropic_step.h"
#include "sampler/noise_stream.h"
#include "sampler/sampler_precision.h"

namespace srm {

// Unadjusted steps (Langevin, AniLA) or a Metropolis-Hastings correction (metropolis.h).
enum class Correction { None, Mala, Hmc };

struct LangevinSettings {
  int64_t steps = 100;     // K
  double step_size = 1.0;  // drift coefficient (HMC: leapfrog step size)
  double noise = 0.01;     // noise scale (0 = deterministic gradient ascent, u = 0)
  std::optional<AnilaSettings> anila;  // set: AniLA steps instead of plain Langevin
  SamplerPrecision precision = SamplerPrecision::Fp32;  // of the K input-gradient passes
  Correction correction = Correction::None;
  int64_t leapfrog = 10;   // HMC: leapfrog steps per transition
  double grad_clip = 0;    // unadjusted steps: each chain's df/dx clipped to this L2 norm (0 = off)
  double clamp = 0;        // unadjusted steps: x clamped to [-clamp, clamp] after each step (0 = off)
};

struct ChainResult {
  at::Tensor samples;         // x_K, detached, same shape as the start
  at::Tensor mean_grad_norm;  // scalar: mean over steps and chains of ||df/dx||_2 (paper Tab. 2)
  at::Tensor accept_rate;     // scalar: accepted / proposed transitions (1 for unadjusted steps)
};

// grad with each example's L2 norm clipped to max_norm (scaled by max_norm / norm where larger).
at::Tensor clip_per_example(const at::Tensor& grad, double max_norm);

class LangevinSampler {
 public:
  explicit LangevinSampler(LangevinSettings settings) : settings_(settings) {}

  // Runs K steps from x0 (B, ...), drawing the step noise from `noise`.
  ChainResult run(EnergyNet& energy, const at::Tensor& x0, NoiseStream& noise) const;

  const LangevinSettings& settings() const { return settings_; }

 private:
  LangevinSettings settings_;
};

// The drift of one step for gradient `grad`: step_size * df/dx, with AniLA step_size * gamma *
// df/dx (drift_and_noise scaling). Differentiable when `grad` carries a graph.
at::Tensor langevin_drift(const at::Tensor& grad, const LangevinSettings& settings);

// The factor on a step's N(0, I) draw: noise, with AniLA noise * sqrt(gamma) or noise * gamma.
at::Tensor langevin_noise_scale(const at::Tensor& grad, const LangevinSettings& settings);

// x clamped to [-settings.clamp, settings.clamp] (x itself when clamp is 0). Differentiable
// (zero gradient where a coordinate is clamped).
at::Tensor clamp_to_range(const at::Tensor& x, const LangevinSettings& settings);

// One noise-free step x + drift(df/dx(x)) (df/dx clipped per chain with settings.grad_clip, the
// result clamped with settings.clamp) that
// keeps the autograd graph back to `x` (second order through df/dx), for backpropagation
// through the sampler.
at::Tensor differentiable_drift_step(EnergyNet& energy, const at::Tensor& x, const LangevinSettings& settings);

}  // namespace srm
