// The run archive's /longrun table (docs/archive.md): one row per training-time long-run check
// (train.longrun_every, trainer/longrun_check.h): the iteration, the chains and extra steps run,
// the mean energy of the observed batch, of the short-run samples (after the run's K steps) and
// of the long-run samples, the long-run chains' mean ||df/dx|| and max |x|. Compound, extendible;
// absent in a run without the check; trimmed on resume and rewind like the metrics table.
#pragma once

#include <hdf5.h>

#include <cmath>
#include <cstdint>
#include <vector>

namespace srm {

struct LongrunRow {
  int64_t iteration = 0;          // after this many parameter updates
  int64_t chains = 0;             // over all ranks
  int64_t steps = 0;              // sampler steps beyond the run's K
  double data_energy = 0;         // mean f of the iteration's observed batch (no data noise)
  double short_run_energy = 0;    // mean f after the run's K steps from p0
  double long_run_energy = 0;     // mean f after K + steps
  double long_run_grad_norm = 0;  // mean ||df/dx||_2 there
  double long_run_abs_max = 0;    // max |x| there
};

// Whether the check's chains or energies went non-finite (the energy has no finite long-run
// behaviour: read it as the worst outcome, never as "stays at or below the data's").
inline bool diverged(const LongrunRow& row) {
  for (const double value : {row.data_energy, row.short_run_energy, row.long_run_energy, row.long_run_grad_norm,
                             row.long_run_abs_max})
    if (!std::isfinite(value)) return true;
  return false;
}

// Whether the long-run energy rises above the data's: the anatomy paper's oversaturation sign.
inline bool oversaturated(const LongrunRow& row) { return row.long_run_energy > row.data_energy; }

void append_longrun(hid_t file, const LongrunRow& row);
std::vector<LongrunRow> read_longrun_rows(hid_t file);  // {} when the run has none
// Keeps the rows of iterations <= iteration.
void trim_longrun_rows(hid_t file, int64_t iteration);

}  // namespace srm
