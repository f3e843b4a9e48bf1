// metrics.csv writer (see metrics_csv.h).
#include "io/metrics_csv.h"

#include <fmt/format.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>

namespace srm {
namespace {

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};

std::unique_ptr<std::FILE, FileCloser> open_or_throw(const std::string& path, const char* mode) {
  std::unique_ptr<std::FILE, FileCloser> f(std::fopen(path.c_str(), mode));
  if (!f) throw std::runtime_error(fmt::format("cannot open \"{}\" for writing: {}", path, std::strerror(errno)));
  return f;
}

// Flushes and closes, so that a full disk is an error here and not a silently short file.
void close_or_throw(std::unique_ptr<std::FILE, FileCloser> f, const std::string& path) {
  const bool failed = std::ferror(f.get()) != 0 || std::fflush(f.get()) != 0;
  const int error = errno;
  if (std::fclose(f.release()) != 0 || failed)
    throw std::runtime_error(fmt::format("cannot write \"{}\": {}", path, std::strerror(failed ? error : errno)));
}

}  // namespace

std::vector<IterationMetrics> read_metrics_csv(const std::string& path) {
  std::ifstream in(path);
  std::vector<IterationMetrics> rows;
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    IterationMetrics m;
    char c1, c2, c3, c4, c5, c6, c7, c8, c9;
    if (fields >> m.iteration >> c1 >> m.loss >> c2 >> m.energy_data >> c3 >> m.energy_samples >> c4 >>
        m.energy_diff >> c5 >> m.chain_grad_norm >> c6 >> m.param_grad_norm >> c7 >> m.lr >> c8 >> m.data_noise >>
        c9 >> m.seconds) {
      char c10, c11, c12;  // columns added later: absent in older files, 0 (accept_rate 1) then
      double abs_max = 0, clipped = 0, accept = 1;
      if (fields >> c10 >> abs_max >> c11 >> clipped) {
        m.samples_abs_max = abs_max;
        m.grad_clipped = clipped;
        if (fields >> c12 >> accept) m.accept_rate = accept;
      }
      rows.push_back(m);
    }
  }
  return rows;
}

MetricsCsv::MetricsCsv(std::string path) : path_(std::move(path)) {
  auto f = open_or_throw(path_, "w");
  fmt::print(f.get(), "iteration,loss,energy_data,energy_samples,energy_diff,chain_grad_norm,"
                      "param_grad_norm,lr,data_noise,seconds,samples_abs_max,grad_clipped,accept_rate\n");
  close_or_throw(std::move(f), path_);
}

void MetricsCsv::append(const std::vector<IterationMetrics>& rows) const {
  auto f = open_or_throw(path_, "a");
  for (const auto& m : rows)
    fmt::print(f.get(), "{},{:.8g},{:.8g},{:.8g},{:.8g},{:.8g},{:.8g},{:.8g},{:.8g},{:.6f},{:.8g},{:g},{:.8g}\n",
               m.iteration, m.loss, m.energy_data, m.energy_samples, m.energy_diff, m.chain_grad_norm,
               m.param_grad_norm, m.lr, m.data_noise, m.seconds, m.samples_abs_max, m.grad_clipped, m.accept_rate);
  close_or_throw(std::move(f), path_);
}

}  // namespace srm
