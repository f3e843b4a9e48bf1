// The training-time long-run check (train.longrun_every): on an isotropic Gaussian energy its
// energies match the closed forms of unadjusted Langevin's short-run and stationary variances;
// in training it leaves the run bit-identical to one without it, writes a row at every
// longrun_every iterations, and a resumed run rewrites none twice.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <filesystem>

#include "comm/single_process_communicator.h"
#include "trainer/longrun_check.h"
#include "unit/resume_harness.h"
#include "unit/test_energies.h"

namespace srm {
namespace {

namespace fs = std::filesystem;

TEST(LongrunCheck, EnergiesMatchTheLangevinChainsClosedForms) {
  // x <- x + s df/dx + n e = a x + n e with a = 1 - s / var: per-coordinate variance after k steps
  // from uniform[-1, 1] (variance 1/3) is a^2k / 3 + v (1 - a^2k), v = n^2 / (1 - a^2).
  const double var = 0.25, s = 0.005, n = 0.1, a = 1 - s / var, v = n * n / (1 - a * a);
  test::IsotropicGaussian energy(var);
  Config config;
  config.sampler.steps = 5;
  config.sampler.step_size = s;
  config.sampler.noise = n;
  config.train.longrun_chains = 4000;
  config.train.longrun_steps = 1000;
  const auto observed = torch::tensor({{0.5f, 0.0f}, {0.0f, -1.0f}});
  SingleProcessCommunicator comm;
  const LongrunRow row = longrun_check(energy, config, {2}, observed, 7, torch::kCPU, comm);
  EXPECT_EQ(row.iteration, 7);
  EXPECT_EQ(row.chains, 4000);
  EXPECT_EQ(row.steps, 1000);
  EXPECT_DOUBLE_EQ(row.data_energy, -(0.25 + 1.0) / 2 / (2 * var));  // exact: the mean of f over the batch
  const double short_var = std::pow(a, 10) / 3 + v * (1 - std::pow(a, 10));
  // f = -|x|^2 / (2 var) over 2 coordinates; its per-chain std is about 1, so 4000 chains give
  // a standard error of ~0.016 for both means: tolerance 0.07 (over 4 standard errors).
  EXPECT_NEAR(row.short_run_energy, -2 * short_var / (2 * var), 0.07);  // -1.274
  EXPECT_NEAR(row.long_run_energy, -2 * v / (2 * var), 0.07);           // -1.010
  // |df/dx| = |x| / var, |x| Rayleigh with mean sqrt(v pi / 2) (2.52 here) and standard deviation
  // sqrt((4 - pi) v / 2) / var = 1.32, so the mean over 4000 chains has a standard error of 0.021:
  // tolerance 0.09 (over 4 standard errors).
  EXPECT_NEAR(row.long_run_grad_norm, std::sqrt(v * M_PI / 2) / var, 0.09);
  EXPECT_GT(row.long_run_abs_max, 3 * std::sqrt(v));  // 8000 coordinates: a 3-sigma one is certain
  EXPECT_LT(row.long_run_abs_max, 6 * std::sqrt(v));
  // The stationary chains sit at a higher energy (-1.01) than these two points (-1.25).
  EXPECT_TRUE(oversaturated(row));
}

TEST(LongrunCheck, ANonFiniteRowReadsAsDivergedNeverAsBelowTheData) {
  LongrunRow row;
  row.iteration = 40;
  row.chains = 64;
  row.steps = 1000;
  row.data_energy = 1.5;
  row.short_run_energy = 1.2;
  row.long_run_energy = 0.9;
  row.long_run_grad_norm = 3;
  row.long_run_abs_max = 1.1;
  EXPECT_FALSE(diverged(row));
  EXPECT_NE(describe_longrun(row).find("stays at or below the data's"), std::string::npos);
  row.long_run_energy = std::nan("");  // NaN > data is false: it must not read as "at or below"
  EXPECT_TRUE(diverged(row));
  EXPECT_NE(describe_longrun(row).find("diverged"), std::string::npos) << describe_longrun(row);
  EXPECT_EQ(describe_longrun(row).find("stays at or below"), std::string::npos);
  row.long_run_energy = 0.9;
  row.long_run_abs_max = INFINITY;  // chains that ran off with a finite mean energy
  EXPECT_TRUE(diverged(row));
}

Config with_check(const std::string& dir) {
  Config c = test::small_config(dir);
  c.train.longrun_every = 4;
  c.train.longrun_steps = 30;
  c.train.longrun_chains = 10;
  return c;
}

TEST(LongrunCheck, LeavesTrainingBitIdenticalAndRecordsARowEveryLongrunEvery) {
  const fs::path dir = fs::temp_directory_path() / "srm_longrun_check";
  fs::remove_all(dir);
  const test::RunResult plain = test::train(test::small_config((dir / "plain").string()), 0);
  const test::RunResult checked = test::train(with_check((dir / "checked").string()), 0);
  ASSERT_EQ(plain.summary.final_parameters.size(), checked.summary.final_parameters.size());
  for (size_t i = 0; i < plain.summary.final_parameters.size(); ++i)
    EXPECT_TRUE(torch::equal(plain.summary.final_parameters[i].second, checked.summary.final_parameters[i].second))
        << plain.summary.final_parameters[i].first;
  const auto rows = archive_read_longruns((dir / "checked" / "archive.h5").string());
  ASSERT_EQ(rows.size(), 3u);
  for (size_t i = 0; i < rows.size(); ++i) {
    EXPECT_EQ(rows[i].iteration, 4 * static_cast<int64_t>(i + 1));
    EXPECT_EQ(rows[i].chains, 10);
    EXPECT_EQ(rows[i].steps, 30);
    for (const double value : {rows[i].data_energy, rows[i].short_run_energy, rows[i].long_run_energy,
                               rows[i].long_run_grad_norm, rows[i].long_run_abs_max})
      EXPECT_TRUE(std::isfinite(value));
  }
  EXPECT_TRUE(archive_read_longruns((dir / "plain" / "archive.h5").string()).empty());
  fs::remove_all(dir);
}

TEST(LongrunCheck, LeavesTrainingWithEmaAndSpectralNormBitIdentical) {
  // The check swaps the EMA weights in and out and runs spectral-norm layers in no-grad passes:
  // neither may move the training weights, the EMA or the power-iteration vectors.
  const fs::path dir = fs::temp_directory_path() / "srm_longrun_check_ema_sn";
  fs::remove_all(dir);
  const auto stabilised = [](Config c) {
    c.train.ema = 0.9;
    c.model.spectral_norm = true;
    return c;
  };
  const test::RunResult plain = test::train(stabilised(test::small_config((dir / "plain").string())), 0);
  const test::RunResult checked = test::train(stabilised(with_check((dir / "checked").string())), 0);
  ASSERT_EQ(plain.summary.final_parameters.size(), checked.summary.final_parameters.size());
  for (size_t i = 0; i < plain.summary.final_parameters.size(); ++i)
    EXPECT_TRUE(torch::equal(plain.summary.final_parameters[i].second, checked.summary.final_parameters[i].second))
        << plain.summary.final_parameters[i].first;
  EXPECT_EQ(archive_read_longruns((dir / "checked" / "archive.h5").string()).size(), 3u);
  fs::remove_all(dir);
}

TEST(LongrunCheck, AResumedRunKeepsOneRowPerCheck) {
  const fs::path dir = fs::temp_directory_path() / "srm_longrun_resume";
  fs::remove_all(dir);
  test::expect_bit_identical_resume(with_check, dir.string(), 6);  // stopped at 6: resumes from 6
  const auto whole = archive_read_longruns((dir / "whole" / "archive.h5").string());
  const auto parts = archive_read_longruns((dir / "parts" / "archive.h5").string());
  ASSERT_EQ(parts.size(), whole.size());
  for (size_t i = 0; i < whole.size(); ++i) {
    EXPECT_EQ(parts[i].iteration, whole[i].iteration);
    EXPECT_EQ(parts[i].long_run_energy, whole[i].long_run_energy) << "row " << i;
  }
  fs::remove_all(dir);
}

TEST(LongrunCheck, ResumingFromAnOlderCheckpointTrimsTheRowsAfterIt) {
  // Stopped at 10 (rows at 4 and 8, checkpoints 4, 8, 10); checkpoints 8 and 10 lost: the run
  // resumes from 4, so the archive's row 8 must go before the resumed run writes 8 and 12 again.
  const fs::path dir = fs::temp_directory_path() / "srm_longrun_trim";
  fs::remove_all(dir);
  test::train(with_check((dir / "whole").string()), 0);
  Config parts = with_check((dir / "parts").string());
  test::train(parts, 10);
  ASSERT_EQ(archive_read_longruns((dir / "parts" / "archive.h5").string()).size(), 2u);
  const CheckpointStore store(checkpoint_dir_of(parts.output.dir), 3);
  for (const int64_t lost : {8, 10}) ASSERT_TRUE(fs::remove(store.path_for(lost))) << store.path_for(lost);
  parts.output.resume = "require";
  const test::RunResult resumed = test::train(parts, 0);
  EXPECT_EQ(resumed.summary.first_iteration, 4);
  const auto expected = archive_read_longruns((dir / "whole" / "archive.h5").string());
  const auto rows = archive_read_longruns((dir / "parts" / "archive.h5").string());
  ASSERT_EQ(rows.size(), expected.size());
  for (size_t i = 0; i < rows.size(); ++i) {
    EXPECT_EQ(rows[i].iteration, expected[i].iteration);
    EXPECT_EQ(rows[i].long_run_energy, expected[i].long_run_energy) << "row " << i;
  }
  fs::remove_all(dir);
}

}  // namespace
}  // namespace srm
