// Progress line (see progress_line.h).
#include "io/progress_line.h"

#include <fmt/format.h>
#include <unistd.h>

namespace srm {

ProgressLine::ProgressLine(std::string label, int64_t first, int64_t total, int64_t every, std::FILE* out)
    : label_(std::move(label)), first_(first), total_(total), every_(every > 0 ? every : 1), out_(out),
      terminal_(isatty(fileno(out)) != 0), start_(std::chrono::steady_clock::now()) {}

std::string ProgressLine::format_duration(double seconds) {
  const auto s = static_cast<int64_t>(seconds + 0.5);
  if (s >= 3600) return fmt::format("{}:{:02d}:{:02d}", s / 3600, (s / 60) % 60, s % 60);
  return fmt::format("{}:{:02d}", s / 60, s % 60);
}

void ProgressLine::update(int64_t done, const std::string& status) {
  const bool last = done >= total_;
  if (!terminal_ && !last && done % every_ != 0) return;
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const double rate = elapsed > 0 ? static_cast<double>(done - first_) / elapsed : 0.0;
  const double eta = rate > 0 ? static_cast<double>(total_ - done) / rate : 0.0;
  const std::string line =
      fmt::format("{} {:>{}}/{} {:5.1f}% | {:.2f} it/s | elapsed {} | ETA {} | {}", label_, done,
                  std::to_string(total_).size(), total_, 100.0 * done / std::max<int64_t>(total_, 1),
                  rate, format_duration(elapsed), format_duration(eta), status);
  if (terminal_) {
    fmt::print(out_, "\r{}\x1b[K", line);
    open_line_ = true;
    if (last) finish();
  } else {
    fmt::print(out_, "{}\n", line);
  }
  std::fflush(out_);
}

void ProgressLine::finish() {
  if (open_line_) fmt::print(out_, "\n");
  open_line_ = false;
  std::fflush(out_);
}

}  // namespace srm
