// The reference that a run's samples are compared with (eval and training-time evaluation):
// by default the run's training data as the run sees it (data.*: the same files, resolution
// and data.max_examples), else a file (an image set, or a statistics .npz as stored). The
// first N examples are embedded, split over the ranks, and the result is cached in
// `cache_dir` as a .npz with the features (for KID), named by a hash of what determines it:
// the data's checksum, the data settings, the extractor's SHA-1, the protocol and N. A cache
// file is sealed (.sha256) and verified like every file srm-dist writes once.
#pragma once

#include <cstdio>
#include <string>

#include "comm/communicator.h"
#include "config/config.h"
#include "eval/feature_extractor.h"
#include "eval/set_distance.h"

namespace srm {

struct ReferenceSet {
  ImageFeatures features;
  SetLabel label;
  std::string cache_file;  // "" when not cached (a .npz reference)
  bool from_cache = false;
};

// Collective: every rank calls it with the same arguments.
ReferenceSet reference_statistics(const std::string& reference_path, const DataConfig& data, uint64_t seed,
                                  int64_t n, FeatureExtractor& extractor, Communicator& comm,
                                  const std::string& cache_dir, std::FILE* progress);

}  // namespace srm
