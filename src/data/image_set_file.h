// Opens a file of images by what it holds, for the commands that compare image sets (`fid`,
// `eval --reference`): an HDF5 image set or a generated samples file (`sample`'s PREFIX.h5),
// an IDX image file (plain or gzip'd), or a CIFAR-10 folder (data_batch_*.bin). Images keep
// their size (the feature extractor resizes them). Throws DataError naming the file and the
// kinds accepted.
#pragma once

#include <memory>
#include <string>

#include "data/dataset.h"

namespace srm {

std::unique_ptr<Dataset> open_image_set_file(const std::string& path);

// What results record of a set's content: the SHA-256 of the file, or for a CIFAR-10 folder
// "data_batch_1.bin:<SHA-256> ..." for each batch file present.
std::string image_set_checksum(const std::string& path);

}  // namespace srm
