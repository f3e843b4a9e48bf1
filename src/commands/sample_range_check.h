// The warning of `sample` and `eval` when the samples they draw leave the data's range: image
// data lies in [-1, 1] (the loaders' contract, data/dataset.h), and 2-D toy data within the
// largest |x| of its examples. A sample leaves the range when its largest |x| passes the data's
// by more than 10%; the PNG grids and the FID extractor clip such values, so the pictures and
// scores hide them, and a growing share is the early sign of a diverging energy.
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <string>

#include "comm/communicator.h"
#include "commands/trained_model.h"

namespace srm {

// 1 for images; for other data the largest |x| of its first (at most 10,000) examples.
double data_abs_max_of(const TrainedModel& model);

class SampleRangeCheck {
 public:
  explicit SampleRangeCheck(double data_abs_max) : data_abs_max_(data_abs_max) {}

  void add(const at::Tensor& samples);  // (B, ...), any device
  void reduce(Communicator& comm);      // collective: the counts and the largest |x| of every rank

  int64_t outside() const { return outside_; }
  int64_t seen() const { return seen_; }
  double largest() const { return largest_; }
  // "" when every sample stays in range; else the warning, naming `what` ("samples written").
  std::string warning(const std::string& what) const;

 private:
  double data_abs_max_;
  int64_t outside_ = 0, seen_ = 0;
  double largest_ = 0;
};

}  // namespace srm
