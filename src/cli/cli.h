// Command-line parsing: `srm-dist [COMMAND] --config FILE.yaml [--set key=value ...]` for
// train / bench; `srm-dist inspect FILE.h5 [--export-batch I] [--png OUT.png]`; and the
// generator commands on a trained run: `srm-dist sample|interpolate|reconstruct RUN [options]`.
// The help text lists every configuration key with its type, allowed values and default,
// generated from the config key table so it cannot drift from what is parsed.
#pragma once

#include <cstdint>
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
  std::vector<std::string> overrides;  // "section.key=value" (--resume adds output.resume=require)
  std::vector<std::string> operands;   // positional arguments after the command (inspect: the file)
  bool export_batch_given = false;
  int64_t export_batch = -1;           // inspect: batch index (negative counts from the end)
  std::string png_path;                // inspect: where the exported grid goes
  std::string plot_path;               // inspect: draw the training curves to this PNG
  // Generator commands (sample, interpolate, reconstruct):
  int64_t iteration = -1;   // which stored snapshot (-1: the newest)
  std::string weights = "auto";  // auto (ema when the run has them) | raw | ema
  int64_t count = 0;        // samples / pairs / images (0: the command's default)
  std::string out;          // output file prefix (default: <run>/generated/<command>_iter_N)
  bool deterministic = false;  // sampler.noise = 0 (M_theta with u = 0)
  int64_t optimizer_steps = 0;  // reconstruct: gradient steps on z (0: default)
  std::string interpolation = "paper";  // interpolate: paper | copula (interpolate_command.h)
  std::string longrun_from = "samples";  // longrun: data | samples | noise (longrun_command.h)
  std::string features_path;    // eval, fid: "inception" or a TorchScript file ("": fid inception, eval the run's)
  std::string reference_path;   // eval: image set or .npz to compare with (default: the run's data)
  std::string save_stats_path;  // fid: write the first set's statistics here
  int64_t kid_subsets = 100;
  int64_t kid_subset_size = 1000;
  std::string device = "auto";  // fid
  std::string classifier_path;  // eval: TorchScript classifier (Inception Score)
  bool help = false;
  bool version = false;
};

// The commands this build knows.
const std::vector<std::string>& cli_commands();

// sample, interpolate, reconstruct, eval: commands that run a trained run's sampler.
bool is_generator_command(const std::string& command);

CliArgs parse_cli(int argc, const char* const* argv);

std::string help_text();
// `srm-dist COMMAND --help`: that command's usage and what it does, then the options; for
// train and bench the full help_text() with every configuration key.
std::string command_help_text(const std::string& command);

}  // namespace srm
