// The run archive's /rewinds table (docs/archive.md): one row per automatic rewind
// (train.on_divergence = rewind): the iteration that diverged, the checkpoint iteration training
// went back to, the rewind's number, the learning-rate factor and data batches skipped from then
// on, and the cause in words. Compound, extendible; absent in a run that never rewound. A resume
// from a checkpoint before a rewind drops its row (the resumed run rewinds again).
#pragma once

#include <hdf5.h>

#include <cstdint>
#include <string>
#include <vector>

namespace srm {

struct RewindRow {
  int64_t iteration = 0;   // the iteration whose statistics diverged
  int64_t rewound_to = 0;  // training continued from this iteration's state
  int64_t rewind = 0;      // 1 for the run's first rewind
  double lr_scale = 1;     // factor on the scheduled learning rate from then on
  int64_t data_skip = 0;   // data batches skipped in all (iteration i reads batch i + data_skip)
  char cause[256] = {};    // what diverged, NUL-terminated (cut to 255 bytes)
};

RewindRow make_rewind_row(int64_t iteration, int64_t rewound_to, int64_t rewind, double lr_scale, int64_t data_skip,
                          const std::string& cause);

void append_rewind(hid_t file, const RewindRow& row);
std::vector<RewindRow> read_rewind_rows(hid_t file);  // {} when the run never rewound
// Keeps the rows of rewinds to iterations < iteration (those a run resumed there had made).
void trim_rewind_rows(hid_t file, int64_t iteration);

}  // namespace srm
