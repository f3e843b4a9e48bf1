// Reads CIFAR-10 "binary version" batches: data_batch_1.bin .. data_batch_5.bin in a folder,
// each 10000 records of 1 label byte + 3072 pixel bytes (R, G, B planes of 32x32).
#pragma once

#include <ATen/core/Tensor.h>

#include <string>

namespace srm {

// uint8 (N, 3, 32, 32). Throws DataError naming the file on a missing or mis-sized batch.
at::Tensor read_cifar10_images(const std::string& folder, int64_t max_examples = 0);

}  // namespace srm
