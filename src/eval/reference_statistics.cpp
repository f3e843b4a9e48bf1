// Reference statistics with their cache (see reference_statistics.h).
#include "eval/reference_statistics.h"

#include <ATen/ATen.h>
#include <fmt/format.h>

#include <filesystem>

#include "config/config_loader.h"
#include "data/dataset_factory.h"
#include "data/idx_reader.h"
#include "data/image_set_file.h"
#include "eval/statistics_file.h"
#include "integrity/file_digest.h"
#include "util/log.h"

namespace srm {
namespace {

namespace fs = std::filesystem;

// The training data's content checksum ("" for the generated 2-D sets: their config is their content).
std::string training_data_checksum(const DataConfig& data) {
  if (data.dataset == "rings" || data.dataset == "gmm") return "";
  const std::string path = data.dataset == "fashion_mnist" && data.path.empty() ? kDefaultFashionMnistPath : data.path;
  return image_set_checksum(path);
}

// The generated 2-D sets are drawn from the seed: it is part of their content.
std::string data_settings(const DataConfig& data, uint64_t seed) {
  return fmt::format("dataset={} path={} image_size={} max_examples={} toy_examples={} toy_noise={} seed={}",
                     data.dataset, data.path, data.image_size, data.max_examples, data.toy_examples, data.toy_noise,
                     data.dataset == "rings" || data.dataset == "gmm" ? seed : 0);
}

// A short stable name for the cache file: the first 16 hex digits of the SHA-256 of `key`.
std::string cache_name(const std::string& cache_dir, const std::string& key) {
  return (fs::path(cache_dir) / ("reference_" + sha256_hex_of_text(key).substr(0, 16) + ".npz")).string();
}

}  // namespace

ReferenceSet reference_statistics(const std::string& reference_path, const DataConfig& data, uint64_t seed,
                                  int64_t n, FeatureExtractor& extractor, Communicator& comm,
                                  const std::string& cache_dir, std::FILE* progress) {
  ReferenceSet reference;
  if (is_statistics_file(reference_path)) {
    reference.features = load_statistics_npz(reference_path);
    reference.label = {"statistics " + reference_path, sha256_hex_of_file(reference_path), reference.features.count};
    return reference;
  }
  const bool training_data = reference_path.empty();
  const auto images = training_data ? open_dataset(data, seed) : open_image_set_file(reference_path);
  const int64_t count = std::min(n, images->size());
  const std::string checksum = training_data ? training_data_checksum(data) : image_set_checksum(reference_path);
  reference.label = {images->describe(), checksum, count};
  // Only rank 0 writes the cache (and makes its folder); every rank computes the same name.
  const std::string key = fmt::format("{}|{}|{}|{}|{}|{}", checksum, training_data ? data_settings(data, seed) : reference_path,
                                      extractor.sha1(), extractor.protocol(), count, images->describe());
  reference.cache_file = cache_name(cache_dir, key);
  bool loaded = false;
  if (fs::exists(reference.cache_file)) {
    try {
      reference.features = load_statistics_npz(reference.cache_file);
      loaded = reference.features.features.defined() && reference.features.count == count;
    } catch (const std::exception& e) {
      if (comm.rank() == 0) log_line(0, fmt::format("warning: {}; computing the reference statistics again", e.what()));
    }
  }
  // The ranks must agree (their next collectives differ): the cache is used only when every rank
  // could load it (a node-local folder or a file system's stale view can differ between ranks).
  at::Tensor missing = at::full({1}, loaded ? 0.f : 1.f, at::TensorOptions().device(comm.device()));
  if (comm.world_size() > 1) comm.all_reduce(missing, ReduceOp::Max);
  if (missing.item<float>() == 0.f) {
    reference.from_cache = true;
    return reference;
  }
  if (comm.rank() == 0)
    log_line(0, fmt::format("reference: features of {} examples of {} (cached afterwards in {})", count,
                            images->describe(), reference.cache_file));
  reference.features = extract_image_features(*images, count, extractor, comm, "reference", progress);
  if (comm.rank() == 0) {
    fs::create_directories(cache_dir);
    save_statistics_npz(reference.cache_file, reference.features, true);
  }
  return reference;
}

}  // namespace srm
