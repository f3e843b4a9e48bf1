// The train command (see train_command.h).
#include "commands/train_command.h"

#include <fmt/format.h>
#include <torch/torch.h>

#include <cstdlib>
#include <ctime>
#include <numeric>
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
#include "trainer/training_evaluation.h"
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

// Every rank's host, node-local rank, device and the device's physical id, in rank order.
std::vector<RankPlace> gather_places(const MpiSession& session, const c10::Device& device) {
  const auto all = session.all_gather(
      fmt::format("{}|{}|{}|{}", session.host(), session.local_rank(), device.str(), physical_device_id(device)));
  std::vector<RankPlace> places;
  for (const auto& text : all) {
    const auto a = text.find('|'), b = text.find('|', a + 1), c = text.find('|', b + 1);
    places.push_back({text.substr(0, a), std::stoi(text.substr(a + 1, b - a - 1)), text.substr(b + 1, c - b - 1),
                      text.substr(c + 1)});
  }
  return places;
}

// Rank 0 prints the start-up table: world size, backend, versions, and per rank host / local
// rank / device.
void startup_table(const MpiSession& session, const Communicator& comm, const std::vector<RankPlace>& places) {
  if (comm.rank() != 0) return;
  std::string table = fmt::format("world size {} | backend {} | LibTorch {} | {} | NCCL {}\n", comm.world_size(),
                                  comm.backend_name(), TORCH_VERSION,
                                  session.active() ? mpi_library_version() : "MPI not initialised (one rank)",
                                  nccl_available() ? nccl_version() : "not built");
  table += fmt::format("  {:>5}  {:<24} {:>10}  {}\n", "rank", "host", "local rank", "device");
  for (size_t r = 0; r < places.size(); ++r)
    table += fmt::format("  {:>5}  {:<24} {:>10}  {}{}\n", r, places[r].host, places[r].local_rank, places[r].device,
                         places[r].device == "cpu" ? "" : " (" + places[r].physical_id + ")");
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

int run_train_command(const CliArgs& args, const MpiSession& session, const StopSignalGuard& stop_signals) {
  Config config = load_config(args.config_path, args.overrides);
  if (config.output.dir.empty()) config.output.dir = default_run_dir(config.data.dataset, session);
  if (config.train.threads > 0) torch::set_num_threads(static_cast<int>(config.train.threads));
  const bool leader = session.rank() == 0;
  const std::string resolved = to_yaml(config);
  if (leader) fmt::print("srm-dist {} | resolved config:\n{}\n", SRM_DIST_VERSION, resolved);

  const c10::Device device = select_device(config.train.device, session.local_rank(), session.local_size());
  set_cudnn_autotuning(device, config.train.cudnn_benchmark);
  // Two ranks on one GPU are refused before any communicator touches it.
  const std::vector<RankPlace> places = gather_places(session, device);
  check_one_rank_per_gpu(places);
  auto comm = make_communicator(config.dist.backend, session, device, job_failure_policy(session, config.dist.timeout));
  startup_table(session, *comm, places);
  const auto data = open_dataset(config.data, static_cast<uint64_t>(config.train.seed));
  const int64_t global_batch = std::min<int64_t>(config.train.batch_size, data->size());
  if (global_batch < comm->world_size())
    throw std::runtime_error(fmt::format("train.batch_size = {} ({} examples per iteration) is smaller than the {} ranks: "
                                         "every rank needs at least one example; raise train.batch_size to at least {} "
                                         "or start fewer ranks", config.train.batch_size, global_batch,
                                         comm->world_size(), comm->world_size()));
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
    if (leader) {
      // Rewritten, so a job script that sees "interrupted" from a stop in the last iteration
      // (or any older line) stops requeueing.
      write_run_status(config.output.dir, fmt::format("complete at iteration {}", start));
      log_line(0, fmt::format("the run in {} is already complete (checkpoint at iteration {}, train.iterations = {}); "
                              "raise train.iterations to continue it", config.output.dir, start,
                              config.train.iterations));
    }
    return 0;
  }
  std::unique_ptr<RunOutputs> outputs;
  if (leader) {
    ArchiveHeader header;
    header.config_yaml = resolved;
    header.version = SRM_DIST_VERSION;
    header.world_size = comm->world_size();
    header.example_shape = data->example_shape();
    header.sample_init = config.sampler.init;
    outputs = std::make_unique<RunOutputs>(config.output, header, resume ? start : -1);
    // The archive's sample batches have a fixed row count. An archive written by an older
    // srm-dist on several ranks holds rank 0's rows only: refuse here, not at the first write.
    const std::string archive = outputs->archive().path();
    const int64_t kept = std::min(config.output.samples_kept, global_batch);
    if (resume && archive_sample_batches(archive) > 0) {
      const int64_t stored = archive_read_sample_batch(archive, 0).size(0);
      if (stored != kept)
        throw std::runtime_error(fmt::format(
            "cannot resume in {}: its archive's sample batches hold {} rows, this run would store {} "
            "(output.samples_kept = {}, gathered from all {} ranks; an archive written by an older srm-dist on "
            "several ranks kept rank 0's rows only). Start a new run in another output.dir",
            config.output.dir, stored, kept, config.output.samples_kept, comm->world_size()));
    }
    outputs->set_images_per_iteration(global_batch);
    if (data->example_shape() == std::vector<int64_t>{2}) {  // 2-D data: the scatter shows it in grey
      std::vector<int64_t> indices(static_cast<size_t>(std::min<int64_t>(data->size(), 4000)));
      std::iota(indices.begin(), indices.end(), 0);
      outputs->set_scatter_background(data->load(indices));
    }
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
  std::unique_ptr<TrainingEvaluation> evaluation;  // collective set-up: the reference's features
  // (before the watchdog: embedding the reference on a CPU takes minutes and is not a hang)
  if (config.eval.every > 0) {
    evaluation = std::make_unique<TrainingEvaluation>(config, energy, data->example_shape(), device, *comm);
    trainer.set_evaluation(config.eval.every, [e = evaluation.get()](int64_t done) { return e->evaluate(done); });
  }
  // The clock starts with the first iteration: loading a large dataset is not a hang.
  std::unique_ptr<ProgressWatchdog> watchdog;
  if (comm->world_size() > 1 && config.dist.timeout > 0) {
    watchdog = std::make_unique<ProgressWatchdog>(config.dist.timeout,
                                                  [&session](const std::string& message) { session.fail_job("error: " + message); });
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
  // A stop signal seen in the last iteration still leaves a finished run: it is complete.
  if (summary.stop_signal != 0 && summary.last.iteration < config.train.iterations) {
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
