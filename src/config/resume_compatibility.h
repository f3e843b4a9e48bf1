// Which configuration changes a resumed run may make. Changing what the model is, how it
// samples, what data it sees or how the optimizer steps would silently turn the continuation
// into a different run, so those keys must equal the checkpoint's. Free to change: where and how
// it runs and reports (train.device, train.threads, train.iterations to extend a run, output.*,
// dist.backend, dist.check_every, dist.timeout).
#pragma once

#include <string>
#include <vector>

#include "config/config.h"

namespace srm {

// Keys whose values may differ between a checkpoint's config and the resuming run's.
const std::vector<std::string>& keys_free_on_resume();

// One line per conflicting key: "sampler.steps: checkpoint 100, this run 50".
std::vector<std::string> resume_conflicts(Config saved, Config now);

}  // namespace srm
