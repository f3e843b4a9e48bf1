// The train command (see train_command.h).
#include "commands/train_command.h"

#include <fmt/format.h>
#include <torch/torch.h>

#include <ctime>

#include "config/config_loader.h"
#include "data/dataset_factory.h"
#include "io/progress_line.h"
#include "io/run_outputs.h"
#include "model/energy_factory.h"
#include "srm_version.h"
#include "trainer/trainer.h"
#include "util/device.h"
#include "util/log.h"

namespace srm {
namespace {

std::string default_run_dir(const std::string& dataset) {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
  return fmt::format("runs/{}-{}", dataset, stamp);
}

}  // namespace

int run_train_command(const CliArgs& args) {
  Config config = load_config(args.config_path, args.overrides);
  if (config.output.dir.empty()) config.output.dir = default_run_dir(config.data.dataset);
  if (config.train.threads > 0) torch::set_num_threads(static_cast<int>(config.train.threads));
  const std::string resolved = to_yaml(config);
  fmt::print("srm-dist {} | LibTorch {} | resolved config:\n{}\n", SRM_DIST_VERSION, TORCH_VERSION, resolved);

  const c10::Device device = select_device(config.train.device);
  const auto data = open_dataset(config.data, static_cast<uint64_t>(config.train.seed));
  auto energy = make_energy_net(config.model, data->example_shape());
  int64_t parameter_count = 0;
  for (const auto& p : energy->parameters()) parameter_count += p.numel();
  log_line(0, "data: " + data->describe());
  log_line(0, fmt::format("model: {} parameters on {}; {} threads", parameter_count, device.str(), torch::get_num_threads()));

  ArchiveHeader header;
  header.config_yaml = resolved;
  header.version = SRM_DIST_VERSION;
  header.world_size = 1;
  header.example_shape = data->example_shape();
  const RunOutputs outputs(config.output.dir, config.output.overwrite, header);
  log_line(0, "run directory: " + outputs.dir());

  Trainer trainer(config, *data, energy, device, &outputs, stdout);
  const TrainingSummary summary = trainer.run();
  log_line(0, fmt::format("done: {} iterations in {} ({:.3f} s/iteration); samples in {}/samples/latest.png",
                          summary.last.iteration, ProgressLine::format_duration(summary.seconds),
                          summary.seconds / static_cast<double>(summary.last.iteration), outputs.dir()));
  return 0;
}

}  // namespace srm
