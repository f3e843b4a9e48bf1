// Reads IDX image files (the MNIST / Fashion-MNIST format), plain or gzip-compressed.
#pragma once

#include <ATen/core/Tensor.h>

#include <string>

namespace srm {

// The Debian package dataset-fashion-mnist's training images.
inline const char* const kDefaultFashionMnistPath =
    "/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz";

// uint8 (N, 1, H, W). Throws DataError naming the file on a missing file, a wrong magic
// number, or fewer bytes than the header promises.
at::Tensor read_idx_images(const std::string& path, int64_t max_examples = 0);

}  // namespace srm
