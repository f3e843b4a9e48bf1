// metrics.csv in the run directory: one line per iteration, header first, flushed on every
// append so `tail -f` and pandas see progress live.
#pragma once

#include <string>
#include <vector>

#include "trainer/iteration_metrics.h"

namespace srm {

class MetricsCsv {
 public:
  explicit MetricsCsv(std::string path);  // creates the file with its header
  void append(const std::vector<IterationMetrics>& rows) const;

 private:
  std::string path_;
};

}  // namespace srm
