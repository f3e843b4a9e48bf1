// A trained energy f_theta loaded for the commands that use the learned sampler M_theta
// (sample, interpolate, reconstruct, eval), from any checkpoint a run stored:
//   RUN_DIR or RUN_DIR/archive.h5   the archive's parameter snapshot at --iteration (default newest)
//   RUN_DIR/checkpoints/ckpt_*.h5   a resumable checkpoint file
// The run's own config comes with it; the command's --set overrides apply on top (sampler.*,
// train.device, train.seed, ...), so e.g. `--set sampler.method=anila` samples with AniLA.
#pragma once

#include <c10/core/Device.h>

#include <memory>
#include <string>
#include <vector>

#include "config/config.h"
#include "model/energy_net.h"

namespace srm {

struct TrainedModel {
  Config config;
  std::vector<int64_t> example_shape;
  std::shared_ptr<EnergyNet> energy;  // on `device`, parameters frozen (requires_grad off)
  int64_t iteration = 0;
  std::string weights;  // "raw" or "ema": which weights the energy holds
  std::string source;   // "<file> at iteration N (ema weights)", for logs and output attributes
  std::string run_dir;
};

// iteration < 0: the newest. weights: "auto" (the EMA weights when the snapshot has them, else
// the raw ones), "raw" or "ema" (an error when the run kept none). Spectral norm's u, v come
// with the parameters. Throws with the file and what is missing or wrong.
TrainedModel load_trained_model(const std::string& path, int64_t iteration, const std::vector<std::string>& overrides,
                                const c10::Device& device, const std::string& weights = "auto");

}  // namespace srm

namespace srm {

// interpolate and reconstruct run M_theta without noise (the paper's u = 0): sets
// sampler.noise = 0 unless `user_overrides` set it, and refuses MALA / HMC, whose accept / reject
// has no noise-free (or differentiable) form, saying so for `command`.
void use_noise_free_sampler(TrainedModel& model, const std::vector<std::string>& user_overrides,
                            const std::string& command);

// "<run dir>/generated/<command>_iter_XXXXXXXX" (the folder is created).
std::string default_output_prefix(const TrainedModel& model, const std::string& command);

}  // namespace srm
