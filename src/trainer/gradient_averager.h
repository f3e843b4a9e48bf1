// Data-parallel gradient averaging: each rank's gradient is of the mean loss over its shard of
// m_r examples; weighting it by m_r / M and summing over ranks gives the gradient of the mean
// over the global batch of M (shards may differ by one example). Gradients and the step
// statistics travel in ONE flat fp32 buffer; the statistics that are maxima (max |x-|, max |x+|)
// are taken over the ranks by a second, tiny Max all-reduce in the statistics' own dtype, so they
// are the global batch's maxima, as one rank would see them, not a shard-weighted mean.
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <vector>

#include "comm/communicator.h"

namespace srm {

// The statistics that are maxima: entries first .. first + count - 1 of the flat stats.
struct MaximaRange {
  int64_t first = 0;
  int64_t count = 0;
  // The entries first .. last, both included.
  static MaximaRange between(int64_t first, int64_t last) { return {first, last - first + 1}; }
};

class GradientAverager {
 public:
  // weight = m_r / M for this rank.
  GradientAverager(Communicator& comm, double weight, MaximaRange maxima = {})
      : comm_(comm), weight_(weight), maxima_(maxima) {}

  // In place: parameters' .grad and stats become their global-batch averages (the maxima range
  // of stats: their maxima over the ranks; a NaN there becomes +inf first, so that a rank whose
  // samples went NaN makes every rank see a non-finite maximum, whatever order MPI_MAX or NCCL
  // compares in).
  void operator()(std::vector<at::Tensor>& parameters, at::Tensor& stats) const;

 private:
  Communicator& comm_;
  double weight_;
  MaximaRange maxima_;
};

}  // namespace srm
