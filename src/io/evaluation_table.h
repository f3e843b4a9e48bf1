// The run archive's /eval table (docs/archive.md): one row per training-time evaluation
// (eval/evaluation_record.h: iteration, n, fid, kid, kid_std), compound, extendible, with
// string attributes reference, reference_sha256, features, features_sha1 and protocol (those
// of the newest row). Written by RunOutputs on the background writer, trimmed on resume like
// the metrics table.
#pragma once

#include <hdf5.h>

#include <vector>

#include "eval/evaluation_record.h"

namespace srm {

void append_evaluation(hid_t file, const EvaluationRecord& record);
std::vector<EvaluationRow> read_evaluation_rows(hid_t file);  // {} when the run has none
// Keeps the rows of iterations <= iteration.
void trim_evaluation_rows(hid_t file, int64_t iteration);

}  // namespace srm
