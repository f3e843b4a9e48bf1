// The dataset interface the trainer sees: N examples of one shape, loaded by index as float
// tensors in model space ([-1, 1] for images). Implementations validate their files at
// construction and throw DataError naming the file and what is wrong.
#pragma once

#include <ATen/core/Tensor.h>

#include <stdexcept>
#include <string>
#include <vector>

namespace srm {

class DataError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class Dataset {
 public:
  virtual ~Dataset() = default;
  virtual int64_t size() const = 0;
  virtual std::vector<int64_t> example_shape() const = 0;  // (C, H, W) or (D)
  // Float32 CPU tensor (indices.size(), ...example_shape).
  virtual at::Tensor load(const std::vector<int64_t>& indices) const = 0;
  virtual std::string describe() const = 0;  // one line for the start-up log
};

}  // namespace srm
