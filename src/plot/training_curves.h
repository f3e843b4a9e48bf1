// The main training curves as small multiples (<run>/samples/curves.png), drawn with PLplot's
// pngcairo driver: energy difference, f(x+) and f(x-), chain gradient norm, loss, lr and data
// noise, and FID/KID when evaluations exist (else the parameter gradient norm).
//
// One thread at a time: PLplot keeps process-wide state (its stream table, its driver table,
// the current stream) and switches LC_NUMERIC while drawing. Each call makes, draws and ends
// its own stream and restores the caller's current stream, but two calls must never overlap.
// The project calls this only from its one background writer thread and from `inspect`.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "trainer/iteration_metrics.h"

namespace srm {

// One evaluation of sample quality at a given iteration.
struct EvalPoint {
  int64_t iteration = 0;
  double fid = 0;
  double kid = 0;
};

// The picture's size in pixels.
inline constexpr int kTrainingCurvesWidth = 1200;
inline constexpr int kTrainingCurvesHeight = 700;

// Writes the curves of `rows` (and `evals`, if any) as a PNG at `path`: drawn into
// `path + ".partial"`, then renamed, so a reader never sees half a file. No rows: a picture
// saying "no metrics yet". NaN and infinite values are skipped; long runs are decimated to at
// most a few thousand points per line (the minimum and maximum of each bucket are kept).
// Throws std::runtime_error naming the path if it cannot be written, and in a build without
// PLplot (training_curves_available() false) always.
void write_training_curves_png(const std::string& path, const std::vector<IterationMetrics>& rows,
                               const std::vector<EvalPoint>& evals = {});

// Whether this build can draw the curves (it was built with PLplot).
bool training_curves_available();

}  // namespace srm
