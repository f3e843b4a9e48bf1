// p0, the fixed initial distribution of every short-run chain: uniform on [-1, 1] (the
// paper's choice) or a standard Gaussian.
#pragma once

#include <ATen/core/Tensor.h>

#include <string>
#include <vector>

#include "sampler/noise_stream.h"

namespace srm {

enum class InitKind { Uniform, Gaussian };

InitKind parse_init_kind(const std::string& name);  // "uniform" | "gaussian"

// Draws `count` examples of `example_shape`: (count, ...shape).
at::Tensor draw_initial(InitKind kind, int64_t count, const std::vector<int64_t>& example_shape,
                        NoiseStream& noise, const at::TensorOptions& options);

}  // namespace srm
