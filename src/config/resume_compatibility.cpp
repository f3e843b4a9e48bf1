// Resume compatibility of two configs (see resume_compatibility.h).
#include "config/resume_compatibility.h"

#include <fmt/format.h>

#include <algorithm>

#include "config/config_fields.h"

namespace srm {

const std::vector<std::string>& keys_free_on_resume() {
  static const std::vector<std::string> keys{
      "train.iterations", "train.device",  "train.threads", "train.cudnn_benchmark", "model.channels_last",
      "data.prefetch",    "dist.backend", "dist.check_every", "dist.timeout"};
  return keys;
}

std::vector<std::string> resume_conflicts(Config saved, Config now) {
  const auto& free_keys = keys_free_on_resume();
  const auto saved_fields = config_fields(saved);
  const auto now_fields = config_fields(now);
  std::vector<std::string> conflicts;
  for (size_t i = 0; i < saved_fields.size(); ++i) {
    const ConfigField& field = saved_fields[i];
    if (field.section() == "output") continue;
    if (std::find(free_keys.begin(), free_keys.end(), field.key) != free_keys.end()) continue;
    const std::string before = field.value_text(), after = now_fields[i].value_text();
    if (before != after) conflicts.push_back(fmt::format("{}: checkpoint {}, this run {}", field.key, before, after));
  }
  return conflicts;
}

}  // namespace srm
