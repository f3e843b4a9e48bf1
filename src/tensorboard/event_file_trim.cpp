// Trimming earlier event files to a resume point (see event_file_trim.h).
#include "tensorboard/event_file_trim.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <system_error>
#include <vector>

#include "tensorboard/record_framing.h"
#include "tensorboard/tensorboard_event.pb.h"

namespace srm {
namespace {

namespace fs = std::filesystem;

void write_file_or_throw(const std::string& path, const std::vector<std::string>& records) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) throw std::runtime_error("cannot create \"" + path + "\": " + std::strerror(errno));
  bool failed = false;
  for (const auto& data : records) {
    const std::string framed = frame_record(data);
    failed = failed || std::fwrite(framed.data(), 1, framed.size(), f) != framed.size();
  }
  failed = failed || std::fflush(f) != 0;
  const int error = errno;
  if (std::fclose(f) != 0 || failed) {
    std::remove(path.c_str());
    throw std::runtime_error("cannot write \"" + path + "\": " + std::strerror(failed ? error : errno));
  }
}

// true when the file was rewritten.
bool trim_file(const fs::path& file, int64_t last_step) {
  const RecordScan scan = read_records(file.string());
  std::vector<std::string> kept;
  for (std::size_t i = 0; i < scan.records.size(); ++i) {
    tb::Event event;
    const bool parsed = event.ParseFromString(scan.records[i]);
    if (i == 0 || (parsed && event.step() <= last_step)) kept.push_back(scan.records[i]);
  }
  if (scan.clean_end && kept.size() == scan.records.size()) return false;
  // Named without "tfevents", so TensorBoard never reads a temporary left by a crash.
  const std::string temporary = (file.parent_path() / ".trimming.tmp").string();
  write_file_or_throw(temporary, kept);
  std::error_code error;
  fs::rename(temporary, file, error);
  if (error) throw std::runtime_error("cannot replace \"" + file.string() + "\": " + error.message());
  return true;
}

}  // namespace

int keep_events_up_to(const std::string& dir, int64_t last_step) {
  std::error_code error;
  if (!fs::is_directory(dir, error)) return 0;
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(dir, error)) {
    const std::string name = entry.path().filename().string();
    if (entry.is_regular_file() && name.find("tfevents") != std::string::npos) files.push_back(entry.path());
  }
  if (error) throw std::runtime_error("cannot list \"" + dir + "\": " + error.message());
  int rewritten = 0;
  for (const auto& file : files) rewritten += trim_file(file, last_step) ? 1 : 0;
  return rewritten;
}

}  // namespace srm
