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
  options.custom_help("[train|bench] --config FILE.yaml [--set section.key=value ...] [--resume]\n"
                      "  srm-dist inspect RUN.h5|CHECKPOINT.h5 [--export-batch I [--png OUT.png]] [--plot CURVES.png]\n"
                      "  srm-dist sample|interpolate|reconstruct RUN [--iteration N] [-n COUNT] [-o PREFIX] "
                      "[--set sampler.key=value ...]\n"
                      "  srm-dist eval RUN [--reference FILE] [--features inception|EXTRACTOR.pt] [-n COUNT]\n"
                      "  srm-dist longrun RUN [--steps S] [--from data|samples|noise] [-n CHAINS]\n"
                      "  srm-dist fid A [B] [--save-stats OUT.npz] [-n COUNT] [--features inception|EXTRACTOR.pt]");
  options.positional_help("");
  options.add_options()
      ("c,config", "YAML config file (keys below; missing keys keep their defaults)",
       cxxopts::value<std::string>()->default_value(""))
      ("s,set", "override one key, e.g. --set sampler.steps=50 (repeatable)",
       cxxopts::value<std::vector<std::string>>())
      ("resume", "continue the run in output.dir from its newest usable checkpoint (output.resume=require)")
      ("export-batch", "inspect: write stored sample batch I as a PNG grid (-1 = newest)",
       cxxopts::value<int64_t>())
      ("png", "inspect: path of the exported PNG (default: next to the archive)",
       cxxopts::value<std::string>()->default_value(""))
      ("plot", "inspect: draw the archive's training curves (as samples/curves.png) to this PNG",
       cxxopts::value<std::string>()->default_value(""))
      ("iteration", "sample/interpolate/reconstruct: the stored snapshot to use (default: newest)",
       cxxopts::value<int64_t>()->default_value("-1"))
      ("weights", "sample/interpolate/reconstruct/eval: the model's raw weights or the EMA weights of a run with "
                  "train.ema (auto: ema when the snapshot has them, else raw)",
       cxxopts::value<std::string>()->default_value("auto"))
      ("n,count", "sample: samples (64); interpolate: pairs (4); reconstruct: images (16); eval: samples (10000); "
                  "fid: images of each set (all)",
       cxxopts::value<int64_t>()->default_value("0"))
      ("o,out", "output prefix: writes PREFIX.h5 and PREFIX.png (default <run>/generated/<command>_iter_N)",
       cxxopts::value<std::string>()->default_value(""))
      ("deterministic", "run M_theta without noise (sampler.noise=0; interpolate and reconstruct always do)")
      ("steps", "reconstruct: gradient steps on z (default 200); longrun: steps of each chain (default 10000)",
       cxxopts::value<int64_t>()->default_value("0"))
      ("from", "longrun: where the chains start: data, samples (the run's short-run samples) or noise (p0)",
       cxxopts::value<std::string>()->default_value("samples"))
      ("interpolation", "interpolate: paper (rho z1 + sqrt(1-rho^2) z2) or copula (stays in a uniform p0's support)",
       cxxopts::value<std::string>()->default_value("paper"))
      ("features", "eval, fid: inception (the standard FID Inception-v3, docs/generator.md) or a TorchScript "
                   "feature extractor (default: fid inception; eval the run's eval.features, inception unless set)",
       cxxopts::value<std::string>()->default_value(""))
      ("reference", "eval: compare with this image set or statistics .npz instead of the run's eval.reference "
                    "(default: its training data)",
       cxxopts::value<std::string>()->default_value(""))
      ("save-stats", "fid: write the first set's mean and covariance to this .npz (pytorch-fid's keys mu, sigma)",
       cxxopts::value<std::string>()->default_value(""))
      ("kid-subsets", "eval, fid: KID subsets (100)", cxxopts::value<int64_t>()->default_value("100"))
      ("kid-subset-size", "eval, fid: KID subset size (1000, at most the smaller set)",
       cxxopts::value<int64_t>()->default_value("1000"))
      ("device", "fid: auto, cpu or cuda", cxxopts::value<std::string>()->default_value("auto"))
      ("classifier", "eval: TorchScript classifier for the Inception Score", cxxopts::value<std::string>()->default_value(""))
      ("h,help", "print this help")
      ("version", "print the version")
      ("command", "", cxxopts::value<std::vector<std::string>>());
  options.parse_positional({"command"});
  return options;
}

}  // namespace

