// The fault matrix: a run that checkpoints and writes samples every iteration is killed with
// SIGKILL at seeded random moments (so sometimes while a checkpoint or an archive append is
// being written), 20 times, and restarted with output.resume=auto each time, as a requeued
// Slurm job is. Every restart must resume from the newest complete checkpoint; at the end the
// archive must open with h5py and h5dump and hold every metrics row and sample batch exactly
// once, 1..T, with nothing before any checkpoint lost.
#include <gtest/gtest.h>
#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <regex>
#include <sstream>

#include "e2e/run_binary.h"
#include "io/run_archive.h"
#include "test_support.h"

namespace srm {
namespace {

namespace fs = std::filesystem;

// The iteration of the newest ckpt_XXXXXXXX.h5 (complete: .partial files are hidden), or 0.
int64_t newest_complete_checkpoint(const std::string& run_dir) {
  int64_t newest = 0;
  const fs::path dir = fs::path(run_dir) / "checkpoints";
  if (!fs::exists(dir)) return 0;
  const std::regex name(R"(ckpt_(\d{8})\.h5)");
  for (const auto& entry : fs::directory_iterator(dir)) {
    std::smatch m;
    const std::string file = entry.path().filename().string();
    if (std::regex_match(file, m, name)) newest = std::max<int64_t>(newest, std::stoll(m[1]));
  }
  return newest;
}

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(FaultMatrix, KilledAtRandomMomentsTwentyTimesNothingIsLost) {
  test::TempDir dir;
  const std::string run = dir.file("run");
  const std::string args = " --config " + test::config_path("rings.yaml") + " --set output.dir=" + run +
                           " --set output.resume=auto --set train.threads=1 --set sampler.steps=10"
                           " --set model.mlp_hidden=32 --set train.batch_size=64 --set output.samples_kept=16"
                           " --set output.checkpoint_every=1 --set output.sample_every=1 --set output.log_every=1";
  std::mt19937 random(20261201);  // the seed: every trial's kill time follows from it
  std::uniform_int_distribution<int> kill_after_ms(700, 2200);
  int resumed = 0;
  for (int trial = 0; trial < 20; ++trial) {
    const int64_t expected = newest_complete_checkpoint(run);
    const int ms = kill_after_ms(random);
    const std::string log = dir.file("trial" + std::to_string(trial) + ".log");
    const auto result = test::run_command("( exec " + std::string(SRM_DIST_BINARY) + args +
                                          " --set train.iterations=100000 ) > " + log + " 2>&1 & pid=$!; sleep " +
                                          std::to_string(ms / 1000.0) + "; kill -9 $pid; wait $pid; echo killed");
    const std::string output = read_text(log);
    SCOPED_TRACE("trial " + std::to_string(trial) + " (seed 20261201, killed after " + std::to_string(ms) +
                 " ms): " + output.substr(0, 2000));
    // An attempt killed while still starting up (a loaded machine) chose nothing; one that did
    // must have taken exactly the newest complete checkpoint the previous attempts left.
    if (expected > 0 && output.find("resuming from") != std::string::npos) {
      EXPECT_NE(output.find("/ckpt_" + fmt::format("{:08d}", expected) + ".h5 (iteration " +
                            std::to_string(expected) + ")"), std::string::npos);
      ++resumed;
    }
    EXPECT_EQ(output.find("error"), std::string::npos);
  }
  // A last attempt runs to the end: a few iterations past the newest checkpoint.
  const int64_t last = newest_complete_checkpoint(run);
  ASSERT_GT(last, 20) << "the attempts made almost no progress";
  const int64_t total = last + 3;
  const auto final_run = test::run_srm_dist(args + " --set train.iterations=" + std::to_string(total));
  ASSERT_EQ(final_run.exit_code, 0) << final_run.output;
  EXPECT_NE(final_run.output.find("resuming from"), std::string::npos) << final_run.output;

  const std::string archive = run + "/archive.h5";
  EXPECT_FALSE(fs::exists(run + "/archive.damaged.h5")) << "a kill left the archive unreadable (sample batches lost)";
  const auto h5dump = test::run_command("h5dump -H " + archive + " > /dev/null");
  EXPECT_EQ(h5dump.exit_code, 0) << h5dump.output;
  const auto h5py = test::run_command("/usr/bin/python3 -c \"import h5py; f = h5py.File('" + archive +
                                      "', 'r'); print(len(f['metrics']), len(f['samples/iteration']))\"");
  EXPECT_EQ(h5py.exit_code, 0) << h5py.output;
  EXPECT_EQ(h5py.output, std::to_string(total) + " " + std::to_string(total) + "\n");
  const auto metrics = archive_read_metrics(archive);
  ASSERT_EQ(static_cast<int64_t>(metrics.size()), total);
  for (int64_t i = 0; i < total; ++i) EXPECT_EQ(metrics[static_cast<size_t>(i)].iteration, i + 1);
  const auto samples = archive_sample_iterations(archive);
  ASSERT_EQ(static_cast<int64_t>(samples.size()), total);
  for (int64_t i = 0; i < total; ++i) EXPECT_EQ(samples[static_cast<size_t>(i)], i + 1);
  EXPECT_GE(resumed, 10) << "too few attempts got as far as resuming for the matrix to mean much";
  // Each resume is recorded (an attempt killed between choosing and reopening records none).
  const auto resumes = archive_int_attribute(archive, "resumed_at");
  EXPECT_GE(static_cast<int>(resumes.size()), 1);
  EXPECT_LE(static_cast<int>(resumes.size()), resumed + 1);
}

}  // namespace
}  // namespace srm
