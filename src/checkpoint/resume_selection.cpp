// Resume checkpoint selection (see resume_selection.h).
#include "checkpoint/resume_selection.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <stdexcept>

#include "config/config_loader.h"
#include "config/resume_compatibility.h"
#include "io/run_outputs.h"
#include "trainer/training_state.h"

namespace srm {

std::optional<CheckpointStore::Found> select_resume_checkpoint(const Config& config, int world_size,
                                                                EnergyNet& energy,
                                                                std::vector<std::string>& rejections) {
  if (config.output.resume == "never") return std::nullopt;
  const CheckpointStore store(checkpoint_dir_of(config.output.dir), config.output.checkpoints_kept);
  const auto accept = [&](const TrainingCheckpoint& checkpoint, const std::string& path) {
    if (checkpoint.world_size != world_size)
      throw CheckpointError(fmt::format(
          "checkpoint \"{}\" was written by a job of {} ranks; this job has {}. Resume with the same number of "
          "ranks: each rank's random stream and data shard depend on it", path, checkpoint.world_size, world_size));
    Config saved;
    try {
      apply_yaml(saved, checkpoint.config_yaml, path + " (config attribute)");
    } catch (const std::exception& e) {
      throw CheckpointError(fmt::format("checkpoint \"{}\": its config cannot be read: {}", path, e.what()));
    }
    const auto conflicts = resume_conflicts(saved, config);
    if (!conflicts.empty())
      throw CheckpointError(fmt::format("checkpoint \"{}\" was written with a different config ({}); only {} may "
                                        "change on resume", path, fmt::join(conflicts, "; "),
                                        fmt::join(keys_free_on_resume(), ", ")));
    check_model_matches(checkpoint, energy, path);
  };
  auto found = store.newest_usable(accept, rejections);
  if (found) return found;
  if (!rejections.empty())
    throw std::runtime_error(fmt::format("no usable checkpoint in \"{}\" to resume from:\n  {}", store.dir(),
                                         fmt::join(rejections, "\n  ")));
  if (config.output.resume == "require")
    throw std::runtime_error(fmt::format("output.resume = require (--resume) but \"{}\" holds no checkpoint; run "
                                         "without --resume to start, or use output.resume=auto", store.dir()));
  return std::nullopt;
}

}  // namespace srm
