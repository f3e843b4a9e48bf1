// Command-line parsing: `srm-dist [COMMAND] --config FILE.yaml [--set key=value ...]`.
// The help text lists every configuration key with its type, allowed values and default,
// generated from the config key table so it cannot drift from what is parsed.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

namespace srm {

class CliError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct CliArgs {
  std::string command = "train";
  std::string config_path;
  std::vector<std::string> overrides;  // "section.key=value"
  bool help = false;
  bool version = false;
};

// The commands this build knows.
const std::vector<std::string>& cli_commands();

CliArgs parse_cli(int argc, const char* const* argv);

std::string help_text();

}  // namespace srm
