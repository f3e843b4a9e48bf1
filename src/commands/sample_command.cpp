// The sample command (see sample_command.h).
#include "commands/sample_command.h"

#include <ATen/ATen.h>
#include <fmt/format.h>

#include "comm/make_communicator.h"
#include "commands/trained_model.h"
#include "config/config_loader.h"
#include "data/batch_plan.h"
#include "io/generated_file.h"
#include "io/png_output.h"
#include "io/progress_line.h"
#include "sampler/initial_distribution.h"
#include "sampler/sampler_settings.h"
#include "util/device.h"
#include "util/log.h"
#include "util/random.h"
#include "util/seed.h"

namespace srm {

int run_sample_command(const CliArgs& args, const MpiSession& session) {
  std::vector<std::string> overrides = args.overrides;
  if (args.deterministic) overrides.emplace_back("sampler.noise=0");
  const c10::Device cpu(c10::kCPU);
  TrainedModel model = load_trained_model(args.operands.at(0), args.iteration, overrides, cpu);
  const c10::Device device = select_device(model.config.train.device, session.local_rank(), session.local_size());
  model.energy->to(device);
  auto comm = make_communicator(model.config.dist.backend, session, device);
  const int rank = comm->rank(), world = comm->world_size();
  const bool leader = rank == 0;

  const int64_t total = args.count > 0 ? args.count : 64;
  const int64_t round_size = std::max<int64_t>(model.config.train.batch_size, world);
  const LangevinSampler sampler(sampler_settings(model.config.sampler));
  const InitKind init = parse_init_kind(model.config.sampler.init);
  const auto seed = static_cast<uint64_t>(model.config.train.seed);
  NoiseStream noise(make_generator(device, derive_seed(derive_seed(seed, 0x53414D50 /* "SAMP" */), static_cast<uint64_t>(rank))));
  const auto options = at::TensorOptions().dtype(at::kFloat).device(device);

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
  for (int64_t done = 0; done < total;) {
    const int64_t rows = std::min(round_size, total - done);
    const Shard shard = shard_of(rows, rank, world);
    std::vector<int64_t> shape{rows};
    shape.insert(shape.end(), model.example_shape.begin(), model.example_shape.end());
    at::Tensor round = at::zeros(shape, options);
    if (shard.count > 0) {
      const at::Tensor x0 = draw_initial(init, shard.count, model.example_shape, noise, options);
      round.narrow(0, shard.offset, shard.count).copy_(sampler.run(*model.energy, x0, noise).samples);
    }
    if (world > 1) {
      if (comm->wants_cuda_tensors() != round.is_cuda()) round = round.to(comm->wants_cuda_tensors() ? at::kCUDA : at::kCPU);
      comm->all_reduce(round, ReduceOp::Sum);  // each row is non-zero on exactly one rank
    }
    done += rows;
    if (!leader) continue;
    file->append("images", round);
    if (!first_grid.defined()) first_grid = round.narrow(0, 0, std::min<int64_t>(rows, 64)).to(at::kCPU);
    progress->update(done, "");
  }
  if (leader) {
    progress->finish();
    write_samples_png(prefix + ".png", first_grid);
    log_line(0, fmt::format("wrote {} samples to {}.h5 and a grid to {}.png", total, prefix, prefix));
  }
  return 0;
}

}  // namespace srm
