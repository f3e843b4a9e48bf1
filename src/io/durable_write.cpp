// Crash-safe writes (see durable_write.h).
#include "io/durable_write.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>

namespace srm {

namespace fs = std::filesystem;

void fsync_path(const std::string& path, bool directory) {
  const int fd = ::open(path.c_str(), directory ? (O_RDONLY | O_DIRECTORY) : O_RDONLY);
  if (fd < 0) throw std::runtime_error(fmt::format("opening \"{}\" to sync it: {}", path, std::strerror(errno)));
  const int status = ::fsync(fd);
  const int saved = errno;
  ::close(fd);
  if (status != 0) throw std::runtime_error(fmt::format("fsync \"{}\": {}", path, std::strerror(saved)));
}

void rename_durably(const std::string& from, const std::string& to) {
  std::error_code error;
  fs::rename(from, to, error);
  if (error) throw std::runtime_error(fmt::format("renaming \"{}\" to \"{}\": {}", from, to, error.message()));
  const fs::path folder = fs::path(to).parent_path();
  fsync_path(folder.empty() ? "." : folder.string(), true);
}

void write_text_durably(const std::string& path, const std::string& text) {
  const fs::path target(path);
  const fs::path partial = target.parent_path() / ("." + target.filename().string() + ".partial");
  {
    std::ofstream out(partial, std::ios::trunc | std::ios::binary);
    out << text;
    if (!out.flush()) {
      const int saved = errno;
      out.close();
      std::error_code ignored;
      fs::remove(partial, ignored);
      throw std::runtime_error(fmt::format("writing \"{}\": {}", partial.string(), std::strerror(saved)));
    }
  }
  fsync_path(partial.string(), false);
  rename_durably(partial.string(), path);
}

}  // namespace srm
