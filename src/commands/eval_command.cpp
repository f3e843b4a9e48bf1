// The eval command (see eval_command.h).
#include "commands/eval_command.h"

#include <ATen/ATen.h>
#include <fmt/format.h>
#include <torch/script.h>

#include <filesystem>
#include <fstream>
#include <optional>

#include "comm/make_communicator.h"
#include "commands/sample_range_check.h"
#include "commands/sharded_sampling.h"
#include "commands/trained_model.h"
#include "eval/feature_extractor.h"
#include "eval/inception_score.h"
#include "eval/reference_statistics.h"
#include "io/progress_line.h"
#include "util/device.h"
#include "util/log.h"

namespace srm {
namespace {

constexpr int64_t kDefaultEvalSamples = 10000;

// All-reduces a packed float64 statistics vector over the ranks.
at::Tensor summed(Communicator& comm, const at::Tensor& packed) {
  if (comm.world_size() == 1) return packed;
  at::Tensor buffer = packed.to(comm.device(), /*non_blocking=*/false, /*copy=*/true);
  comm.all_reduce(buffer, ReduceOp::Sum);
  return buffer.to(at::kCPU);
}

}  // namespace

int run_eval_command(const CliArgs& args, const MpiSession& session) {
  std::vector<std::string> overrides = args.overrides;
  if (args.deterministic) overrides.emplace_back("sampler.noise=0");
  TrainedModel model = load_trained_model(args.operands.at(0), args.iteration, overrides, c10::Device(c10::kCPU), args.weights);
  const c10::Device device = select_device(model.config.train.device, session.local_rank(), session.local_size());
  model.energy->to(device);
  auto comm = make_communicator(model.config.dist.backend, session, device,
                                job_failure_policy(session, model.config.dist.timeout));
  const int rank = comm->rank(), world = comm->world_size();
  // The run's own eval.features / eval.reference unless the command line says otherwise.
  FeatureExtractor extractor(args.features_path.empty() ? model.config.eval.features : args.features_path, device);
  const std::string reference_path = args.reference_path.empty() ? model.config.eval.reference : args.reference_path;
  std::optional<torch::jit::Module> classifier;
  std::optional<InceptionScore> inception;
  if (!args.classifier_path.empty()) {
    try {
      classifier = torch::jit::load(args.classifier_path, device);
      classifier->eval();
    } catch (const c10::Error& e) {
      throw std::runtime_error(fmt::format("classifier \"{}\" is not a loadable TorchScript module: {}",
                                           args.classifier_path, e.what_without_backtrace()));
    }
  }
  const int64_t total = args.count > 0 ? args.count : kDefaultEvalSamples;
  if (rank == 0) {
    log_line(0, fmt::format("eval: {} samples of {} on {} rank(s); features: {}", total, model.source, world,
                            extractor.description()));
    if (total < kDefaultEvalSamples)
      log_line(0, fmt::format("warning: N = {} < 10000: FID is biased upwards at small N; compare only numbers of "
                              "equal N (KID is unbiased)", total));
  }
  const ReferenceSet reference =
      reference_statistics(reference_path, model.config.data, static_cast<uint64_t>(model.config.train.seed),
                           total, extractor, *comm, (std::filesystem::path(model.run_dir) / "eval_cache").string(),
                           stderr);
  if (rank == 0 && reference.from_cache) log_line(0, "reference statistics from " + reference.cache_file);

  ShardedFeatures generated(total);
  SampleRangeCheck range(data_abs_max_of(model));
  std::unique_ptr<ProgressLine> progress;
  if (rank == 0) progress = std::make_unique<ProgressLine>("eval samples", 0, total, 1, stderr);
  draw_sharded_samples(model, rank, world, total, 0x4556414C /* "EVAL" */, device, [&](const SampleRound& r) {
    if (r.shard.count > 0) {
      generated.add(r.start + r.shard.offset, extractor.features(r.samples));
      range.add(r.samples);
      if (classifier) {
        const torch::NoGradGuard no_grad;
        const at::Tensor logits = classifier->forward({r.samples}).toTensor();
        if (!inception) inception.emplace(logits.size(1));
        inception->add_logits(logits);
      }
    }
    if (progress) progress->update(r.start + r.rows, "samples drawn and embedded");
  });
  if (progress) progress->finish();
  const ImageFeatures samples = generated.finish(*comm);
  range.reduce(*comm);
  if (rank == 0)
    if (const std::string warning = range.warning("samples scored"); !warning.empty()) log_line(0, warning);
  std::optional<double> score;
  if (classifier) {
    // Every rank has drawn rows (total >= world is not guaranteed): agree on the class count.
    at::Tensor classes = at::full({1}, inception ? static_cast<float>(inception->packed().numel() - 2) : 0.f,
                                  at::TensorOptions().device(comm->device()));
    if (world > 1) comm->all_reduce(classes, ReduceOp::Max);
    const int64_t c = static_cast<int64_t>(classes.item<float>());
    if (!inception) inception.emplace(c);
    score = InceptionScore::unpack(summed(*comm, inception->packed()), c).score();
  }
  if (rank != 0) return 0;
  const SetDistance distance = distance_between(samples, reference.features, args.kid_subsets, args.kid_subset_size, 0);
  const SetLabel samples_label{fmt::format("samples of {} (sampler {}, K = {})", model.source,
                                           model.config.sampler.method, model.config.sampler.steps),
                               "", total};
  std::string report = distance_report(distance, samples_label, reference.label, extractor.description(),
                                       extractor.sha1(), extractor.protocol());
  if (score) report += fmt::format("inception_score: {:.6g}\nclassifier: \"{}\"\n", *score, args.classifier_path);
  report += fmt::format("samples_outside_data_range: {}   # of {}; largest |x| {:.4g}\n", range.outside(), range.seen(),
                        range.largest());
  fmt::print("{}", report);
  const std::string prefix = args.out.empty() ? default_output_prefix(model, "eval") : args.out;
  std::ofstream(prefix + ".yaml") << report;
  log_line(0, "wrote " + prefix + ".yaml");
  return 0;
}

}  // namespace srm
