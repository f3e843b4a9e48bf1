// Where every short-run chain starts: p0, uniform on [-s, s] (s = 1: the paper's choice) or a
// Gaussian N(0, s² I), s = sampler.init_scale; or the observed batch (contrastive divergence,
// training only: TrainStep passes it), or a replay buffer (persistent, training only).
#pragma once

#include <ATen/core/Tensor.h>

#include <string>
#include <vector>

#include "config/config.h"
#include "sampler/noise_stream.h"

namespace srm {

enum class InitKind { Uniform, Gaussian, Data, Persistent };

InitKind parse_init_kind(const std::string& name);  // "uniform" | "gaussian" | "data" | "persistent"

struct InitialDistribution {
  InitialDistribution(InitKind kind = InitKind::Uniform, double scale = 1.0)  // NOLINT: a kind is p0 of scale 1
      : kind(kind), scale(scale) {}
  InitKind kind;
  double scale;  // uniform: half-width; gaussian: standard deviation
};

// sampler.init and sampler.init_scale.
InitialDistribution initial_distribution(const SamplerConfig& sampler);

// The noise p0 of sampler (uniform for data and persistent starts): where fresh chains start
// outside training (longrun, the training-time long-run check).
InitialDistribution noise_initial_distribution(const SamplerConfig& sampler);

// Draws `count` examples of `example_shape`: (count, ...shape). Data and Persistent have nothing
// to draw from outside training: std::invalid_argument saying so.
at::Tensor draw_initial(const InitialDistribution& p0, int64_t count, const std::vector<int64_t>& example_shape,
                        NoiseStream& noise, const at::TensorOptions& options);

}  // namespace srm
