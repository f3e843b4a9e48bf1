// Exact resume on the CPU: a run stopped by a signal at a step boundary and continued from its
// checkpoint ends bit-identical (torch::equal) to the same run left uninterrupted, with the
// same metrics; and the archive of the resumed run reads as one continuous run.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <csignal>
#include <filesystem>
#include <fstream>

#include "checkpoint/checkpoint_file.h"
#include "io/hdf5_objects.h"
#include "io/metrics_csv.h"
#include "test_support.h"
#include "trainer/training_state.h"
#include "unit/resume_harness.h"

namespace srm {
namespace {

using test::small_config;
using test::train;
using test::RunResult;

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
  // Each resume's config is recorded, and config.yaml shows the one that runs now.
  std::ifstream config_file(dir.file("parts") + "/config.yaml");
  std::string first_line;
  std::getline(config_file, first_line);
  EXPECT_EQ(first_line.rfind("# resumed at iteration 7;", 0), 0u) << first_line;
  const H5Id file = open_hdf5_file(archive, H5F_ACC_RDONLY, "archive");
  EXPECT_EQ(read_string_attribute(file.get(), "config_resumed_at_7"), "test");
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

TEST(Resume, ExtendingAFinishedRunContinuesItsAnnealInsteadOfRestartingIt) {
  test::TempDir dir;
  Config config = small_config(dir.file("run"));  // anneal over iterations 6..11 of 12
  const RunResult finished = train(config, 0);
  ASSERT_NEAR(finished.metrics.back().lr, config.train.lr_final, 1e-15);
  config.train.iterations = 20;  // extend: the schedule stays laid over the first 12
  config.output.resume = "require";
  const RunResult extended = train(config, 0);
  ASSERT_EQ(extended.metrics.size(), 20u);
  for (size_t i = 12; i < 20; ++i) {
    EXPECT_NEAR(extended.metrics[i].lr, config.train.lr_final, 1e-15) << "iteration " << i + 1;
    EXPECT_NEAR(extended.metrics[i].data_noise, config.train.data_noise_final, 1e-15) << "iteration " << i + 1;
  }
  const CheckpointStore store(checkpoint_dir_of(config.output.dir), 3);
  EXPECT_EQ(read_checkpoint_file(store.complete_files().at(0)).anneal_horizon, 12);
}

TEST(Resume, ADamagedArchiveIsSetAsideAndMetricsUpToTheCheckpointSurvive) {
  test::TempDir dir;
  Config config = small_config(dir.file("run"));
  const RunResult first = train(config, 7);  // checkpoint at 7
  ASSERT_EQ(first.metrics.size(), 7u);
  {  // a crash mid-append: the archive's superblock is gone
    std::fstream archive(dir.file("run/archive.h5"), std::ios::in | std::ios::out | std::ios::binary);
    const std::string zeros(512, '\0');
    archive.write(zeros.data(), static_cast<std::streamsize>(zeros.size()));
  }
  config.output.resume = "require";
  const RunResult second = train(config, 0);
  EXPECT_TRUE(std::filesystem::exists(dir.file("run/archive.damaged.h5")));
  ASSERT_EQ(second.metrics.size(), 12u);
  const auto csv = read_metrics_csv(dir.file("run/metrics.csv"));
  ASSERT_EQ(csv.size(), 12u);
  for (size_t i = 0; i < 7; ++i) {
    EXPECT_EQ(second.metrics[i].iteration, static_cast<int64_t>(i) + 1);
    EXPECT_NEAR(second.metrics[i].loss, first.metrics[i].loss, 1e-7 * std::abs(first.metrics[i].loss) + 1e-12);
    EXPECT_EQ(csv[i].iteration, static_cast<int64_t>(i) + 1);
  }
}

TEST(Resume, AStateOfAnotherGeneratorKindIsNotRestoredButReported) {
  TrainingCheckpoint c;
  c.rng_device_type = "cuda";
  c.rng_states = torch::zeros({1, 16}, torch::kByte);
  EXPECT_FALSE(generator_state_fits(c, at::detail::getDefaultCPUGenerator()));
  c.rng_device_type = "cpu";
  EXPECT_TRUE(generator_state_fits(c, at::detail::getDefaultCPUGenerator()));
}

}  // namespace
}  // namespace srm
