// One training-time evaluation (eval.every): a row of the archive's /eval table, and how it was
// made (the table's attributes), so that a curve of FID over training is never separated from
// its N, its reference and its extractor.
#pragma once

#include <cstdint>
#include <string>

namespace srm {

struct EvaluationRow {
  int64_t iteration = 0;
  int64_t n = 0;  // samples drawn (and reference examples)
  double fid = 0;
  double kid = 0;
  double kid_std = 0;
};

struct EvaluationRecord {
  EvaluationRow row;
  std::string reference;         // what the samples were compared with
  std::string reference_sha256;  // its content checksum ("" for generated 2-D data)
  std::string features;          // the extractor
  std::string features_sha1;
  std::string protocol;
};

}  // namespace srm
