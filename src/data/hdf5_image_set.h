// An HDF5 image set: dataset "/images", uint8 (N, C, H, W) in [0, 255] as written by
// srm-prepare-images (datasets/), or float32 in [-1, 1] in a file `srm-dist sample` wrote
// (format srm-dist-samples/1: a samples file is an image set too, for `fid` or to train on). Images are read per batch (the
// set may not fit in memory: CelebA at 128x128 is ~10 GB), so only the file handle is held.
// The file is checked before HDF5 opens it (its .sha256, else a child-process probe).
#pragma once

#include <memory>

#include "data/dataset.h"

namespace srm {

class Hdf5ImageSet : public Dataset {
 public:
  // Throws DataError naming the file when it is missing, damaged, lacks /images, or its shape
  // or type is wrong, or its side length differs from image_size (0: any side length).
  Hdf5ImageSet(const std::string& path, int64_t image_size, int64_t max_examples);
  ~Hdf5ImageSet() override;
  int64_t size() const override { return count_; }
  std::vector<int64_t> example_shape() const override { return {channels_, side_, side_}; }
  at::Tensor load(const std::vector<int64_t>& indices) const override;
  std::string describe() const override;

 private:
  struct Handles;
  std::string path_;
  std::unique_ptr<Handles> handles_;
  int64_t count_ = 0, channels_ = 0, side_ = 0;
  bool float_images_ = false;  // float32 in [-1, 1] rather than uint8
};

}  // namespace srm
