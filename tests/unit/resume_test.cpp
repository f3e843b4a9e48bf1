// Exact resume on the CPU: a run stopped by a signal at a step boundary and continued from its
// checkpoint ends bit-identical (torch::equal) to the same run left uninterrupted, with the
// same metrics; and the archive of the resumed run reads as one continuous run.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <csignal>

#include "checkpoint/checkpoint_file.h"
#include "comm/single_process_communicator.h"
#include "config/config_loader.h"
#include "data/toy_2d.h"
#include "io/run_outputs.h"
#include "model/energy_factory.h"
#include "test_support.h"
#include "tiny_rings_config.h"
#include "trainer/trainer.h"

namespace srm {
namespace {

Config small_config(const std::string& dir) {
  // Batch 16 of 200 points: 12 batches per epoch, so the 12 iterations cross into the next epoch.
  Config c = test::tiny_rings_config(16, 2, 5, 12, 16);
  c.train.data_noise = 0.05;
  c.train.anneal_start = 0.5;  // lr and noise change every iteration in the second half
  c.output.dir = dir;
  c.output.log_every = 5;
  c.output.sample_every = 4;
  c.output.checkpoint_every = 4;
  c.output.samples_kept = 8;
  return c;
}

struct RunResult {
  TrainingSummary summary;
  std::vector<IterationMetrics> metrics;
};

// Trains `config` (resuming when config.output.resume says so); stops after iteration stop_after if > 0.
RunResult train(const Config& config, int64_t stop_after) {
  const Toy2d data(ToyKind::Rings, 200, 0.02, 3);
  torch::manual_seed(11);
  auto energy = make_energy_net(config.model, data.example_shape());
  std::optional<TrainingCheckpoint> resume;
  if (config.output.resume != "never") {
    const CheckpointStore store(checkpoint_dir_of(config.output.dir), 3);
    resume = read_checkpoint_file(store.complete_files().at(0));
  }
  ArchiveHeader header;
  header.config_yaml = "test";
  header.example_shape = {2};
  const RunOutputs outputs(config.output, header, resume ? resume->iteration : -1);
  SingleProcessCommunicator comm;
  Trainer trainer(config, data, energy, torch::kCPU, comm, &outputs, nullptr);
  if (resume) trainer.set_resume_point(&*resume);
  int64_t polls = 0;
  trainer.set_stop_request([&polls, stop_after] { return ++polls >= stop_after && stop_after > 0 ? SIGUSR1 : 0; });
  RunResult run{trainer.run(), {}};
  run.metrics = archive_read_metrics(outputs.archive().path());
  return run;
}

TEST(Resume, StoppedAndResumedRunIsBitIdenticalToAnUninterruptedOne) {
  test::TempDir dir;
  const RunResult whole = train(small_config(dir.file("whole")), 0);
  EXPECT_EQ(whole.summary.stop_signal, 0);

  Config interrupted = small_config(dir.file("parts"));
  const RunResult first = train(interrupted, 7);  // signalled during iteration 7: checkpoint at 7
  EXPECT_EQ(first.summary.stop_signal, SIGUSR1);
  EXPECT_EQ(first.summary.last.iteration, 7);
  interrupted.output.resume = "require";
  const RunResult second = train(interrupted, 0);
  EXPECT_EQ(second.summary.first_iteration, 7);
  EXPECT_EQ(second.summary.last.iteration, 12);

  ASSERT_EQ(whole.summary.final_parameters.size(), second.summary.final_parameters.size());
  for (size_t i = 0; i < whole.summary.final_parameters.size(); ++i)
    EXPECT_TRUE(torch::equal(whole.summary.final_parameters[i].second, second.summary.final_parameters[i].second))
        << whole.summary.final_parameters[i].first;
  EXPECT_TRUE(torch::equal(whole.summary.last_samples, second.summary.last_samples));
  // The archive of the resumed run holds every iteration once, with the same values.
  ASSERT_EQ(second.metrics.size(), 12u);
  for (size_t i = 0; i < 12; ++i) {
    EXPECT_EQ(second.metrics[i].iteration, static_cast<int64_t>(i) + 1);
    EXPECT_EQ(second.metrics[i].loss, whole.metrics[i].loss) << "iteration " << i + 1;
    EXPECT_EQ(second.metrics[i].lr, whole.metrics[i].lr);
  }
  const std::string archive = dir.file("parts") + "/archive.h5";
  EXPECT_EQ(archive_sample_iterations(archive), (std::vector<int64_t>{4, 7, 8, 12}));  // 7: the stop
  EXPECT_EQ(archive_int_attribute(archive, "resumed_at"), (std::vector<int64_t>{7}));
}

TEST(Resume, ArchiveRowsWrittenAfterTheCheckpointAreDropped) {
  test::TempDir dir;
  Config config = small_config(dir.file("run"));
  train(config, 0);  // complete: checkpoints 4, 8, 12; samples 4, 8, 12
  // As if the job had died after iteration 12's outputs but resumed from the checkpoint at 8.
  std::filesystem::remove(CheckpointStore(checkpoint_dir_of(config.output.dir), 3).path_for(12));
  const RunArchive reopened = RunArchive::reopen_for_resume(dir.file("run") + "/archive.h5", 8);
  EXPECT_EQ(archive_sample_iterations(reopened.path()), (std::vector<int64_t>{4, 8}));
  EXPECT_EQ(archive_read_metrics(reopened.path()).size(), 8u);
  EXPECT_EQ(archive_checkpoint_iterations(reopened.path()), (std::vector<int64_t>{4, 8}));
}

}  // namespace
}  // namespace srm
