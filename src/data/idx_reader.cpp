// IDX image reader (see idx_reader.h); zlib's gz reader also reads uncompressed files.
#include "data/idx_reader.h"

#include <ATen/ATen.h>
#include <fmt/format.h>
#include <zlib.h>

#include <array>
#include <filesystem>
#include <fstream>
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

// The largest ratio of output to input that deflate can reach (about 1032:1).
constexpr uintmax_t kMaxDeflateRatio = 1100;

// Checks that the file can hold the `promised` bytes its header announces after the 16-byte
// header, before anything that size is allocated: an uncompressed file by its size; a gzip'd one
// by its trailer (ISIZE: the uncompressed length modulo 2^32) and by deflate's largest ratio.
void check_promised_size(const std::string& path, gzFile_s* file, uint64_t promised, const std::string& promise) {
  std::error_code error;
  const uintmax_t size = std::filesystem::file_size(path, error);
  if (error) throw DataError(fmt::format("\"{}\": cannot get its size: {}", path, error.message()));
  if (gzdirect(file)) {
    if (size - 16 < promised)
      throw DataError(fmt::format("\"{}\": truncated: the header promises {} ({} bytes) but the file holds {} bytes "
                                  "after its header", path, promise, promised, size - 16));
    return;
  }
  std::array<unsigned char, 4> trailer{};
  std::ifstream in(path, std::ios::binary);
  in.seekg(-4, std::ios::end);
  in.read(reinterpret_cast<char*>(trailer.data()), 4);
  const uint32_t stored_length = uint32_t(trailer[0]) | (uint32_t(trailer[1]) << 8) | (uint32_t(trailer[2]) << 16) |
                                 (uint32_t(trailer[3]) << 24);
  const bool impossible = promised > size * kMaxDeflateRatio;
  if (!in || impossible || stored_length != static_cast<uint32_t>(16 + promised))
    throw DataError(fmt::format("\"{}\": damaged or truncated: the header promises {} ({} bytes) but the gzip "
                                "stream {}", path, promise, promised,
                                impossible ? fmt::format("of {} bytes cannot hold that many", size)
                                           : fmt::format("records {} bytes in all (modulo 2^32)", stored_length)));
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
  check_promised_size(path, file.get(), static_cast<uint64_t>(count * rows * cols),
                      fmt::format("{} images of {}x{}", count, rows, cols));
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
