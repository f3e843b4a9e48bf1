// The table of every configuration key: its dotted name, a pointer into a Config instance,
// what values are allowed, and a one-line help. YAML loading, --set overrides, validation,
// --help and printing all go through this one table, so they cannot drift apart.
#pragma once

#include <limits>
#include <string>
#include <variant>
#include <vector>

#include "config/config.h"

namespace srm {

using FieldRef = std::variant<int64_t*, double*, bool*, std::string*>;

struct ConfigField {
  std::string key;   // "sampler.steps"
  FieldRef ref;      // bound to one Config instance
  double min = -std::numeric_limits<double>::infinity();  // numeric fields: closed range
  double max = std::numeric_limits<double>::infinity();
  std::vector<std::string> choices;  // string fields: allowed values (empty = any)
  std::string help;

  std::string section() const;    // "sampler"
  std::string type_name() const;  // "integer", "number", "boolean", "string"
  std::string allowed() const;    // "an integer in [1, 100000]", "one of: uniform, gaussian"
  std::string value_text() const; // current value, as it would be written in YAML
};

// The field table bound to `config` (pointers into it stay valid while it lives).
std::vector<ConfigField> config_fields(Config& config);

// The section names in order: data, model, sampler, train, output, dist.
std::vector<std::string> config_sections();

}  // namespace srm
