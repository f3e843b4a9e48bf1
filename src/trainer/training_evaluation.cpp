// Training-time evaluation (see training_evaluation.h).
#include "trainer/training_evaluation.h"

#include <fmt/format.h>

#include <chrono>
#include <cmath>
#include <filesystem>

#include "commands/sharded_sampling.h"
#include "commands/trained_model.h"
#include "eval/feature_extractor.h"
#include "eval/image_features.h"
#include "eval/reference_statistics.h"
#include "eval/set_distance.h"
#include "util/log.h"
#include "util/seed.h"

namespace srm {

struct TrainingEvaluation::State {
  TrainedModel model;  // the live model, shared with the trainer
  c10::Device device;
  Communicator& comm;
  FeatureExtractor extractor;
  ReferenceSet reference;
};

TrainingEvaluation::TrainingEvaluation(const Config& config, std::shared_ptr<EnergyNet> energy,
                                       std::vector<int64_t> example_shape, const c10::Device& device,
                                       Communicator& comm) {
  TrainedModel model;
  model.config = config;
  model.example_shape = std::move(example_shape);
  model.energy = std::move(energy);
  model.run_dir = config.output.dir;
  FeatureExtractor extractor(config.eval.features, device);
  ReferenceSet reference = reference_statistics(config.eval.reference, config.data,
                                                static_cast<uint64_t>(config.train.seed), config.eval.samples,
                                                extractor, comm,
                                                (std::filesystem::path(config.output.dir) / "eval_cache").string(),
                                                comm.rank() == 0 ? stdout : nullptr);
  if (comm.rank() == 0)
    log_line(0, fmt::format("training-time evaluation every {} iterations: {} samples against {} ({}); {}",
                            config.eval.every, config.eval.samples, reference.label.source,
                            reference.from_cache ? "statistics from " + reference.cache_file : "statistics computed",
                            extractor.description()));
  state_ = std::make_unique<State>(State{std::move(model), device, comm, std::move(extractor), std::move(reference)});
}

TrainingEvaluation::~TrainingEvaluation() = default;

EvaluationRecord TrainingEvaluation::evaluate(int64_t iteration) {
  State& s = *state_;
  const auto start = std::chrono::steady_clock::now();
  const int64_t total = s.model.config.eval.samples;
  ShardedFeatures generated(total);
  const uint64_t purpose = derive_seed(0x45565452 /* "EVTR" */, static_cast<uint64_t>(iteration));
  draw_sharded_samples(s.model, s.comm.rank(), s.comm.world_size(), total, purpose, s.device,
                       [&](const SampleRound& r) {
                         if (r.shard.count > 0) generated.add(r.start + r.shard.offset, s.extractor.features(r.samples));
                       });
  const ImageFeatures samples = generated.finish(s.comm);
  EvaluationRecord record;
  record.reference = s.reference.label.source;
  record.reference_sha256 = s.reference.label.checksum;
  record.features = s.extractor.description();
  record.features_sha1 = s.extractor.sha1();
  record.protocol = s.extractor.protocol();
  record.row.iteration = iteration;
  record.row.n = total;
  if (s.comm.rank() != 0) return record;
  const SetDistance d = distance_between(samples, s.reference.features, 100, 1000, static_cast<uint64_t>(iteration));
  record.row.fid = d.fid;
  record.row.kid = d.kid ? d.kid->mean : std::nan("");
  // NaN when every subset is the whole of both sets (eval.samples <= 1000): no spread exists.
  const bool whole_sets = d.kid && d.kid->subset_size == total && d.kid->subset_size == s.reference.features.count;
  record.row.kid_std = d.kid && !whole_sets ? d.kid->std : std::nan("");
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  log_line(0, fmt::format("eval at iteration {}: FID {:.4g}, KID {:.4g} +- {:.2g} (N = {} against {}; {:.0f} s)",
                          iteration, record.row.fid, record.row.kid, record.row.kid_std, total,
                          s.reference.label.source, seconds));
  return record;
}

}  // namespace srm
