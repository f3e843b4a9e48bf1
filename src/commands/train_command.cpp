// The train command (see train_command.h).
#include "commands/train_command.h"

#include <fmt/format.h>
#include <torch/torch.h>

#include <cstdlib>
#include <ctime>
#include <map>
#include <optional>

#include "checkpoint/resume_selection.h"
#include "comm/make_communicator.h"
#include "comm/progress_watchdog.h"
#include "config/config_loader.h"
#include "data/dataset_factory.h"
#include "io/progress_line.h"
#include "io/run_outputs.h"
#include "model/energy_factory.h"
#include "srm_version.h"
#include "trainer/trainer.h"
#include "trainer/training_state.h"
#include "util/device.h"
#include "util/log.h"
#include "util/stop_signal.h"

namespace srm {
namespace {

std::string default_run_dir(const std::string& dataset, const MpiSession& session) {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
  // Every rank must agree on the name: rank 0's clock decides.
  return session.all_gather(fmt::format("runs/{}-{}", dataset, stamp)).front();
}

struct RankPlace {
  std::string host, local_rank, device, visible_devices;
};

// Every rank's host, node-local rank, device and CUDA_VISIBLE_DEVICES, in rank order.
std::vector<RankPlace> gather_places(const MpiSession& session, const c10::Device& device) {
  const char* visible = std::getenv("CUDA_VISIBLE_DEVICES");
  const auto all = session.all_gather(
      fmt::format("{}|{}|{}|{}", session.host(), session.local_rank(), device.str(), visible ? visible : ""));
  std::vector<RankPlace> places;
  for (const auto& text : all) {
    const auto a = text.find('|'), b = text.find('|', a + 1), c = text.find('|', b + 1);
    places.push_back({text.substr(0, a), text.substr(a + 1, b - a - 1), text.substr(b + 1, c - b - 1),
                      text.substr(c + 1)});
  }
  return places;
}

// Fails when two ranks of one host would share a GPU; rank 0 prints the start-up table:
// world size, backend, versions, and per rank host / local rank / device.
void startup_table(const MpiSession& session, const Communicator& comm, const c10::Device& device) {
  const auto places = gather_places(session, device);
  std::map<std::string, int> gpu_owner;
  for (int r = 0; r < static_cast<int>(places.size()); ++r) {
    const RankPlace& p = places[r];
    if (p.device.rfind("cuda", 0) != 0) continue;
    const std::string key = p.host + "|" + p.device + "|" + p.visible_devices;
    if (gpu_owner.count(key))
      throw std::runtime_error(fmt::format("ranks {} and {} on host {} would share GPU {} (CUDA_VISIBLE_DEVICES=\"{}\"): "
                                           "bind one GPU per rank", gpu_owner[key], r, p.host, p.device,
                                           p.visible_devices));
    gpu_owner[key] = r;
  }
  if (comm.rank() != 0) return;
  std::string table = fmt::format("world size {} | backend {} | LibTorch {} | {} | NCCL {}\n", comm.world_size(),
                                  comm.backend_name(), TORCH_VERSION,
                                  session.active() ? mpi_library_version() : "MPI not initialised (one rank)",
                                  nccl_available() ? nccl_version() : "not built");
  table += fmt::format("  {:>5}  {:<24} {:>10}  {}\n", "rank", "host", "local rank", "device");
  for (int r = 0; r < static_cast<int>(places.size()); ++r)
    table += fmt::format("  {:>5}  {:<24} {:>10}  {}\n", r, places[r].host, places[r].local_rank, places[r].device);
  fmt::print("{}", table);
}

// Rank 0 picks the checkpoint (or none); every rank loads the file it names.
std::optional<TrainingCheckpoint> resume_point(const Config& config, const MpiSession& session, int world_size,
                                               EnergyNet& energy) {
  if (config.output.resume == "never") return std::nullopt;
  const bool leader = session.rank() == 0;
  std::optional<CheckpointStore::Found> found;
  if (leader) {
    std::vector<std::string> rejections;
    found = select_resume_checkpoint(config, world_size, energy, rejections);
    for (const auto& reason : rejections) log_line(0, "warning: skipping " + reason);
  }
  const std::string path = session.all_gather(found ? found->path : std::string()).front();
  if (path.empty()) {
    if (leader) log_line(0, fmt::format("no checkpoint in {}: starting a new run", checkpoint_dir_of(config.output.dir)));
    return std::nullopt;
  }
  if (leader) {
    log_line(0, fmt::format("resuming from {} (iteration {})", path, found->checkpoint.iteration));
    return std::move(found->checkpoint);
  }
  TrainingCheckpoint checkpoint = read_checkpoint_file(path);
  check_model_matches(checkpoint, energy, path);
  return checkpoint;
}

}  // namespace

int run_train_command(const CliArgs& args, const MpiSession& session) {
  const StopSignalGuard stop_signals;  // SIGTERM / SIGUSR1 from here on mean "checkpoint and exit 0"
  Config config = load_config(args.config_path, args.overrides);
  if (config.output.dir.empty()) config.output.dir = default_run_dir(config.data.dataset, session);
  if (config.train.threads > 0) torch::set_num_threads(static_cast<int>(config.train.threads));
  const bool leader = session.rank() == 0;
  const std::string resolved = to_yaml(config);
  if (leader) fmt::print("srm-dist {} | resolved config:\n{}\n", SRM_DIST_VERSION, resolved);

  const c10::Device device = select_device(config.train.device, session.local_rank(), session.local_size());
  set_cudnn_autotuning(device, config.train.cudnn_benchmark);
  auto comm = make_communicator(config.dist.backend, session, device);
  startup_table(session, *comm, device);
  const auto data = open_dataset(config.data, static_cast<uint64_t>(config.train.seed));
  torch::manual_seed(static_cast<uint64_t>(config.train.seed));  // reproducible initial weights
  auto energy = make_energy_net(config.model, data->example_shape());
  int64_t parameter_count = 0;
  for (const auto& p : energy->parameters()) parameter_count += p.numel();
  if (leader) {
    log_line(0, "data: " + data->describe());
    log_line(0, fmt::format("model: {} parameters; {} CPU threads per rank", parameter_count, torch::get_num_threads()));
  }

  const std::optional<TrainingCheckpoint> resume = resume_point(config, session, comm->world_size(), *energy);
  const int64_t start = resume ? resume->iteration : 0;
  if (start >= config.train.iterations) {
    if (leader)
      log_line(0, fmt::format("the run in {} is already complete (checkpoint at iteration {}, train.iterations = {}); "
                              "raise train.iterations to continue it", config.output.dir, start,
                              config.train.iterations));
    return 0;
  }
  std::unique_ptr<RunOutputs> outputs;
  if (leader) {
    ArchiveHeader header;
    header.config_yaml = resolved;
    header.version = SRM_DIST_VERSION;
    header.world_size = comm->world_size();
    header.example_shape = data->example_shape();
    outputs = std::make_unique<RunOutputs>(config.output, header, resume ? start : -1);
    outputs->write_status(fmt::format("running from iteration {}", start));
    log_line(0, "run directory: " + outputs->dir());
  }
  comm->barrier();  // no rank trains before rank 0 has its run directory

  Trainer trainer(config, *data, energy, device, *comm, outputs.get(), leader ? stdout : nullptr);
  if (resume) trainer.set_resume_point(&*resume);
  trainer.set_stop_request([&stop_signals] { return stop_signals.received(); });
  std::unique_ptr<PhaseTimer> timer;
  if (args.command == "bench") {
    std::function<void()> sync;
    if (device.is_cuda()) sync = [index = device.index()] { torch::cuda::synchronize(index); };
    timer = std::make_unique<PhaseTimer>(sync);
    trainer.set_phase_timer(timer.get());
  }
  // The clock starts with the first iteration: loading a large dataset is not a hang.
  std::unique_ptr<ProgressWatchdog> watchdog;
  if (comm->world_size() > 1 && config.dist.timeout > 0) {
    watchdog = std::make_unique<ProgressWatchdog>(config.dist.timeout, [&session](const std::string& message) {
      fmt::print(stderr, "[rank {}@{}] srm-dist: error: {}\n", session.rank(), session.host(), message);
      std::fflush(stderr);
      session.abort(1);
    });
    trainer.set_heartbeat([w = watchdog.get()](int64_t iteration) { w->beat(iteration); });
  }
  const TrainingSummary summary = trainer.run();
  if (timer && leader) {
    fmt::print("{}", format_phase_report(*timer, summary.last_samples.size(0), comm->world_size()));
    const double iterations = static_cast<double>(std::max<int64_t>(summary.last.iteration - summary.first_iteration, 1));
    fmt::print("background writer (archive, PNG, checkpoints; overlapped with training): {:.3f} ms per iteration\n",
               1000 * summary.writer_busy_seconds / iterations);
  }
  if (!leader) return 0;
  const int64_t ran = summary.last.iteration - summary.first_iteration;
  if (summary.stop_signal != 0) {
    const std::string signal_name = stop_signal_name(summary.stop_signal);
    outputs->write_status(fmt::format("interrupted at iteration {} by {}", summary.last.iteration, signal_name));
    log_line(0, fmt::format("stopped by {} after iteration {}: checkpoint written to {}; continue with --resume "
                            "(or output.resume=auto)", signal_name, summary.last.iteration,
                            outputs->checkpoints().path_for(summary.last.iteration)));
    return 0;
  }
  outputs->write_status(fmt::format("complete at iteration {}", summary.last.iteration));
  log_line(0, fmt::format("done: {} iterations in {} ({:.3f} s/iteration); samples in {}/samples/latest.png", ran,
                          ProgressLine::format_duration(summary.seconds),
                          summary.seconds / static_cast<double>(std::max<int64_t>(ran, 1)), outputs->dir()));
  return 0;
}

}  // namespace srm
