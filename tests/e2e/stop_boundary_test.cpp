// A stop signal (SIGUSR1 from Slurm before the time limit, SIGTERM on preemption) at every
// boundary of a run: in the first iteration, during a checkpoint write, in the last
// iteration, and during the final drain. Each time: exit code 0, a status line that matches
// the checkpoints on disk, and the right decision from the Slurm scripts' requeue helper
// (cluster/srm_dist_env.sh, run here with a stand-in scontrol that records the call).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "e2e/run_binary.h"
#include "test_support.h"

namespace srm {
namespace {

namespace fs = std::filesystem;

std::string first_line(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  return line;
}

class StopBoundary : public ::testing::Test {
 protected:
  test::TempDir dir_;

  // Starts srm-dist, waits (polling, at most 120 s) until the shell test `ready` holds, sends
  // `signal`, and returns the run's exit code. The boundary must have been reached while the
  // run was still going: a run that ended first fails the test.
  int run_and_signal(const std::string& args, const std::string& ready, const std::string& signal) {
    const auto r = test::run_command("( exec " + std::string(SRM_DIST_BINARY) + args + " ) > " + dir_.file("log") +
                                     " 2>&1 & pid=$!; for i in $(seq 24000); do if " + ready +
                                     "; then echo READY; break; fi; kill -0 $pid 2>/dev/null || break; sleep 0.002; "
                                     "done; kill -" + signal + " $pid; wait $pid; echo \"exit=$?\"");
    EXPECT_NE(r.output.find("READY"), std::string::npos) << "the run ended before the boundary was reached";
    const auto at = r.output.rfind("exit=");
    return at == std::string::npos ? -1 : std::stoi(r.output.substr(at + 5));
  }

  // What srm_requeue_if_interrupted does for this run directory: true when it requeues.
  bool requeue_helper_requeues(const std::string& run_dir) {
    const std::string bin = dir_.file("bin");
    fs::create_directories(bin);
    std::ofstream(bin + "/scontrol") << "#!/bin/sh\necho \"$@\" > " << dir_.file("scontrol.called") << "\n";
    fs::permissions(bin + "/scontrol", fs::perms::owner_all);
    fs::remove(dir_.file("scontrol.called"));
    const auto r = test::run_command("env PATH=" + bin + ":$PATH SLURM_JOB_ID=42 SRM_RUN_DIR=" + run_dir +
                                     " bash -c 'source " + std::string(SRM_SOURCE_DIR) +
                                     "/cluster/srm_dist_env.sh && srm_requeue_if_interrupted'");
    EXPECT_EQ(r.exit_code, 0) << r.output;
    if (!fs::exists(dir_.file("scontrol.called"))) return false;
    EXPECT_EQ(first_line(dir_.file("scontrol.called")), "requeue 42");
    return true;
  }

  // rings with a slow sampler (K = 3000: about a second per iteration) and a checkpoint every
  // iteration, so each boundary lasts long enough to be hit.
  std::string args(const std::string& run, int64_t iterations, const std::string& extra = "") {
    return " --config " + test::config_path("rings.yaml") + " --set output.dir=" + run +
           " --set train.iterations=" + std::to_string(iterations) +
           " --set sampler.steps=3000 --set model.mlp_hidden=32 --set train.batch_size=64 --set train.threads=1"
           " --set output.checkpoint_every=1 --set output.sample_every=1 --set output.log_every=1" + extra;
  }
};

TEST_F(StopBoundary, InTheFirstIterationItCheckpointsOneAndRequeues) {
  const std::string run = dir_.file("first");
  EXPECT_EQ(run_and_signal(args(run, 5), "[ -e " + run + "/archive.h5 ]", "USR1"), 0);
  EXPECT_EQ(first_line(run + "/status"), "interrupted at iteration 1 by SIGUSR1");
  EXPECT_TRUE(fs::exists(run + "/checkpoints/ckpt_00000001.h5"));
  EXPECT_TRUE(requeue_helper_requeues(run));
}

TEST_F(StopBoundary, DuringACheckpointWriteItStopsAtTheNextBoundary) {
  // A larger model, so each checkpoint file takes a while: signal while one is being written.
  const std::string run = dir_.file("write");
  const std::string extra = " --set sampler.steps=20 --set model.mlp_hidden=1024";
  EXPECT_EQ(run_and_signal(args(run, 60, extra), "ls -a " + run + "/checkpoints/ 2>/dev/null | grep -q partial",
                           "TERM"), 0);
  const std::string status = first_line(run + "/status");
  ASSERT_EQ(status.rfind("interrupted at iteration ", 0), 0u) << status;
  const std::string iteration = status.substr(25, status.find(' ', 25) - 25);
  EXPECT_EQ(status, "interrupted at iteration " + iteration + " by SIGTERM");
  EXPECT_TRUE(fs::exists(run + "/checkpoints/ckpt_" + std::string(8 - iteration.size(), '0') + iteration + ".h5"))
      << "no checkpoint at the iteration the status names";
  EXPECT_TRUE(requeue_helper_requeues(run));
  // The requeued job continues and completes; then the helper no longer requeues.
  const auto resumed = test::run_srm_dist(args(run, std::stoll(iteration) + 2, extra) + " --set output.resume=auto");
  EXPECT_EQ(resumed.exit_code, 0) << resumed.output;
  EXPECT_EQ(first_line(run + "/status"), "complete at iteration " + std::to_string(std::stoll(iteration) + 2));
  EXPECT_FALSE(requeue_helper_requeues(run));
}

TEST_F(StopBoundary, InTheLastIterationTheRunIsCompleteAndIsNotRequeued) {
  const std::string run = dir_.file("last");
  EXPECT_EQ(run_and_signal(args(run, 3), "[ -e " + run + "/checkpoints/ckpt_00000002.h5 ]", "USR1"), 0);
  EXPECT_EQ(first_line(run + "/status"), "complete at iteration 3");
  EXPECT_FALSE(requeue_helper_requeues(run));
  // And a requeue that happened anyway (here: after an older binary's "interrupted" line) finds
  // it complete and says so, without training.
  std::ofstream(run + "/status", std::ios::trunc) << "interrupted at iteration 3 by SIGUSR1\n";
  const auto again = test::run_srm_dist(args(run, 3) + " --set output.resume=auto");
  EXPECT_EQ(again.exit_code, 0) << again.output;
  EXPECT_EQ(first_line(run + "/status"), "complete at iteration 3");
}

TEST_F(StopBoundary, DuringTheFinalDrainTheRunIsComplete) {
  const std::string run = dir_.file("drain");
  // The final checkpoint being written (its .partial file) is the writer's final drain; a wide
  // model makes that file about 100 MB, so the drain lasts long enough to be caught.
  const std::string wide = " --set sampler.steps=5 --set model.mlp_hidden=2048";
  EXPECT_EQ(run_and_signal(args(run, 2, wide), "[ -e " + run + "/checkpoints/.ckpt_00000002.h5.partial ]", "TERM"),
            0);
  EXPECT_EQ(first_line(run + "/status"), "complete at iteration 2");
  EXPECT_FALSE(requeue_helper_requeues(run));
}

}  // namespace
}  // namespace srm
