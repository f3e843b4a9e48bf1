// Which configuration changes a resumed run may make, key by key. Changing what the model is,
// how it samples, what data it sees, how the optimizer steps or what shape the archive's rows
// have would silently turn the continuation into a different run (or fail later), so those
// keys must equal the checkpoint's and a change is refused at start-up. The rest are free:
// where and how the run reports and checkpoints (bit-identical continuation), and where and how
// fast it runs or how long (train.iterations extends a run; devices, threads and memory format
// may change the rounding). Every key of the config table has a rule (a new key defaults to
// Refused), and tests/unit/resume_matrix_test.cpp exercises each.
#pragma once

#include <string>
#include <vector>

#include "config/config.h"

namespace srm {

enum class ResumeRule {
  Refused,     // must equal the checkpoint's value
  SameResult,  // free; the continuation is bit-identical on the CPU whatever the value
  Free,        // free; meant to change how the run goes on (length, device, threads, kernels)
};

ResumeRule resume_rule(const std::string& key);

// The keys whose rule is not Refused, in table order (for messages and docs).
std::vector<std::string> keys_free_on_resume();

// One line per conflicting key: "sampler.steps: checkpoint 100, this run 50".
std::vector<std::string> resume_conflicts(Config saved, Config now);

}  // namespace srm
