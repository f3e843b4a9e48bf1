// Runs the built srm-dist binary (path baked in by CMake) and captures its exit code and output.
#pragma once

#include <array>
#include <cstdio>
#include <string>
#include <sys/wait.h>

namespace srm::test {

struct RunResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr together
};

inline RunResult run_command(const std::string& command) {
  RunResult result;
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (!pipe) return result;
  std::array<char, 4096> buffer{};
  while (fgets(buffer.data(), buffer.size(), pipe)) result.output += buffer.data();
  const int status = pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

inline RunResult run_srm_dist(const std::string& arguments) {
  return run_command(std::string(SRM_DIST_BINARY) + " " + arguments);
}

inline std::string config_path(const std::string& name) {
  return std::string(SRM_SOURCE_DIR) + "/configs/" + name;
}

}  // namespace srm::test
