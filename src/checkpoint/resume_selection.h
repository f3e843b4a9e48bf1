// Which checkpoint a run continues from (rank 0 decides; the others load the file it names).
// output.resume = never: none. auto: the newest usable checkpoint in <output.dir>/checkpoints,
// or none when that folder holds no checkpoint at all. require: the newest usable one, or an
// error. A checkpoint is usable when it reads back intact (checksums), was written by the same
// number of ranks, has a config that agrees on every key that shapes the run
// (resume_compatibility.h) and parameters of the configured model's names and shapes. Files that
// exist but are unusable are reported (file and reason) and skipped in favour of older ones;
// if all are unusable the run stops rather than silently starting over.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "checkpoint/checkpoint_store.h"
#include "config/config.h"
#include "model/energy_net.h"

namespace srm {

// `rejections` receives one "file: reason" line per skipped checkpoint.
std::optional<CheckpointStore::Found> select_resume_checkpoint(const Config& config, int world_size,
                                                                EnergyNet& energy,
                                                                std::vector<std::string>& rejections);

}  // namespace srm
