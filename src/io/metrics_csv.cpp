// metrics.csv writer (see metrics_csv.h).
#include "io/metrics_csv.h"

#include <fmt/format.h>

#include <cstdio>
#include <memory>
#include <stdexcept>

namespace srm {
namespace {

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};

std::unique_ptr<std::FILE, FileCloser> open_or_throw(const std::string& path, const char* mode) {
  std::unique_ptr<std::FILE, FileCloser> f(std::fopen(path.c_str(), mode));
  if (!f) throw std::runtime_error(fmt::format("cannot open \"{}\" for writing", path));
  return f;
}

}  // namespace

MetricsCsv::MetricsCsv(std::string path) : path_(std::move(path)) {
  auto f = open_or_throw(path_, "w");
  fmt::print(f.get(), "iteration,loss,energy_data,energy_samples,energy_diff,chain_grad_norm,"
                      "param_grad_norm,lr,data_noise,seconds\n");
}

void MetricsCsv::append(const std::vector<IterationMetrics>& rows) const {
  auto f = open_or_throw(path_, "a");
  for (const auto& m : rows)
    fmt::print(f.get(), "{},{:.8g},{:.8g},{:.8g},{:.8g},{:.8g},{:.8g},{:.8g},{:.8g},{:.6f}\n", m.iteration,
               m.loss, m.energy_data, m.energy_samples, m.energy_diff, m.chain_grad_norm,
               m.param_grad_norm, m.lr, m.data_noise, m.seconds);
}

}  // namespace srm
