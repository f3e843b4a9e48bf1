// Resume compatibility of two configs (see resume_compatibility.h).
#include "config/resume_compatibility.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>

#include "config/config_fields.h"

namespace srm {
namespace {

// output.samples_kept is absent on purpose: it fixes the row shape of the archive's sample
// batches, so it is Refused like every key not listed here.
// Training-time evaluation draws from generators of its own (seeded by train.seed and the
// iteration), never from the training streams, so the eval.* keys leave training unchanged;
// so does the long-run check (train.longrun_*).
constexpr std::array<const char*, 19> kSameResult{
    "data.prefetch",        "train.cudnn_benchmark",   "dist.check_every",  "dist.timeout",
    "output.dir",           "output.log_every",        "output.sample_every", "output.checkpoint_every",
    "output.checkpoints_kept", "output.overwrite",     "output.resume",     "output.tensorboard",
    "eval.every",           "eval.samples",            "eval.features",     "eval.reference",
    "train.longrun_every",  "train.longrun_steps",     "train.longrun_chains"};
// The divergence rules change only what happens once a run diverges: a run stopped by the
// check may continue with a looser bound or with rewinds.
constexpr std::array<const char*, 11> kFree{"train.iterations",    "train.device",          "train.threads",
                                            "model.channels_last", "dist.backend",          "train.divergence_energy",
                                            "train.divergence_samples", "train.divergence_grad_jump",
                                            "train.on_divergence", "train.rewind_lr_factor", "train.max_rewinds"};

template <size_t N>
bool listed(const std::string& key, const std::array<const char*, N>& keys) {
  return std::find_if(keys.begin(), keys.end(), [&key](const char* k) { return key == k; }) != keys.end();
}

}  // namespace

ResumeRule resume_rule(const std::string& key) {
  if (listed(key, kSameResult)) return ResumeRule::SameResult;
  if (listed(key, kFree)) return ResumeRule::Free;
  return ResumeRule::Refused;
}

std::vector<std::string> keys_free_on_resume() {
  Config defaults;
  std::vector<std::string> keys;
  for (const auto& field : config_fields(defaults))
    if (resume_rule(field.key) != ResumeRule::Refused) keys.push_back(field.key);
  return keys;
}

std::vector<std::string> resume_conflicts(Config saved, Config now) {
  const auto saved_fields = config_fields(saved);
  const auto now_fields = config_fields(now);
  std::vector<std::string> conflicts;
  for (size_t i = 0; i < saved_fields.size(); ++i) {
    const ConfigField& field = saved_fields[i];
    if (resume_rule(field.key) != ResumeRule::Refused) continue;
    const std::string before = field.value_text(), after = now_fields[i].value_text();
    if (before != after) conflicts.push_back(fmt::format("{}: checkpoint {}, this run {}", field.key, before, after));
  }
  return conflicts;
}

}  // namespace srm
