// Image sets by content (see image_set_file.h).
#include "data/image_set_file.h"

#include <ATen/ATen.h>
#include <fmt/format.h>
#include <zlib.h>

#include <array>
#include <filesystem>
#include <fstream>

#include "data/cifar10_reader.h"
#include "data/hdf5_image_set.h"
#include "data/idx_reader.h"
#include "data/in_memory_images.h"
#include "integrity/file_digest.h"

namespace srm {
namespace {

namespace fs = std::filesystem;

std::array<unsigned char, 8> first_bytes(const std::string& path, bool through_gzip) {
  std::array<unsigned char, 8> bytes{};
  if (through_gzip) {
    gzFile file = gzopen(path.c_str(), "rb");
    if (file) {
      gzread(file, bytes.data(), static_cast<unsigned>(bytes.size()));
      gzclose(file);
    }
    return bytes;
  }
  std::ifstream in(path, std::ios::binary);
  in.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  return bytes;
}

}  // namespace

std::unique_ptr<Dataset> open_image_set_file(const std::string& path) {
  std::error_code error;
  if (!fs::exists(path, error)) throw DataError(fmt::format("image set \"{}\" does not exist", path));
  if (fs::is_directory(path, error)) {
    if (!fs::exists(fs::path(path) / "data_batch_1.bin"))
      throw DataError(fmt::format("\"{}\" is a folder without data_batch_1.bin (the only folder accepted is "
                                  "CIFAR-10's binary version)", path));
    at::Tensor images = read_cifar10_images(path, 0);
    return std::make_unique<InMemoryImages>(images, images.size(2), "CIFAR-10 " + path);
  }
  static constexpr std::array<unsigned char, 8> kHdf5Signature{0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};
  if (first_bytes(path, false) == kHdf5Signature) return std::make_unique<Hdf5ImageSet>(path, 0, 0);
  const auto idx = first_bytes(path, true);  // zlib reads plain files through gzread too
  if (idx[0] == 0 && idx[1] == 0 && idx[2] == 0x08 && idx[3] == 0x03) {
    at::Tensor images = read_idx_images(path, 0);
    return std::make_unique<InMemoryImages>(images, images.size(2), "IDX images " + path);
  }
  throw DataError(fmt::format("\"{}\" is not an image set srm-dist reads: expected an HDF5 image set or samples "
                              "file (/images), an IDX image file (.gz or not), a CIFAR-10 folder, or for FID a "
                              "statistics .npz", path));
}

std::string image_set_checksum(const std::string& path) {
  if (!fs::is_directory(path)) return sha256_hex_of_file(path);
  std::string out;
  for (int b = 1; b <= 5; ++b) {
    const fs::path batch = fs::path(path) / fmt::format("data_batch_{}.bin", b);
    if (fs::exists(batch))
      out += fmt::format("{}{}:{}", out.empty() ? "" : " ", batch.filename().string(), sha256_hex_of_file(batch.string()));
  }
  return out;
}

}  // namespace srm
