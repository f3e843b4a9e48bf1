// srm-dist entry point: parse the command line, run the command, report errors as one line.
#include <fmt/format.h>

#include <exception>

#include "cli/cli.h"
#include "commands/train_command.h"
#include "srm_version.h"

int main(int argc, char** argv) {
  try {
    const srm::CliArgs args = srm::parse_cli(argc, argv);
    if (args.help) {
      fmt::print("{}", srm::help_text());
      return 0;
    }
    if (args.version) {
      fmt::print("srm-dist {}\n", SRM_DIST_VERSION);
      return 0;
    }
    return srm::run_train_command(args);
  } catch (const srm::CliError& e) {
    fmt::print(stderr, "srm-dist: {}\nRun 'srm-dist --help' for the options.\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    fmt::print(stderr, "srm-dist: error: {}\n", e.what());
    return 1;
  }
}
