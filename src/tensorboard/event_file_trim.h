// Resuming next to earlier event files. A segment killed after its last checkpoint leaves event
// records for steps past the iteration the run resumes from (and maybe a record cut short);
// the resumed segment writes those steps again, in its own new file. keep_events_up_to() drops
// them from the earlier files first, so that across all files of a run every step of a tag
// appears once, as in metrics.csv. It does not look at what the events hold beyond their step.
#pragma once

#include <cstdint>
#include <string>

namespace srm {

// Rewrites each event file directly in `dir` (name containing "tfevents") that holds a record
// with step > last_step or a damaged tail, keeping its other records in order (the first,
// file_version record always). Each rewrite goes to a temporary file that is then renamed over
// the original, so a crash leaves either. A missing `dir` is fine. Returns how many files were
// rewritten; throws std::runtime_error naming the path on an I/O error.
int keep_events_up_to(const std::string& dir, int64_t last_step);

}  // namespace srm