const std::vector<std::string>& cli_commands() {
  static const std::vector<std::string> commands{"train",       "bench", "inspect", "sample",
                                                 "interpolate", "reconstruct", "eval", "fid", "longrun"};
  return commands;
}

bool is_generator_command(const std::string& command) {
  return command == "sample" || command == "interpolate" || command == "reconstruct" || command == "eval" ||
         command == "longrun";
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
    if (result.count("resume")) args.overrides.push_back("output.resume=require");
    if (result.count("export-batch")) {
      args.export_batch_given = true;
      args.export_batch = result["export-batch"].as<int64_t>();
    }
    args.png_path = result["png"].as<std::string>();
    args.plot_path = result["plot"].as<std::string>();
    args.iteration = result["iteration"].as<int64_t>();
    args.weights = result["weights"].as<std::string>();
    if (args.weights != "auto" && args.weights != "raw" && args.weights != "ema")
      throw CliError(fmt::format("--weights {} is not allowed: expected auto, raw or ema", args.weights));
    args.count = result["count"].as<int64_t>();
    args.out = result["out"].as<std::string>();
    args.deterministic = result.count("deterministic") > 0;
    args.optimizer_steps = result["steps"].as<int64_t>();
    args.interpolation = result["interpolation"].as<std::string>();
    args.longrun_from = result["from"].as<std::string>();
    if (args.longrun_from != "data" && args.longrun_from != "samples" && args.longrun_from != "noise")
      throw CliError(fmt::format("--from {} is not allowed: expected data, samples or noise", args.longrun_from));
    args.features_path = result["features"].as<std::string>();
    args.classifier_path = result["classifier"].as<std::string>();
    args.reference_path = result["reference"].as<std::string>();
    args.save_stats_path = result["save-stats"].as<std::string>();
    args.kid_subsets = result["kid-subsets"].as<int64_t>();
    args.kid_subset_size = result["kid-subset-size"].as<int64_t>();
    args.device = result["device"].as<std::string>();
    if (result.count("command")) {
      const auto positional = result["command"].as<std::vector<std::string>>();
      args.command = positional[0];
      args.operands.assign(positional.begin() + 1, positional.end());
    }
  } catch (const cxxopts::exceptions::exception& e) {
    throw CliError(e.what());
  }
  const auto& known = cli_commands();
  if (std::find(known.begin(), known.end(), args.command) == known.end())
    throw CliError(fmt::format("unknown command \"{}\" (commands: {})", args.command, fmt::join(known, ", ")));
  if (args.help || args.version) return args;  // `srm-dist sample --help` needs no operands
  const bool inspect = args.command == "inspect";
  const bool generator = is_generator_command(args.command);
  if (inspect && args.operands.size() != 1)
    throw CliError("inspect takes one file: srm-dist inspect RUN.h5 (the run's archive.h5 or a checkpoint file)");
  if (generator && args.operands.size() != 1)
    throw CliError(fmt::format("{} takes one trained run: srm-dist {} RUN_DIR|archive.h5|checkpoints/ckpt_N.h5",
                               args.command, args.command));
  if (args.count < 0 || args.optimizer_steps < 0)
    throw CliError(fmt::format("--count and --steps must be >= 0 (got {} and {})", args.count, args.optimizer_steps));
  const bool fid = args.command == "fid";
  if (fid && (args.operands.empty() || args.operands.size() > 2 ||
              (args.operands.size() == 1 && args.save_stats_path.empty())))
    throw CliError("fid compares two image sets, or summarises one: srm-dist fid A B | srm-dist fid A --save-stats "
                   "OUT.npz (A, B: an HDF5 image set or samples file, an IDX file, a CIFAR-10 folder, a .npz)");
  const auto ends_with_npz = [](const std::string& p) { return p.size() > 4 && p.compare(p.size() - 4, 4, ".npz") == 0; };
  if (fid && !args.save_stats_path.empty() && (!ends_with_npz(args.save_stats_path) || ends_with_npz(args.operands[0])))
    throw CliError(fmt::format("--save-stats writes the first set's statistics to a .npz: got \"{}\" for a first set "
                               "\"{}\" (it must be images, and the output name must end in .npz)",
                               args.save_stats_path, args.operands[0]));
  if (args.kid_subsets < 1 || args.kid_subset_size < 2)
    throw CliError(fmt::format("--kid-subsets must be >= 1 and --kid-subset-size >= 2 (got {} and {})",
                               args.kid_subsets, args.kid_subset_size));
  if (args.device != "auto" && args.device != "cpu" && args.device != "cuda")
    throw CliError(fmt::format("--device = \"{}\" is not allowed: expected auto, cpu or cuda", args.device));
  if (!inspect && !generator && !fid && !args.operands.empty())
    throw CliError(fmt::format("unexpected argument \"{}\" ({} takes options only)", args.operands[0], args.command));
  if (args.interpolation != "paper" && args.interpolation != "copula")
    throw CliError(fmt::format("--interpolation = \"{}\" is not allowed: expected paper or copula", args.interpolation));
  if (!inspect && (args.export_batch_given || !args.png_path.empty() || !args.plot_path.empty()))
    throw CliError("--export-batch, --png and --plot belong to the inspect command");
  return args;
}

