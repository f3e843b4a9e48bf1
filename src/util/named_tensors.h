// A list of (name, tensor) pairs in a fixed order: model parameters by their
// named_parameters() keys, and per-parameter optimizer state in the same order.
#pragma once

#include <ATen/core/Tensor.h>

#include <string>
#include <utility>
#include <vector>

namespace srm {

using NamedTensors = std::vector<std::pair<std::string, at::Tensor>>;

}  // namespace srm
