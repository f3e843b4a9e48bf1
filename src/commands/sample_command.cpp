// The sample command (see sample_command.h).
#include "commands/sample_command.h"

#include <ATen/ATen.h>
#include <fmt/format.h>

#include "comm/make_communicator.h"
#include "commands/sample_range_check.h"
#include "commands/sharded_sampling.h"
#include "commands/trained_model.h"
#include "config/config_loader.h"
#include "io/generated_file.h"
#include "io/png_output.h"
#include "io/progress_line.h"
#include "util/device.h"
#include "util/log.h"

namespace srm {

int run_sample_command(const CliArgs& args, const MpiSession& session) {
  std::vector<std::string> overrides = args.overrides;
  if (args.deterministic) overrides.emplace_back("sampler.noise=0");
  const c10::Device cpu(c10::kCPU);
  TrainedModel model = load_trained_model(args.operands.at(0), args.iteration, overrides, cpu, args.weights);
  const c10::Device device = select_device(model.config.train.device, session.local_rank(), session.local_size());
  set_cudnn_autotuning(device, model.config.train.cudnn_benchmark);
  model.energy->to(device);
  auto comm = make_communicator(model.config.dist.backend, session, device,
                                job_failure_policy(session, model.config.dist.timeout));
  const int rank = comm->rank(), world = comm->world_size();
  const bool leader = rank == 0;

  const int64_t total = args.count > 0 ? args.count : 64;
  const std::string prefix = args.out.empty() ? default_output_prefix(model, "samples") : args.out;
  std::unique_ptr<GeneratedFile> file;
  std::unique_ptr<ProgressLine> progress;
  if (leader) {
    file = std::make_unique<GeneratedFile>(
        prefix + ".h5", std::vector<std::pair<std::string, std::string>>{
                            {"format", "srm-dist-samples/1"}, {"source", model.source}, {"config", to_yaml(model.config)},
                            {"world_size", std::to_string(world)}});
    log_line(0, fmt::format("sampling {} examples from {} with {} (K = {}) on {} rank(s)", total, model.source,
                            model.config.sampler.method, model.config.sampler.steps, world));
    progress = std::make_unique<ProgressLine>("sample", 0, total, 1, stdout);
  }
  at::Tensor first_grid;
  SampleRangeCheck range(data_abs_max_of(model));
  draw_sharded_samples(model, rank, world, total, 0x53414D50 /* "SAMP" */, device, [&](const SampleRound& r) {
    std::vector<int64_t> shape{r.rows};
    shape.insert(shape.end(), model.example_shape.begin(), model.example_shape.end());
    at::Tensor round = at::zeros(shape, at::TensorOptions().dtype(at::kFloat).device(comm->device()));
    if (r.shard.count > 0) {
      round.narrow(0, r.shard.offset, r.shard.count).copy_(r.samples);
      range.add(r.samples);
    }
    if (world > 1) comm->all_reduce(round, ReduceOp::Sum);  // each row is non-zero on exactly one rank
    if (!leader) return;
    file->append("images", round);
    if (!first_grid.defined()) first_grid = round.narrow(0, 0, std::min<int64_t>(r.rows, 64)).to(at::kCPU);
    progress->update(r.start + r.rows, "");
  });
  range.reduce(*comm);
  if (leader) {
    progress->finish();
    file->seal();
    if (const std::string warning = range.warning("samples written"); !warning.empty()) log_line(0, warning);
    write_samples_png(prefix + ".png", first_grid);
    log_line(0, fmt::format("wrote {} samples to {}.h5 and a grid to {}.png", total, prefix, prefix));
  }
  return 0;
}

}  // namespace srm
