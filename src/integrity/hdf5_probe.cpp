// Child-process probe of HDF5 files (see hdf5_probe.h).
#include "integrity/hdf5_probe.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "integrity/checksum_sidecar.h"

extern char** environ;

namespace srm {
namespace {

namespace fs = std::filesystem;

std::string probe_program() {
  if (const char* explicit_path = std::getenv("SRM_H5PROBE"); explicit_path && *explicit_path) return explicit_path;
  std::error_code error;
  const fs::path self = fs::read_symlink("/proc/self/exe", error);
  if (!error && fs::exists(self.parent_path() / "srm-h5probe")) return (self.parent_path() / "srm-h5probe").string();
#ifdef SRM_H5PROBE_BUILD_PATH
  if (fs::exists(SRM_H5PROBE_BUILD_PATH)) return SRM_H5PROBE_BUILD_PATH;
#endif
  throw ProbeUnavailableError(
      "srm-h5probe (built with srm-dist) is not next to the srm-dist executable: it reads HDF5 files in a separate "
      "process so that a damaged file cannot crash srm-dist; copy it beside srm-dist or set SRM_H5PROBE to its path");
}

struct ChildEnd {
  bool timed_out = false;
  int status = 0;
  std::string stderr_text;
};

// Runs `argv` with stderr captured (the first 4 KiB) and a wall-clock limit.
ChildEnd run_child(const std::vector<std::string>& arguments, std::chrono::seconds limit) {
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) throw ProbeUnavailableError(fmt::format("pipe: {}", std::strerror(errno)));
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDERR_FILENO);
  std::vector<char*> argv;
  for (const auto& a : arguments) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  pid_t pid = 0;
  const int spawned = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(pipe_fds[1]);
  if (spawned != 0) {
    ::close(pipe_fds[0]);
    throw ProbeUnavailableError(fmt::format("starting \"{}\": {}", arguments[0], std::strerror(spawned)));
  }
  ChildEnd end;
  const auto deadline = std::chrono::steady_clock::now() + limit;
  char buffer[1024];
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      end.timed_out = true;
      ::kill(pid, SIGKILL);
      break;
    }
    pollfd fd{pipe_fds[0], POLLIN, 0};
    const int ready = ::poll(&fd, 1, static_cast<int>(std::min<int64_t>(left.count(), 1000)));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) continue;
    const ssize_t got = ::read(pipe_fds[0], buffer, sizeof buffer);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) break;  // the child closed stderr: it has ended
    if (end.stderr_text.size() < 4096) end.stderr_text.append(buffer, static_cast<size_t>(got));
  }
  ::close(pipe_fds[0]);
  pid_t waited = -1;
  while ((waited = ::waitpid(pid, &end.status, 0)) < 0 && errno == EINTR) {}
  if (waited != pid)  // e.g. SIGCHLD ignored by the parent: no verdict can be read
    throw ProbeUnavailableError(fmt::format("waiting for \"{}\": {}", arguments[0], std::strerror(errno)));
  return end;
}

std::string first_line(const std::string& text) {
  const std::string line = text.substr(0, text.find('\n'));
  return line.empty() ? "no message" : line;
}

}  // namespace

void probe_hdf5_file(const std::string& path, const std::string& what) {
  std::error_code error;
  const auto size = fs::file_size(path, error);
  if (error) throw FileDamagedError(fmt::format("{} \"{}\" cannot be read: {}", what, path, error.message()));
  // Generous for any disk (the probe reads at most 256 MiB of values plus the metadata); a probe
  // taking longer is most likely looping in damaged metadata.
  const char* configured = std::getenv("SRM_H5PROBE_TIMEOUT");
  const auto limit = std::chrono::seconds(configured && *configured ? std::max(1L, std::atol(configured))
                                                                    : 60 + static_cast<int64_t>(size / 100'000'000));
  const ChildEnd end = run_child({probe_program(), path}, limit);
  if (end.timed_out)
    throw FileProbeTimeoutError(fmt::format("{} \"{}\" is damaged or on a very slow file system: the HDF5 library did "
                                            "not finish reading it within {} s (probed in a separate process; "
                                            "SRM_H5PROBE_TIMEOUT sets the limit)", what, path, limit.count()));
  if (WIFSIGNALED(end.status))
    throw FileDamagedError(fmt::format("{} \"{}\" is damaged: the HDF5 library could not read it (it crashed with "
                                       "signal {} reading the file in a separate process)", what, path,
                                       WTERMSIG(end.status)));
  if (!WIFEXITED(end.status) || WEXITSTATUS(end.status) != 0)
    throw FileDamagedError(fmt::format("{} \"{}\" is damaged or not HDF5: {}", what, path, first_line(end.stderr_text)));
}

void check_hdf5_file_before_use(const std::string& path, const std::string& what) {
  if (verify_checksum_sidecar(path, what) == SidecarVerdict::Verified) return;
  probe_hdf5_file(path, what);
}

}  // namespace srm
