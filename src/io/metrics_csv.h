// metrics.csv in the run directory: one line per iteration, header first, flushed on every
// append so `tail -f` and pandas see progress live.
#pragma once

#include <string>
#include <vector>

#include "trainer/iteration_metrics.h"

namespace srm {

// The rows of an existing metrics.csv (empty when there is none). Lines that do not parse, such
// as a last line cut short by a crash, are skipped.
std::vector<IterationMetrics> read_metrics_csv(const std::string& path);

class MetricsCsv {
 public:
  explicit MetricsCsv(std::string path);  // creates the file with its header
  void append(const std::vector<IterationMetrics>& rows) const;

 private:
  std::string path_;
};

}  // namespace srm
