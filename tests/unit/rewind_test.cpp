// Automatic rewind (train.on_divergence = rewind): a batch made non-finite on purpose sends the
// run back to its newest checkpoint with the learning rate halved and that batch skipped; the run
// finishes, deterministically, records the rewind in the archive and its checkpoints, resumes
// bit-identically after it, and stops after train.max_rewinds. Without rewind the same run stops.
// Also: every stabiliser on at once resumes bit-identically, and the generator commands load the
// EMA or the raw weights.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "commands/trained_model.h"
#include "data/batch_plan.h"
#include "test_support.h"
#include "trainer/divergence.h"
#include "poisoned_rings.h"
#include "unit/resume_harness.h"

namespace srm {
namespace {

// An example of iteration 5's batch (0-based), so that iteration 6 diverges; checkpoints every 4.
test::PoisonedRings poisoned_at_iteration_6(const Config& config) {
  BatchPlan plan(200, config.train.batch_size, static_cast<uint64_t>(config.train.seed), 0, 1);
  return test::PoisonedRings(test::small_rings(), plan.indices(5).at(3));
}

Config rewinding_config(const std::string& dir) {
  Config c = test::small_config(dir);
  c.train.on_divergence = "rewind";
  return c;
}

void expect_same_parameters(const TrainingSummary& a, const TrainingSummary& b) {
  ASSERT_EQ(a.final_parameters.size(), b.final_parameters.size());
  for (size_t i = 0; i < a.final_parameters.size(); ++i)
    EXPECT_TRUE(torch::equal(a.final_parameters[i].second, b.final_parameters[i].second)) << a.final_parameters[i].first;
}

TEST(Rewind, SkipsThePoisonedBatchAndFinishes) {
  test::TempDir dir;
  const Config config = rewinding_config(dir.file("run"));
  const test::PoisonedRings data = poisoned_at_iteration_6(config);
  const test::RunResult run = test::train(config, 0, &data);
  EXPECT_EQ(run.summary.last.iteration, 12);
  for (const auto& [name, tensor] : run.summary.final_parameters) EXPECT_TRUE(torch::isfinite(tensor).all().item<bool>()) << name;
  // The metrics read as one run: every iteration once, in order.
  ASSERT_EQ(run.metrics.size(), 12u);
  for (size_t i = 0; i < run.metrics.size(); ++i) EXPECT_EQ(run.metrics[i].iteration, static_cast<int64_t>(i + 1));
  // Iterations 5 and 6 after the rewind train at half the scheduled rate (no anneal before 6).
  EXPECT_DOUBLE_EQ(run.metrics[4].lr, config.train.lr * 0.5);
  const auto rewinds = archive_read_rewinds(dir.file("run") + "/archive.h5");
  ASSERT_GE(rewinds.size(), 1u);
  EXPECT_EQ(rewinds[0].iteration, 6);
  EXPECT_EQ(rewinds[0].rewound_to, 4);
  EXPECT_EQ(rewinds[0].rewind, 1);
  EXPECT_EQ(rewinds[0].lr_scale, 0.5);
  EXPECT_EQ(rewinds[0].data_skip, 2);
  EXPECT_NE(std::string(rewinds[0].cause).find("f(x+) is nan"), std::string::npos) << rewinds[0].cause;
  // The checkpoints after it carry the rewind state.
  const CheckpointStore store(checkpoint_dir_of(config.output.dir), 3);
  const TrainingCheckpoint last = read_checkpoint_file(store.complete_files().at(0));
  EXPECT_EQ(last.iteration, 12);
  EXPECT_EQ(last.rewinds, static_cast<int64_t>(rewinds.size()));
  EXPECT_EQ(last.data_skip, rewinds.back().data_skip);
  EXPECT_EQ(last.lr_scale, rewinds.back().lr_scale);

  // Deterministic: the same config and seed rewind at the same iterations to the same end.
  const test::RunResult again = test::train(rewinding_config(dir.file("again")), 0, &data);
  expect_same_parameters(run.summary, again.summary);
  const auto rewinds_again = archive_read_rewinds(dir.file("again") + "/archive.h5");
  ASSERT_EQ(rewinds_again.size(), rewinds.size());
  for (size_t i = 0; i < rewinds.size(); ++i) EXPECT_EQ(rewinds_again[i].iteration, rewinds[i].iteration);

  // Without rewind the run stops with the divergence message.
  Config stopping = test::small_config(dir.file("stop"));
  try {
    test::train(stopping, 0, &data);
    ADD_FAILURE() << "the poisoned run did not stop";
  } catch (const TrainingDiverged& e) {
    EXPECT_NE(std::string(e.what()).find("training diverged at iteration 6: the mean energy of the observed batch "
                                         "f(x+) is nan"), std::string::npos) << e.what();
  }
}

TEST(Rewind, ResumedAfterARewindIsBitIdentical) {
  test::TempDir dir;
  const Config config = rewinding_config(dir.file("whole"));
  const test::PoisonedRings data = poisoned_at_iteration_6(config);
  const test::RunResult whole = test::train(config, 0, &data);
  Config parts = rewinding_config(dir.file("parts"));
  // Stop polls count iterations that did not diverge: the 8th is iteration 7, after the rewind.
  const test::RunResult first = test::train(parts, 8, &data);
  EXPECT_EQ(first.summary.last.iteration, 7);
  parts.output.resume = "require";
  const test::RunResult second = test::train(parts, 0, &data);
  EXPECT_EQ(second.summary.first_iteration, 7);
  expect_same_parameters(whole.summary, second.summary);
  EXPECT_EQ(archive_read_rewinds(dir.file("parts") + "/archive.h5").size(),
            archive_read_rewinds(dir.file("whole") + "/archive.h5").size());
}

TEST(Rewind, StopsAfterMaxRewinds) {
  test::TempDir dir;
  Config config = rewinding_config(dir.file("run"));
  config.train.divergence_energy = 1e-30;  // every iteration "diverges"
  config.train.max_rewinds = 2;
  try {
    test::train(config, 0);
    ADD_FAILURE() << "the run did not stop";
  } catch (const TrainingDiverged& e) {
    EXPECT_NE(std::string(e.what()).find("It had been rewound 2 times already (train.max_rewinds = 2)"),
              std::string::npos) << e.what();
  }
}

// The iteration a divergence message names ("training diverged at iteration N: ...").
int64_t diverged_iteration(const std::string& message) {
  return std::stoll(message.substr(message.find("iteration ") + 10));
}

// The collapse check (trainer/gradient_jump.h) in a run: the learning rate is annealed *up* from
// iteration 420 on, until ||df/dx|| jumps with |f| and |x-| still bounded. Stopping says so; with
// rewind the run goes back to its newest checkpoint, and once the rewinds are spent it stops.
TEST(Rewind, AJumpOfTheInputGradientStopsOrRewinds) {
  test::TempDir dir;
  Config config = test::small_config(dir.file("stop"));
  config.train.iterations = 600;
  config.train.anneal_start = 0.7;
  config.train.lr_final = 1.0;
  config.output.checkpoint_every = 50;
  config.output.sample_every = 600;
  config.output.log_every = 100;
  int64_t stopped_at = 0;
  try {
    test::train(config, 0);
    ADD_FAILURE() << "the run whose learning rate rises to 1 did not stop";
  } catch (const TrainingDiverged& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("||df/dx|| along the chains jumped"), std::string::npos) << message;
    stopped_at = diverged_iteration(message);
  }
  EXPECT_GT(stopped_at, 420);  // not before the learning rate rises
  config.output.dir = dir.file("rewind");
  config.train.on_divergence = "rewind";
  config.train.max_rewinds = 1;
  EXPECT_THROW(test::train(config, 0), TrainingDiverged);
  const auto rewinds = archive_read_rewinds(dir.file("rewind") + "/archive.h5");
  ASSERT_EQ(rewinds.size(), 1u);
  EXPECT_EQ(rewinds[0].iteration, stopped_at);
  EXPECT_EQ(rewinds[0].rewound_to, (stopped_at - 1) / 50 * 50);  // the check runs before that iteration's checkpoint
  EXPECT_NE(std::string(rewinds[0].cause).find("jumped"), std::string::npos) << rewinds[0].cause;
  // Switched off, the same run goes on past the iteration that stopped it.
  config.output.dir = dir.file("off");
  config.train.on_divergence = "stop";
  config.train.divergence_grad_jump = 0;
  int64_t off_reached = 600;
  try {
    test::train(config, 0);
  } catch (const TrainingDiverged& e) {  // a later runaway may still trip the energy bounds
    const std::string message = e.what();
    EXPECT_EQ(message.find("jumped"), std::string::npos) << message;
    off_reached = diverged_iteration(message);
  }
  EXPECT_GT(off_reached, stopped_at);
}

Config all_stabilisers(const std::string& dir) {
  Config c = test::small_config(dir);
  c.train.ema = 0.9;
  c.model.spectral_norm = true;
  c.train.energy_l2 = 0.1;
  c.train.grad_clip = 0.05;
  c.train.warmup = 3;
  c.train.weight_decay = 1e-3;
  c.train.on_divergence = "rewind";
  return c;
}

TEST(Stabilisers, EveryOptionAtOnceResumesBitIdentically) {
  test::TempDir dir;
  const test::RunResult whole = test::expect_bit_identical_resume(all_stabilisers, dir.path().string(), 7);
  // Parameters, spectral norm's u and v (two per layer), and the EMA of every parameter.
  size_t buffers = 0, averaged = 0;
  for (const auto& [name, tensor] : whole.summary.final_parameters) {
    const bool average = name.rfind("ema/", 0) == 0;
    buffers += !average && (name.find("weight_u") != std::string::npos || name.find("weight_v") != std::string::npos);
    averaged += average;
  }
  EXPECT_EQ(buffers, 2u * 3);  // 2 hidden layers + the output layer
  EXPECT_EQ(averaged, 6u + 6);  // their weights and biases, and the average's own u, v
  // With a clip of 0.05, some early gradient was clipped and the column says so.
  bool clipped = false;
  for (const auto& m : whole.metrics) clipped |= m.grad_clipped == 1.0;
  EXPECT_TRUE(clipped);
}

TEST(Stabilisers, GeneratorCommandsLoadTheEmaOrTheRawWeights) {
  test::TempDir dir;
  const test::RunResult run = test::train(all_stabilisers(dir.file("run")), 0);
  const CheckpointStore store(checkpoint_dir_of(dir.file("run")), 3);
  const std::string checkpoint = store.complete_files().at(0);
  const auto final_tensor = [&run](const std::string& name) {
    for (const auto& [n, t] : run.summary.final_parameters)
      if (n == name) return t;
    throw std::runtime_error("no " + name);
  };
  for (const std::string weights : {"auto", "ema", "raw"}) {
    const TrainedModel model = load_trained_model(checkpoint, -1, {}, torch::kCPU, weights);
    EXPECT_EQ(model.weights, weights == "raw" ? "raw" : "ema");
    EXPECT_NE(model.source.find("(" + model.weights + " weights)"), std::string::npos) << model.source;
    for (const auto& item : model.energy->named_parameters())
      EXPECT_TRUE(torch::equal(item.value(), final_tensor((weights == "raw" ? "" : "ema/") + item.key())))
          << weights << " " << item.key();
    for (const auto& item : model.energy->named_buffers())  // the EMA has u, v of its own
      EXPECT_TRUE(torch::equal(item.value(), final_tensor((weights == "raw" ? "" : "ema/") + item.key())))
          << weights << " " << item.key();
  }
  // A run without the average: --weights ema is refused, auto falls back to raw.
  test::train(test::small_config(dir.file("plain")), 0);
  const std::string plain = CheckpointStore(checkpoint_dir_of(dir.file("plain")), 3).complete_files().at(0);
  EXPECT_EQ(load_trained_model(plain, -1, {}, torch::kCPU, "auto").weights, "raw");
  EXPECT_THROW(load_trained_model(plain, -1, {}, torch::kCPU, "ema"), std::runtime_error);
}

}  // namespace
}  // namespace srm
