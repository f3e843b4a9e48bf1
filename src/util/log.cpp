// Log lines (see log.h).
#include "util/log.h"

#include <fmt/format.h>

#include <chrono>
#include <cstdio>
#include <ctime>

namespace srm {

void log_line(int rank, const std::string& message) {
  const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  localtime_r(&now, &tm);
  char clock[16];
  std::strftime(clock, sizeof clock, "%H:%M:%S", &tm);
  fmt::print(stderr, "[{} rank {}] {}\n", clock, rank, message);
  std::fflush(stderr);
}

}  // namespace srm
