// IDX image reader (see idx_reader.h); zlib's gz reader also reads uncompressed files.
#include "data/idx_reader.h"

#include <ATen/ATen.h>
#include <fmt/format.h>
#include <zlib.h>

#include <array>
#include <memory>

#include "data/dataset.h"

namespace srm {
namespace {

struct GzCloser {
  void operator()(gzFile_s* f) const { gzclose(f); }
};

uint32_t big_endian(const std::array<unsigned char, 4>& b) {
  return (uint32_t(b[0]) << 24) | (uint32_t(b[1]) << 16) | (uint32_t(b[2]) << 8) | uint32_t(b[3]);
}

}  // namespace

at::Tensor read_idx_images(const std::string& path, int64_t max_examples) {
  std::unique_ptr<gzFile_s, GzCloser> file(gzopen(path.c_str(), "rb"));
  if (!file)
    throw DataError(fmt::format("cannot open IDX image file \"{}\" (on Debian: apt-get install "
                                "dataset-fashion-mnist, or set data.path)", path));
  std::array<uint32_t, 4> header{};
  for (auto& field : header) {
    std::array<unsigned char, 4> bytes{};
    if (gzread(file.get(), bytes.data(), 4) != 4)
      throw DataError(fmt::format("\"{}\": truncated IDX header", path));
    field = big_endian(bytes);
  }
  if (header[0] != 0x00000803)
    throw DataError(fmt::format("\"{}\": not an IDX image file (magic 0x{:08x}, expected "
                                "0x00000803 for uint8 N x H x W)", path, header[0]));
  const int64_t count = header[1], rows = header[2], cols = header[3];
  if (rows == 0 || cols == 0 || rows > 4096 || cols > 4096)
    throw DataError(fmt::format("\"{}\": implausible image size {}x{}", path, rows, cols));
  const int64_t n = max_examples > 0 ? std::min(count, max_examples) : count;
  at::Tensor images = at::empty({n, 1, rows, cols}, at::TensorOptions().dtype(at::kByte));
  const int64_t bytes = n * rows * cols;
  int64_t done = 0;
  auto* out = static_cast<unsigned char*>(images.data_ptr());
  while (done < bytes) {
    const unsigned chunk = static_cast<unsigned>(std::min<int64_t>(bytes - done, 1 << 30));
    const int got = gzread(file.get(), out + done, chunk);
    if (got <= 0)
      throw DataError(fmt::format("\"{}\": truncated: the header promises {} images of {}x{} but "
                                  "the file ends after {} of them", path, count, rows, cols,
                                  done / (rows * cols)));
    done += got;
  }
  return images;
}

}  // namespace srm
