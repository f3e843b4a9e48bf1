// Where a rank's random draws for its chains and data noise come from:
//   per rank:   its own generator, drawing just the rank's `count` rows (independent chains,
//               the default: seeds derived from (seed, rank));
//   global:     a generator shared by all ranks that draws rows for the whole global batch,
//               of which this rank keeps [offset, offset + count): every example's noise is
//               keyed to its global index, so W ranks reproduce the 1-rank run exactly.
#pragma once

#include <ATen/core/Generator.h>
#include <ATen/core/Tensor.h>

#include <vector>

namespace srm {

class NoiseStream {
 public:
  // Per-rank stream.
  explicit NoiseStream(at::Generator generator);
  // Global stream: rows [offset, offset + count) of a global batch of `global` rows.
  NoiseStream(at::Generator generator, int64_t global, int64_t offset);

  // (count, ...example_shape) standard normal / uniform on [-1, 1].
  at::Tensor normal(int64_t count, const std::vector<int64_t>& example_shape, const at::TensorOptions& options);
  at::Tensor uniform(int64_t count, const std::vector<int64_t>& example_shape, const at::TensorOptions& options);

  at::Generator& generator() { return generator_; }

 private:
  at::Tensor draw(bool gaussian, int64_t count, const std::vector<int64_t>& example_shape,
                  const at::TensorOptions& options);
  at::Generator generator_;
  int64_t global_ = 0;  // 0: per-rank stream
  int64_t offset_ = 0;
};

}  // namespace srm
