// FID statistics .npz files (see statistics_file.h).
#include "eval/statistics_file.h"

#include <ATen/ATen.h>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <filesystem>


#include "eval/npz_file.h"
#include "integrity/checksum_sidecar.h"

namespace srm {
namespace {

NpyArray array_of(const at::Tensor& tensor, const std::string& dtype) {
  const at::Tensor cpu = tensor.to(at::kCPU, dtype == "<f4" ? at::kFloat : dtype == "<i8" ? at::kLong : at::kDouble)
                             .contiguous();
  NpyArray array;
  array.dtype = dtype;
  array.shape.assign(cpu.sizes().begin(), cpu.sizes().end());
  const auto* bytes = static_cast<const unsigned char*>(cpu.data_ptr());
  array.data.assign(bytes, bytes + cpu.nbytes());
  return array;
}

at::Tensor tensor_of(const NpyArray& array, const std::string& what) {
  const std::vector<double> values = as_float64(array, what);
  return at::tensor(values, at::kDouble).reshape(array.shape);
}

}  // namespace

bool is_statistics_file(const std::string& path) {
  return path.size() > 4 && path.compare(path.size() - 4, 4, ".npz") == 0;
}

void save_statistics_npz(const std::string& path, const ImageFeatures& statistics, bool with_features) {
  std::map<std::string, NpyArray> arrays{{"mu", array_of(statistics.mean, "<f8")},
                                         {"sigma", array_of(statistics.covariance, "<f8")},
                                         {"count", array_of(at::full({}, statistics.count, at::kLong), "<i8")}};
  if (with_features && statistics.features.defined()) arrays["features"] = array_of(statistics.features, "<f4");
  std::filesystem::remove(checksum_sidecar_path(path));  // the old file's seal does not cover the new one
  write_npz(path, arrays);
  write_checksum_sidecar(path);
}

ImageFeatures load_statistics_npz(const std::string& path) {
  verify_checksum_sidecar(path, "statistics file");
  const auto arrays = read_npz(path);
  const auto mu = arrays.find("mu"), sigma = arrays.find("sigma");
  if (mu == arrays.end() || sigma == arrays.end())
    throw std::runtime_error(fmt::format("statistics file \"{}\" has no mu and sigma arrays (pytorch-fid's layout)",
                                         path));
  ImageFeatures out;
  out.mean = tensor_of(mu->second, "\"" + path + "\" mu");
  out.covariance = tensor_of(sigma->second, "\"" + path + "\" sigma");
  const int64_t width = out.mean.dim() == 1 ? out.mean.size(0) : -1;
  if (width < 1 || out.covariance.dim() != 2 || out.covariance.size(0) != width || out.covariance.size(1) != width)
    throw std::runtime_error(fmt::format("statistics file \"{}\": mu must be (F) and sigma (F, F); got {} and {}",
                                         path, fmt::join(out.mean.sizes(), "x"), fmt::join(out.covariance.sizes(), "x")));
  if (const auto count = arrays.find("count"); count != arrays.end() && element_count(count->second.shape) == 1)
    out.count = static_cast<int64_t>(as_float64(count->second, "count")[0]);
  if (const auto features = arrays.find("features"); features != arrays.end()) {
    at::Tensor f = tensor_of(features->second, "\"" + path + "\" features").to(at::kFloat);
    if (f.dim() != 2 || f.size(1) != width)
      throw std::runtime_error(fmt::format("statistics file \"{}\": features must be (N, {})", path, width));
    out.features = f;
    out.count = f.size(0);
  }
  return out;
}

}  // namespace srm
