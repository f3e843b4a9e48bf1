// CLI parsing and help (see cli.h).
#include "cli/cli.h"

// --set values may contain commas (paths); never split them into lists.
#define CXXOPTS_VECTOR_DELIMITER '\0'
#include <cxxopts.hpp>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

#include "config/config_fields.h"

namespace srm {
namespace {

cxxopts::Options make_options() {
  cxxopts::Options options("srm-dist", "Short-run MCMC training of energy-based models");
  options.custom_help("[COMMAND] --config FILE.yaml [--set section.key=value ...]");
  options.positional_help("");
  options.add_options()
      ("c,config", "YAML config file (keys below; missing keys keep their defaults)",
       cxxopts::value<std::string>()->default_value(""))
      ("s,set", "override one key, e.g. --set sampler.steps=50 (repeatable)",
       cxxopts::value<std::vector<std::string>>())
      ("h,help", "print this help")
      ("version", "print the version")
      ("command", "", cxxopts::value<std::vector<std::string>>());
  options.parse_positional({"command"});
  return options;
}

}  // namespace

const std::vector<std::string>& cli_commands() {
  static const std::vector<std::string> commands{"train", "bench"};
  return commands;
}

CliArgs parse_cli(int argc, const char* const* argv) {
  auto options = make_options();
  CliArgs args;
  try {
    const auto result = options.parse(argc, argv);
    args.help = result.count("help") > 0;
    args.version = result.count("version") > 0;
    args.config_path = result["config"].as<std::string>();
    if (result.count("set")) args.overrides = result["set"].as<std::vector<std::string>>();
    if (result.count("command")) {
      const auto positional = result["command"].as<std::vector<std::string>>();
      if (positional.size() > 1)
        throw CliError(fmt::format("unexpected argument \"{}\" (one command at most)", positional[1]));
      args.command = positional[0];
    }
  } catch (const cxxopts::exceptions::exception& e) {
    throw CliError(e.what());
  }
  const auto& known = cli_commands();
  if (std::find(known.begin(), known.end(), args.command) == known.end())
    throw CliError(fmt::format("unknown command \"{}\" (commands: {})", args.command, fmt::join(known, ", ")));
  return args;
}

std::string help_text() {
  std::string text = make_options().help();
  text += fmt::format("Commands: {} (default: train)\n\n", fmt::join(cli_commands(), ", "));
  text += "Configuration keys (YAML sections, or --set section.key=value), with defaults:\n";
  Config defaults;
  std::string section;
  for (const auto& field : config_fields(defaults)) {
    if (field.section() != section) {
      section = field.section();
      text += fmt::format("\n  {}:\n", section);
    }
    text += fmt::format("    {:<24} {:<12} default {}\n", field.key, field.type_name(), field.value_text());
    text += fmt::format("    {:<24} {}; {}\n", "", field.help, field.allowed());
  }
  return text;
}

}  // namespace srm
