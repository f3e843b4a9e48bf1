// The program's command-line behaviour as a user meets it: help, bad input, exit codes.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "e2e/run_binary.h"
#include "test_support.h"

namespace srm {
namespace {

TEST(CliEndToEnd, HelpListsKeysAndDefaults) {
  const auto r = test::run_srm_dist("--help");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.output.find("sampler.steps"), std::string::npos);
  EXPECT_NE(r.output.find("default 100"), std::string::npos);
}

TEST(CliEndToEnd, EverySubcommandsHelpPrintsItsUsageAndExitsZero) {
  for (const std::string command : {"inspect", "sample", "interpolate", "reconstruct", "eval"}) {
    const auto r = test::run_srm_dist(command + " --help");
    EXPECT_EQ(r.exit_code, 0) << command << ": " << r.output;
    EXPECT_EQ(r.output.rfind("usage: srm-dist " + command + " ", 0), 0u) << r.output;
  }
  const auto bench = test::run_srm_dist("bench --help");
  EXPECT_EQ(bench.exit_code, 0);
  EXPECT_NE(bench.output.find("sampler.steps"), std::string::npos);
}

TEST(CliEndToEnd, BadKeyExitsOneWithTheMessage) {
  const auto r = test::run_srm_dist("--set sampler.stepz=3");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find("srm-dist: error: --set: unknown key \"sampler.stepz\""), std::string::npos) << r.output;
}

TEST(CliEndToEnd, UnknownCommandExitsTwo) {
  const auto r = test::run_srm_dist("sampel");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.output.find("unknown command \"sampel\""), std::string::npos) << r.output;
}

TEST(CliEndToEnd, RefusesATaskOfAMultiTaskSlurmStepWithoutMpi) {
  // What `srun -n 8 srm-dist` without --mpi=pmix gives each task: Slurm's variables, no PMI.
  test::TempDir dir;
  const auto r = test::run_command("env SLURM_STEP_NUM_TASKS=8 SLURM_PROCID=3 " + std::string(SRM_DIST_BINARY) +
                                   " --set train.iterations=2 --set output.dir=" + dir.file("run"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find("task 3 of a Slurm step of 8 tasks, but MPI was not initialised"), std::string::npos)
      << r.output;
  EXPECT_FALSE(std::filesystem::exists(dir.file("run"))) << "no run directory may be created";
  // A one-task step (srun -n 1) is an ordinary one-rank run.
  const auto one = test::run_command("env SLURM_STEP_NUM_TASKS=1 SLURM_PROCID=0 " + std::string(SRM_DIST_BINARY) +
                                     " --set train.iterations=2 --set sampler.steps=2 --set output.dir=" +
                                     dir.file("one"));
  EXPECT_EQ(one.exit_code, 0) << one.output;
}

TEST(CliEndToEnd, AFinishedRunStartedAgainSaysCompleteSoRequeueingStops) {
  // A stop signal in the last iteration used to leave "interrupted at iteration T" with
  // T = train.iterations; each requeue then found the run complete and left the line, for ever.
  test::TempDir dir;
  const std::string args = "--set train.iterations=3 --set sampler.steps=2 --set output.dir=" + dir.file("run");
  ASSERT_EQ(test::run_srm_dist(args).exit_code, 0);
  std::ofstream(dir.file("run/status"), std::ios::trunc) << "interrupted at iteration 3 by SIGUSR1\n";
  const auto again = test::run_srm_dist(args + " --resume");
  EXPECT_EQ(again.exit_code, 0) << again.output;
  EXPECT_NE(again.output.find("already complete"), std::string::npos) << again.output;
  std::ifstream status(dir.file("run/status"));
  std::string line;
  std::getline(status, line);
  EXPECT_EQ(line, "complete at iteration 3");
}

TEST(CliEndToEnd, ResumeAutoRestartsARunThatDiedBeforeItsFirstCheckpoint) {
  test::TempDir dir;
  const std::string args = "--set train.iterations=2 --set sampler.steps=2 --set output.dir=" + dir.file("run");
  ASSERT_EQ(test::run_srm_dist(args).exit_code, 0);
  std::filesystem::remove_all(dir.file("run/checkpoints"));  // as if it had died before checkpointing
  const auto again = test::run_srm_dist(args + " --set output.resume=auto");
  EXPECT_EQ(again.exit_code, 0) << again.output;
  EXPECT_NE(again.output.find("holds an archive but no checkpoint"), std::string::npos) << again.output;
  EXPECT_TRUE(std::filesystem::exists(dir.file("run/archive.before-first-checkpoint.1.h5")));
  EXPECT_TRUE(std::filesystem::exists(dir.file("run/archive.h5")));
  // Without auto the archive is still protected.
  std::filesystem::remove_all(dir.file("run/checkpoints"));
  const auto never = test::run_srm_dist(args);
  EXPECT_EQ(never.exit_code, 1);
  EXPECT_NE(never.output.find("already holds a run"), std::string::npos) << never.output;
}

TEST(CliEndToEnd, MissingDataFileIsNamed) {
  test::TempDir dir;
  const auto r = test::run_srm_dist("--set data.dataset=fashion_mnist --set data.path=/nonexistent/x.gz "
                                    "--set output.dir=" + dir.file("run"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find("cannot open IDX image file \"/nonexistent/x.gz\""), std::string::npos) << r.output;
}

TEST(CliEndToEnd, RefusesToOverwriteARun) {
  test::TempDir dir;
  const std::string args = "--set train.iterations=2 --set sampler.steps=2 --set output.dir=" + dir.file("run");
  ASSERT_EQ(test::run_srm_dist(args).exit_code, 0);
  const auto again = test::run_srm_dist(args);
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_NE(again.output.find("already holds a run"), std::string::npos) << again.output;
  EXPECT_EQ(test::run_srm_dist(args + " --set output.overwrite=true").exit_code, 0);
}

}  // namespace
}  // namespace srm
