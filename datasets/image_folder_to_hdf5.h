// Turns a folder of JPEG/PNG images (laid out like CelebA's img_align_celeba/) into an HDF5
// image set: /images uint8 (N, 3, S, S), in sorted file-name order, each image center-cropped
// to a square (the largest, or a fixed crop such as CelebA's customary 140) and resized to S.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

namespace srm {

struct PrepareOptions {
  std::string input_dir;
  std::string output_path;
  int size = 64;        // 32, 64 or 128
  int crop = 0;         // side of the centered square crop; 0 = the image's shorter side
  int64_t limit = 0;    // first N images only (0 = all)
};

struct PrepareReport {
  int64_t written = 0;
  std::vector<std::string> skipped;  // files that could not be decoded (with the reason)
};

// Throws std::runtime_error on a missing folder, no images, a bad size or an unwritable
// output. `progress` (may be null) receives a progress line.
PrepareReport prepare_image_folder(const PrepareOptions& options, std::FILE* progress);

// The image files of a folder (.jpg, .jpeg, .png, any case), sorted by name.
std::vector<std::string> list_image_files(const std::string& folder);

}  // namespace srm