std::string command_help_text(const std::string& command) {
  struct Usage {
    const char* command;
    const char* usage;
    const char* what;
  };
  static const Usage usages[] = {
      {"inspect", "srm-dist inspect RUN.h5|CHECKPOINT.h5 [--export-batch I [--png OUT.png]] [--plot CURVES.png]",
       "Summarises a run's archive (live or finished) or a checkpoint file, verifying checkpoints."},
      {"sample", "srm-dist sample RUN [--iteration N] [-n COUNT] [-o PREFIX] [--deterministic] [--set sampler.key=v]",
       "Draws COUNT samples (default 64) from the trained K-step sampler; split over ranks under mpirun."},
      {"interpolate", "srm-dist interpolate RUN [--iteration N] [-n PAIRS] [-o PREFIX] [--set sampler.key=v]",
       "The paper's Figure 3: M_theta(z_rho) along rho for PAIRS pairs (default 4); --interpolation paper|copula."},
      {"reconstruct", "srm-dist reconstruct RUN [--iteration N] [-n IMAGES] [--steps S] [--set data.path=...]",
       "Finds z with M_theta(z) close to each of IMAGES data images (default 16) by S gradient steps (200)."},
      {"longrun", "srm-dist longrun RUN [--steps 10000] [--from data|samples|noise] [-n CHAINS] [-o PREFIX] "
                  "[--set sampler.method=mala]",
       "Long chains under the trained energy (the anatomy paper's check): f and |df/dx| at log-spaced steps, "
       "snapshots in PREFIX.h5, a strip in PREFIX.png, and whether the long-run energy rises above the data's."},
      {"eval", "srm-dist eval RUN [--reference FILE] [--features inception|EXTRACTOR.pt] [--classifier C.pt] [-n COUNT]",
       "FID and KID of COUNT samples (default 10000) against as many examples of the run's training data (or "
       "--reference: an image set or a statistics .npz), in the standard Inception's features by default."},
      {"fid", "srm-dist fid A [B] [--save-stats OUT.npz] [-n COUNT] [--features inception|EXTRACTOR.pt] [--device D]",
       "FID and KID between two image sets (HDF5 image set or samples file, IDX file, CIFAR-10 folder, or a "
       "statistics .npz for FID); --save-stats writes A's mu and sigma in pytorch-fid's .npz layout."},
  };
  for (const auto& u : usages)
    if (command == u.command)
      return fmt::format("usage: {}\n  {}\n  RUN is a run directory, its archive.h5 or a checkpoint file.\n\n{}",
                         u.usage, u.what, make_options().help());
  return help_text();
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
