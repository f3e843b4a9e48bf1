// Image folder -> HDF5 image set (see image_folder_to_hdf5.h).
#include "image_folder_to_hdf5.h"

#include <fmt/format.h>
#include <stb/stb_image.h>
#include <stb/stb_image_resize.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <memory>
#include <stdexcept>

#include "io/hdf5_append.h"
#include "io/hdf5_handle.h"
#include "io/progress_line.h"

namespace srm {
namespace {

constexpr int kChannels = 3;

struct StbFree {
  void operator()(unsigned char* p) const { stbi_image_free(p); }
};

// Decodes, crops and resizes one file into `out` (3 x size x size, planar). Returns an empty
// string on success, else the reason.
std::string load_square(const std::string& path, int crop, int size, unsigned char* out) {
  int w = 0, h = 0, n = 0;
  std::unique_ptr<unsigned char, StbFree> pixels(stbi_load(path.c_str(), &w, &h, &n, kChannels));
  if (!pixels) return stbi_failure_reason();
  const int side = crop > 0 ? std::min({crop, w, h}) : std::min(w, h);
  const int left = (w - side) / 2, top = (h - side) / 2;
  std::vector<unsigned char> resized(static_cast<size_t>(size) * size * kChannels);
  const unsigned char* origin = pixels.get() + (static_cast<size_t>(top) * w + left) * kChannels;
  if (!stbir_resize_uint8(origin, side, side, w * kChannels, resized.data(), size, size, size * kChannels, kChannels))
    return "resize failed";
  for (int c = 0; c < kChannels; ++c)
    for (int i = 0; i < size * size; ++i) out[c * size * size + i] = resized[static_cast<size_t>(i) * kChannels + c];
  return "";
}

}  // namespace

std::vector<std::string> list_image_files(const std::string& folder) {
  namespace fs = std::filesystem;
  if (!fs::is_directory(folder)) throw std::runtime_error(fmt::format("\"{}\" is not a folder", folder));
  std::vector<std::string> files;
  for (const auto& entry : fs::directory_iterator(folder)) {
    if (!entry.is_regular_file()) continue;
    std::string ext = entry.path().extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
    if (ext == ".jpg" || ext == ".jpeg" || ext == ".png") files.push_back(entry.path().string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

PrepareReport prepare_image_folder(const PrepareOptions& options, std::FILE* progress) {
  if (options.size != 32 && options.size != 64 && options.size != 128)
    throw std::runtime_error(fmt::format("--size {} is not allowed: expected 32, 64 or 128", options.size));
  std::vector<std::string> files = list_image_files(options.input_dir);
  if (options.limit > 0 && static_cast<int64_t>(files.size()) > options.limit) files.resize(options.limit);
  if (files.empty()) throw std::runtime_error(fmt::format("no .jpg/.jpeg/.png files in \"{}\"", options.input_dir));

  const hsize_t s = static_cast<hsize_t>(options.size);
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  const H5Id fapl = unlocked_file_access();
  const H5Id file(H5Fcreate(options.output_path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl.get()),
                  fmt::format("creating \"{}\"", options.output_path));
  PrepareReport report;
  const size_t per_image = kChannels * s * s;
  const int64_t block = 256;
  std::vector<unsigned char> buffer;
  ProgressLine line("prepare", 0, static_cast<int64_t>(files.size()), 1000, progress ? progress : stderr);
  const auto flush = [&] {
    const hsize_t rows = buffer.size() / per_image;
    if (rows == 0) return;
    // One image per chunk: training reads images at random.
    append_rows(file.get(), "images", H5T_STD_U8LE, H5T_NATIVE_UINT8, {kChannels, s, s}, buffer.data(), rows, 1,
                true);
    report.written += static_cast<int64_t>(rows);
    buffer.clear();
  };
  for (size_t i = 0; i < files.size(); ++i) {
    const size_t at = buffer.size();
    buffer.resize(at + per_image);
    const std::string error = load_square(files[i], options.crop, options.size, buffer.data() + at);
    if (!error.empty()) {
      buffer.resize(at);
      report.skipped.push_back(fmt::format("{}: {}", files[i], error));
    }
    if (static_cast<int64_t>(buffer.size() / per_image) >= block) flush();
    if (progress) line.update(static_cast<int64_t>(i + 1), fmt::format("{} skipped", report.skipped.size()));
  }
  flush();
  if (report.written == 0)
    throw std::runtime_error(fmt::format("none of the {} files in \"{}\" could be decoded", files.size(),
                                         options.input_dir));
  return report;
}

}  // namespace srm
