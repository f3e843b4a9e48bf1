// FID statistics files: pytorch-fid's .npz layout (keys `mu`, float64 (F), and `sigma`,
// float64 (F, F)), so published reference statistics work as either side of `srm-dist fid`,
// and files srm-dist writes load with numpy.load and pytorch-fid. srm-dist may add `features`
// (float32 (N, F): what KID needs; eval's reference cache keeps them) and `count` (int64, N).
// Written files are sealed with a .sha256 sidecar (integrity/checksum_sidecar.h), verified on
// reading when present.
#pragma once

#include <string>

#include "eval/image_features.h"

namespace srm {

void save_statistics_npz(const std::string& path, const ImageFeatures& statistics, bool with_features);

// Throws naming the file when it is corrupt, is not a .npz, lacks mu or sigma, or their shapes
// disagree. `features` is undefined unless the file has them; count is 0 when unknown.
ImageFeatures load_statistics_npz(const std::string& path);

bool is_statistics_file(const std::string& path);  // by its name: *.npz

}  // namespace srm
