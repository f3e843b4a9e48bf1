// Sharded feature extraction (see image_features.h).
#include "eval/image_features.h"

#include <ATen/ATen.h>
#include <fmt/format.h>

#include <numeric>

#include "data/batch_plan.h"
#include "eval/gaussian_statistics.h"
#include "io/progress_line.h"

namespace srm {

void ShardedFeatures::add(int64_t first, const at::Tensor& features) {
  if (features.size(0) > 0) parts_.emplace_back(first, features.to(at::kCPU, at::kFloat));
}

ImageFeatures ShardedFeatures::finish(Communicator& comm) const {
  // The feature width: ranks without rows learn it from the others.
  at::Tensor width = at::full({1}, parts_.empty() ? 0.0 : static_cast<double>(parts_.front().second.size(1)),
                              at::TensorOptions().dtype(at::kFloat).device(comm.device()));
  if (comm.world_size() > 1) comm.all_reduce(width, ReduceOp::Max);
  const int64_t columns = static_cast<int64_t>(width.item<float>());
  at::Tensor all = at::zeros({total_, columns}, at::kFloat);
  for (const auto& [first, rows] : parts_) all.narrow(0, first, rows.size(0)).copy_(rows);
  if (comm.world_size() > 1) {
    at::Tensor on_device = all.to(comm.device());
    comm.all_reduce(on_device, ReduceOp::Sum);
    all = on_device.to(at::kCPU);
  }
  return moments_of(all);
}

ImageFeatures moments_of(const at::Tensor& features) {
  if (features.size(0) < 2)
    throw std::invalid_argument(fmt::format("FID and KID need at least 2 images on each side, got {}", features.size(0)));
  GaussianStatistics moments(features.size(1));
  moments.add(features);
  ImageFeatures out;
  out.features = features;
  out.count = moments.count();
  out.mean = moments.mean();
  out.covariance = moments.covariance();
  return out;
}

ImageFeatures extract_image_features(const Dataset& images, int64_t count, FeatureExtractor& extractor,
                                     Communicator& comm, const std::string& label, std::FILE* progress) {
  const Shard mine = shard_of(count, comm.rank(), comm.world_size());
  std::unique_ptr<ProgressLine> line;
  if (comm.rank() == 0 && progress) line = std::make_unique<ProgressLine>(label, 0, count, 1, progress);
  ShardedFeatures features(count);
  for (int64_t i = 0; i < mine.count; i += extractor.batch_size()) {
    std::vector<int64_t> indices(static_cast<size_t>(std::min(extractor.batch_size(), mine.count - i)));
    std::iota(indices.begin(), indices.end(), mine.offset + i);
    features.add(mine.offset + i, extractor.features(images.load(indices)));
    // Rank 0's share times the ranks: the job's progress, as all ranks work at the same pace.
    if (line) line->update(std::min(count, (i + static_cast<int64_t>(indices.size())) * comm.world_size()), "images");
  }
  if (line) line->finish();
  return features.finish(comm);
}

}  // namespace srm
