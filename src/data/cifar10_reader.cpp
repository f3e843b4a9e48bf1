// CIFAR-10 binary batch reader (see cifar10_reader.h).
#include "data/cifar10_reader.h"

#include <ATen/ATen.h>
#include <fmt/format.h>

#include <filesystem>
#include <fstream>

#include "data/dataset.h"

namespace srm {

at::Tensor read_cifar10_images(const std::string& folder, int64_t max_examples) {
  constexpr int64_t kRecord = 1 + 3 * 32 * 32;
  constexpr int64_t kPerBatch = 10000;
  std::vector<at::Tensor> batches;
  int64_t total = 0;
  for (int b = 1; b <= 5; ++b) {
    if (max_examples > 0 && total >= max_examples) break;
    const auto path = std::filesystem::path(folder) / fmt::format("data_batch_{}.bin", b);
    std::ifstream in(path, std::ios::binary);
    if (!in)
      throw DataError(fmt::format("cannot open CIFAR-10 batch \"{}\" (data.path must be the "
                                  "folder of the binary version's data_batch_*.bin)", path.string()));
    const auto size = std::filesystem::file_size(path);
    if (size != static_cast<uintmax_t>(kRecord * kPerBatch))
      throw DataError(fmt::format("\"{}\": {} bytes, expected {} (10000 records of {} bytes)",
                                  path.string(), size, kRecord * kPerBatch, kRecord));
    at::Tensor raw = at::empty({kPerBatch, kRecord}, at::TensorOptions().dtype(at::kByte));
    in.read(static_cast<char*>(raw.data_ptr()), kRecord * kPerBatch);
    batches.push_back(raw.narrow(1, 1, kRecord - 1).reshape({kPerBatch, 3, 32, 32}));
    total += kPerBatch;
  }
  at::Tensor images = at::cat(batches, 0);
  if (max_examples > 0 && images.size(0) > max_examples) images = images.narrow(0, 0, max_examples);
  return images.contiguous();
}

}  // namespace srm
