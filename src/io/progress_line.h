// The progress line of long work: iteration, iterations/s, ETA and a caller-supplied status
// (loss, energies). On a terminal it redraws one line in place; otherwise (logs, mpirun) it
// prints a line every `every` updates.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>

namespace srm {

class ProgressLine {
 public:
  ProgressLine(std::string label, int64_t first, int64_t total, int64_t every, std::FILE* out);
  // Report that `done` of `total` are finished; `status` is appended to the line.
  void update(int64_t done, const std::string& status);
  void finish();  // ends a redrawn line with a newline

  static std::string format_duration(double seconds);  // "1:02:03" / "2:03"

 private:
  std::string label_;
  int64_t first_, total_, every_;
  std::FILE* out_;
  bool terminal_;
  std::chrono::steady_clock::time_point start_;
  bool open_line_ = false;
};

}  // namespace srm
