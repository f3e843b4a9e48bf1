// Loads a Config from YAML text/files and `key=value` overrides, then validates it. Every
// error is a ConfigError whose message names the key, the offending value and what is allowed.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

#include "config/config.h"

namespace srm {

class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Applies the YAML document `yaml_text` on top of `config`. `origin` names the source in
// messages (a file path or "<string>").
void apply_yaml(Config& config, const std::string& yaml_text, const std::string& origin);

// Applies one `section.key=value` override (the CLI's --set).
void apply_override(Config& config, const std::string& assignment);

// Checks ranges, choices and cross-key rules. Throws ConfigError on the first violation.
void validate(Config& config);

// Defaults <- YAML file (if not empty) <- overrides, then validate.
Config load_config(const std::string& yaml_path, const std::vector<std::string>& overrides);

// The resolved config as YAML (sections in order, every key present).
std::string to_yaml(Config& config);

}  // namespace srm
