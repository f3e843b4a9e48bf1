// The eval command (see eval_command.h).
#include "commands/eval_command.h"

#include <ATen/ATen.h>
#include <fmt/format.h>
#include <torch/script.h>

#include <filesystem>
#include <fstream>
#include <numeric>
#include <optional>

#include "comm/make_communicator.h"
#include "commands/sharded_sampling.h"
#include "commands/trained_model.h"
#include "data/dataset_factory.h"
#include "eval/gaussian_statistics.h"
#include "eval/inception_score.h"
#include "util/device.h"
#include "util/log.h"

namespace srm {
namespace {

torch::jit::Module load_module(const std::string& path, const c10::Device& device, const std::string& what) {
  if (!std::filesystem::exists(path))
    throw std::runtime_error(fmt::format("{} \"{}\" does not exist", what, path));
  try {
    torch::jit::Module module = torch::jit::load(path, device);
    module.eval();
    return module;
  } catch (const c10::Error& e) {
    throw std::runtime_error(fmt::format("{} \"{}\" is not a loadable TorchScript module: {}", what, path,
                                         e.what_without_backtrace()));
  }
}

at::Tensor run_module(torch::jit::Module& module, const at::Tensor& x) {
  const torch::NoGradGuard no_grad;
  at::Tensor out = module.forward({x}).toTensor();
  return out.dim() == 1 ? out.unsqueeze(1) : out.flatten(1);
}

// All-reduces a packed float64 statistics vector over the ranks.
at::Tensor summed(Communicator& comm, const at::Tensor& packed) {
  if (comm.world_size() == 1) return packed;
  at::Tensor buffer = packed.to(comm.device(), /*non_blocking=*/false, /*copy=*/true);
  comm.all_reduce(buffer, ReduceOp::Sum);
  return buffer.to(at::kCPU);
}

}  // namespace

int run_eval_command(const CliArgs& args, const MpiSession& session) {
  if (args.features_path.empty())
    throw std::runtime_error("eval needs --features EXTRACTOR.pt (a TorchScript module; see docs/generator.md, section eval)");
  std::vector<std::string> overrides = args.overrides;
  if (args.deterministic) overrides.emplace_back("sampler.noise=0");
  TrainedModel model = load_trained_model(args.operands.at(0), args.iteration, overrides, c10::Device(c10::kCPU));
  const c10::Device device = select_device(model.config.train.device, session.local_rank(), session.local_size());
  model.energy->to(device);
  auto comm = make_communicator(model.config.dist.backend, session, device,
                                job_failure_policy(session, model.config.dist.timeout));
  const int rank = comm->rank(), world = comm->world_size();
  torch::jit::Module features = load_module(args.features_path, device, "feature extractor");
  std::optional<torch::jit::Module> classifier;
  if (!args.classifier_path.empty()) classifier = load_module(args.classifier_path, device, "classifier");

  const auto data = open_dataset(model.config.data, static_cast<uint64_t>(model.config.train.seed));
  const int64_t total = std::min(args.count > 0 ? args.count : 1000, data->size());
  if (rank == 0)
    log_line(0, fmt::format("eval: {} samples of {} against {} examples of {} on {} rank(s)", total, model.source,
                            total, data->describe(), world));

  // Feature dimension and class count from one example of the data.
  const at::Tensor probe = data->load({0}).to(device);
  const int64_t dimension = run_module(features, probe).size(1);
  const int64_t classes = classifier ? run_module(*classifier, probe).size(1) : 0;
  GaussianStatistics generated(dimension), observed(dimension);
  std::optional<InceptionScore> inception;
  if (classifier) inception.emplace(classes);

  draw_sharded_samples(model, rank, world, total, 0x4556414C /* "EVAL" */, device, [&](const SampleRound& r) {
    if (r.shard.count == 0) return;
    generated.add(run_module(features, r.samples));
    if (classifier) inception->add_logits(run_module(*classifier, r.samples));
  });
  const Shard mine = shard_of(total, rank, world);
  const int64_t batch = std::max<int64_t>(model.config.train.batch_size, 1);
  for (int64_t i = 0; i < mine.count; i += batch) {
    std::vector<int64_t> indices(static_cast<size_t>(std::min(batch, mine.count - i)));
    std::iota(indices.begin(), indices.end(), mine.offset + i);
    observed.add(run_module(features, data->load(indices).to(device)));
  }

  const GaussianStatistics g = GaussianStatistics::unpack(summed(*comm, generated.packed()), dimension);
  const GaussianStatistics o = GaussianStatistics::unpack(summed(*comm, observed.packed()), dimension);
  std::optional<double> score;
  if (inception) score = InceptionScore::unpack(summed(*comm, inception->packed()), classes).score();
  if (rank != 0) return 0;
  const double distance = frechet_distance(g.mean(), g.covariance(), o.mean(), o.covariance());
  std::string report = fmt::format("frechet_distance: {:.6g}\nfeature_dimension: {}\nsamples: {}\ndata_examples: {}\n"
                                   "source: \"{}\"\nfeatures: \"{}\"\ndata: \"{}\"\n",
                                   distance, dimension, g.count(), o.count(), model.source, args.features_path,
                                   data->describe());
  if (score) report += fmt::format("inception_score: {:.6g}\nclassifier: \"{}\"\n", *score, args.classifier_path);
  fmt::print("{}", report);
  const std::string prefix = args.out.empty() ? default_output_prefix(model, "eval") : args.out;
  std::ofstream(prefix + ".yaml") << report;
  log_line(0, "wrote " + prefix + ".yaml");
  return 0;
}

}  // namespace srm
