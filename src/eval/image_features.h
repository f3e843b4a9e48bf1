// Features of a set of images for FID and KID, computed by the ranks of a job: each rank
// extracts the rows it owns (data/batch_plan.h's shard_of, or the rows a sampler round gave
// it), and finish() assembles the whole (N, F) matrix on every rank by one all-reduce of a
// zero-padded matrix (each row is non-zero on exactly one rank, so the sum is exact), from
// which the Gaussian moments (FID) come in float64, and the rows themselves serve KID.
#pragma once

#include <ATen/core/Tensor.h>

#include <functional>
#include <memory>
#include <string>

#include "comm/communicator.h"
#include "data/dataset.h"
#include "eval/feature_extractor.h"

namespace srm {

struct ImageFeatures {
  at::Tensor features;  // float32 (N, F) on the CPU; undefined when only moments are known (.npz)
  at::Tensor mean;      // float64 (F)
  at::Tensor covariance;  // float64 (F, F), unbiased (N - 1)
  int64_t count = 0;
};

class ShardedFeatures {
 public:
  explicit ShardedFeatures(int64_t total) : total_(total) {}
  // This rank's features of global rows [first, first + features.size(0)).
  void add(int64_t first, const at::Tensor& features);
  // Collective: every rank calls it; every rank gets the same result.
  ImageFeatures finish(Communicator& comm) const;

 private:
  int64_t total_;
  std::vector<std::pair<int64_t, at::Tensor>> parts_;
};

// The features of images [0, count) of `images`, split over the ranks, with a progress line
// and ETA on rank 0 (to `progress`, null for none) labelled `label`.
ImageFeatures extract_image_features(const Dataset& images, int64_t count, FeatureExtractor& extractor,
                                     Communicator& comm, const std::string& label, std::FILE* progress);

// Moments of an (N, F) feature matrix (N >= 2).
ImageFeatures moments_of(const at::Tensor& features);

}  // namespace srm
