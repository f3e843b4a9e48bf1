// FID and KID between two summarised sets, and the lines every result records (the values,
// N on each side, the extractor and its hash, the input protocol, each set and its checksum),
// so that a number is never separated from how it was made.
#pragma once

#include <optional>
#include <string>

#include "eval/image_features.h"
#include "eval/kernel_inception_distance.h"

namespace srm {

struct SetDistance {
  double fid = 0;
  std::optional<KidResult> kid;  // absent when a side has moments only (a pytorch-fid .npz)
};

SetDistance distance_between(const ImageFeatures& a, const ImageFeatures& b, int64_t kid_subsets,
                             int64_t kid_subset_size, uint64_t seed);

struct SetLabel {
  std::string source;    // what the set is ("IDX images /data/t10k.gz", "1000 samples of RUN at iteration 5")
  std::string checksum;  // SHA-256 of its file(s), or "" when it has none (samples drawn in memory)
  int64_t count = 0;
};

// YAML lines: fid, kid, kid_std, kid_subsets, kid_subset_size, then `a` and `b` (source,
// checksum, n), features, features_sha1, protocol. A warning line when N < 10,000 on a side.
std::string distance_report(const SetDistance& distance, const SetLabel& a, const SetLabel& b,
                            const std::string& features, const std::string& features_sha1,
                            const std::string& protocol);

}  // namespace srm
