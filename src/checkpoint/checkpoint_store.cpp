// Atomic checkpoint folder (see checkpoint_store.h).
#include "checkpoint/checkpoint_store.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "integrity/checksum_sidecar.h"
#include "io/durable_write.h"

namespace srm {
namespace {

namespace fs = std::filesystem;

constexpr const char* kPrefix = "ckpt_";
constexpr const char* kSuffix = ".h5";
constexpr const char* kPartial = ".partial";

constexpr const char* kSidecarSuffix = ".h5.sha256";

bool ends_with(const std::string& name, const std::string& suffix) {
  return name.size() > suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Iteration encoded in a complete checkpoint's file name, or -1 for any other name.
int64_t iteration_of(const std::string& name) {
  const std::string prefix = kPrefix, suffix = kSuffix;
  if (name.size() <= prefix.size() + suffix.size() || name.rfind(prefix, 0) != 0 ||
      name.compare(name.size() - suffix.size(), suffix.size(), suffix) != 0)
    return -1;
  const std::string digits = name.substr(prefix.size(), name.size() - prefix.size() - suffix.size());
  if (digits.empty() || !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return -1;
  return std::stoll(digits);
}

}  // namespace

CheckpointStore::CheckpointStore(std::string dir, int64_t kept) : dir_(std::move(dir)), kept_(std::max<int64_t>(kept, 1)) {}

std::string CheckpointStore::path_for(int64_t iteration) const {
  return (fs::path(dir_) / fmt::format("{}{:08d}{}", kPrefix, iteration, kSuffix)).string();
}

std::string CheckpointStore::save(const TrainingCheckpoint& checkpoint) const {
  fs::create_directories(dir_);
  const fs::path final_path = path_for(checkpoint.iteration);
  const fs::path partial = fs::path(dir_) / ("." + final_path.filename().string() + kPartial);
  write_checkpoint_file(partial.string(), checkpoint);
  fsync_path(partial.string(), false);
  // The sidecar first: a checkpoint under its final name always has its checksum beside it.
  write_checksum_sidecar(partial.string(), final_path.string());
  rename_durably(partial.string(), final_path.string());
  write_text_durably((fs::path(dir_) / "latest").string(), final_path.filename().string() + "\n");

  const auto files = complete_files();
  for (size_t i = static_cast<size_t>(kept_); i < files.size(); ++i) {
    fs::remove(files[i]);
    fs::remove(checksum_sidecar_path(files[i]));
  }
  // Stale pieces of interrupted saves: .partial files, and sidecars whose checkpoint is gone.
  for (const auto& entry : fs::directory_iterator(dir_)) {
    const std::string name = entry.path().filename().string();
    const bool stale_partial = name != partial.filename().string() && ends_with(name, kPartial);
    const bool orphan_sidecar = ends_with(name, kSidecarSuffix) && !fs::exists(fs::path(entry.path()).replace_extension());
    if (stale_partial || orphan_sidecar) fs::remove(entry.path());
  }
  return final_path.string();
}

std::vector<std::string> CheckpointStore::complete_files() const {
  std::vector<std::pair<int64_t, std::string>> found;
  if (!fs::is_directory(dir_)) return {};
  for (const auto& entry : fs::directory_iterator(dir_)) {
    const int64_t iteration = iteration_of(entry.path().filename().string());
    if (iteration >= 0 && entry.is_regular_file()) found.emplace_back(iteration, entry.path().string());
  }
  std::sort(found.rbegin(), found.rend());
  std::vector<std::string> paths;
  for (auto& item : found) paths.push_back(std::move(item.second));
  return paths;
}

std::string CheckpointStore::latest_marker() const {
  std::ifstream in(fs::path(dir_) / "latest");
  std::string name;
  std::getline(in, name);
  return name;
}

std::optional<CheckpointStore::Found> CheckpointStore::newest_usable(
    const std::function<void(const TrainingCheckpoint&, const std::string&)>& accept,
    std::vector<std::string>& rejections) const {
  for (const auto& path : complete_files()) {
    try {
      TrainingCheckpoint checkpoint = read_checkpoint_file(path);
      if (checkpoint.iteration != iteration_of(fs::path(path).filename().string()))
        throw CheckpointError(fmt::format("checkpoint \"{}\" holds iteration {}, not the one its name says", path,
                                          checkpoint.iteration));
      accept(checkpoint, path);
      return Found{path, std::move(checkpoint)};
    } catch (const CheckpointError& e) {
      rejections.push_back(e.what());
    }
  }
  return std::nullopt;
}

}  // namespace srm
