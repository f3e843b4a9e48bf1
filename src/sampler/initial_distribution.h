// Where every short-run chain starts: p0, uniform on [-1, 1] (the paper's choice) or a standard
// Gaussian; or the observed batch (contrastive divergence, training only: TrainStep passes it).
#pragma once

#include <ATen/core/Tensor.h>

#include <string>
#include <vector>

#include "sampler/noise_stream.h"

namespace srm {

enum class InitKind { Uniform, Gaussian, Data, Persistent };

InitKind parse_init_kind(const std::string& name);  // "uniform" | "gaussian" | "data" | "persistent"

// Draws `count` examples of `example_shape`: (count, ...shape). Data and Persistent have nothing
// to draw from outside training: std::invalid_argument saying so.
at::Tensor draw_initial(InitKind kind, int64_t count, const std::vector<int64_t>& example_shape,
                        NoiseStream& noise, const at::TensorOptions& options);

}  // namespace srm
