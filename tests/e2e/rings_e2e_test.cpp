// End to end: `srm-dist --config configs/rings.yaml` as a user runs it, shortened to 2,000 of
// its 4,000 iterations (the lr anneal scales with it), then the learned short-run samples are
// measured against the rings.
//
// Metric: a sample is "on a ring" when | ||x|| - r | < 0.05 for one of the radii r in
// {0.25, 0.5, 0.75}. The chains' start, p0 = N(0, 0.42^2 I), scores 0.343 by itself (0.118 /
// 0.139 / 0.086 of all samples on the inner / middle / outer ring; uniform noise on [-1,1]^2:
// 0.236). The shortened run (seed 1, one thread, as measured) must score >= 0.70 (measured
// 0.828, 2 ranks 0.871; the full config 0.918-0.957 on seeds 1-5, docs/results.md), and each
// ring must hold at least 15% of all samples (the smallest held 0.248 on seed 1, 0.235 with 2
// ranks; with the previous data noise seed 2 gave 0.145, so the bound is set for seed 1 on one
// thread, which makes the run repeatable; p0's fullest ring holds 0.139). The same check holds
// for a 2-rank run under mpirun.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <filesystem>
#include <fstream>

#include "config/config_loader.h"
#include "data/toy_2d.h"
#include "e2e/run_binary.h"
#include "io/run_archive.h"
#include "test_support.h"

namespace srm {
namespace {

struct RingScore {
  double on_ring = 0;
  std::array<double, 3> per_ring{};
};

RingScore score_rings(const torch::Tensor& points) {
  const auto r = points.norm(2, {1});
  const auto radii = torch::tensor({kRingRadii[0], kRingRadii[1], kRingRadii[2]}, torch::kFloat);
  const auto distance = (r.unsqueeze(1) - radii.unsqueeze(0)).abs();
  const auto [nearest, which] = distance.min(1);
  const auto on = nearest < 0.05;
  RingScore score;
  score.on_ring = on.to(torch::kDouble).mean().item<double>();
  for (int64_t k = 0; k < 3; ++k)
    score.per_ring[k] = (on & (which == k)).to(torch::kDouble).mean().item<double>();
  return score;
}

TEST(RingsEndToEnd, SamplesLieOnTheRings) {
  test::TempDir dir;
  const auto run_dir = dir.file("run");
  const auto result = test::run_srm_dist("--config " + test::config_path("rings.yaml") +
                                         " --set output.dir=" + run_dir + " --set train.iterations=2000" +
                                         " --set train.threads=1");
  ASSERT_EQ(result.exit_code, 0) << result.output;

  const std::string archive = run_dir + "/archive.h5";
  const int64_t batches = archive_sample_batches(archive);
  ASSERT_EQ(batches, 4);  // every 500 of 2000 iterations
  const auto samples = archive_read_sample_batch(archive, batches - 1);
  ASSERT_EQ(samples.sizes(), torch::IntArrayRef({256, 2}));
  const RingScore final_score = score_rings(samples);
  const RingScore start_score = score_rings(torch::randn({20000, 2}) * 0.42);
  EXPECT_NEAR(start_score.on_ring, 0.343, 0.02);  // p0's own score: the baseline the bounds are set against
  EXPECT_GE(final_score.on_ring, 0.70) << "samples on rings: " << final_score.on_ring;
  for (double share : final_score.per_ring) EXPECT_GE(share, 0.15) << "a ring is under-populated";

  // The run directory holds what the README says.
  EXPECT_TRUE(std::filesystem::exists(run_dir + "/samples/latest.png"));
  EXPECT_TRUE(std::filesystem::exists(run_dir + "/samples/iter_00002000.png"));
  EXPECT_EQ(archive_read_metrics(archive).size(), 2000u);
  EXPECT_EQ(archive_checkpoint_iterations(archive), (std::vector<int64_t>{1000, 2000}));
  const auto params = archive_read_checkpoint(archive, 2000);
  EXPECT_EQ(params.size(), 8u);  // 4 linear layers, weight and bias each
  std::ifstream csv(run_dir + "/metrics.csv");
  int64_t lines = 0;
  for (std::string line; std::getline(csv, line);) ++lines;
  EXPECT_EQ(lines, 2001);
  // The stored config is the resolved one and loads back to the same values.
  const Config stored = load_config(run_dir + "/config.yaml", {});
  EXPECT_EQ(stored.train.iterations, 2000);
  EXPECT_EQ(stored.output.dir, run_dir);
  EXPECT_EQ(archive_string_attribute(archive, "config"), [&] {
    std::ifstream in(run_dir + "/config.yaml");
    return std::string(std::istreambuf_iterator<char>(in), {});
  }());
}

TEST(RingsEndToEnd, TwoRanksUnderMpirunPassTheSameCheck) {
  test::TempDir dir;
  const auto run_dir = dir.file("run");
  const auto result = test::run_command(std::string(SRM_MPIRUN) + " -np 2 " + SRM_DIST_BINARY + " --config " +
                                        test::config_path("rings.yaml") + " --set output.dir=" + run_dir +
                                        " --set train.threads=1 --set train.iterations=2000");
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_NE(result.output.find("world size 2 | backend mpi"), std::string::npos) << result.output;
  const std::string archive = run_dir + "/archive.h5";
  const auto samples = archive_read_sample_batch(archive, archive_sample_batches(archive) - 1);
  // output.samples_kept = 256 rows gathered from both ranks (each holds 128 of the global 256).
  ASSERT_EQ(samples.sizes(), torch::IntArrayRef({256, 2}));
  const RingScore score = score_rings(samples);
  EXPECT_GE(score.on_ring, 0.70) << "samples on rings: " << score.on_ring;
  for (double share : score.per_ring) EXPECT_GE(share, 0.15) << "a ring is under-populated";
  EXPECT_EQ(archive_read_metrics(archive).size(), 2000u);
}

}  // namespace
}  // namespace srm
