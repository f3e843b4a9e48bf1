// Out-of-range samples (see sample_range_check.h).
#include "commands/sample_range_check.h"

#include <ATen/ATen.h>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <numeric>

#include "data/dataset_factory.h"

namespace srm {
namespace {

constexpr double kTolerance = 1.1;  // a sample leaves the range beyond 1.1 x the data's largest |x|

}  // namespace

double data_abs_max_of(const TrainedModel& model) {
  if (model.example_shape.size() == 3) return 1.0;
  const auto data = open_dataset(model.config.data, static_cast<uint64_t>(model.config.train.seed));
  std::vector<int64_t> indices(static_cast<size_t>(std::min<int64_t>(data->size(), 10000)));
  std::iota(indices.begin(), indices.end(), 0);
  return data->load(indices).abs().max().item<double>();
}

void SampleRangeCheck::add(const at::Tensor& samples) {
  if (samples.size(0) == 0) return;
  const at::Tensor per_sample = samples.detach().flatten(1).abs().amax(1).to(at::kCPU, at::kDouble);
  // NaN compares false: count it as outside, and let it reach the largest value.
  outside_ += (~(per_sample <= kTolerance * data_abs_max_)).sum().item<int64_t>();
  seen_ += per_sample.size(0);
  const double top = per_sample.max().item<double>();
  largest_ = std::isnan(top) || std::isnan(largest_) ? std::nan("") : std::max(largest_, top);
}

void SampleRangeCheck::reduce(Communicator& comm) {
  if (comm.world_size() == 1) return;
  at::Tensor counts = at::tensor({outside_, seen_}, at::kLong).to(comm.device());
  // NaN does not survive a Max reduction everywhere: send it as +inf.
  at::Tensor top = at::tensor({std::isnan(largest_) ? INFINITY : largest_}, at::kDouble).to(comm.device());
  comm.all_reduce(counts, ReduceOp::Sum);
  comm.all_reduce(top, ReduceOp::Max);
  counts = counts.to(at::kCPU);
  outside_ = counts[0].item<int64_t>();
  seen_ = counts[1].item<int64_t>();
  largest_ = top.to(at::kCPU).item<double>();
}

std::string SampleRangeCheck::warning(const std::string& what) const {
  if (outside_ == 0) return "";
  return fmt::format("warning: {} of {} {} leave the data's range (|x| <= {:.3g}; beyond {:.3g} counts) with |x| up to "
                     "{:.3g}: the PNG grids and the FID extractor clip such values, so pictures and scores hide them; "
                     "a sign of a diverging energy (see `srm-dist longrun` and train.energy_l2 in docs/stabilisers.md)",
                     outside_, seen_, what, data_abs_max_, kTolerance * data_abs_max_, largest_);
}

}  // namespace srm
