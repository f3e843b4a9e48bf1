// TensorBoard reads srm-dist's event files: a short rings run, stopped by SIGUSR1 and resumed
// (a new event file per segment, steps continuing), is checked with TensorBoard's own event
// loader and record CRCs (tests/e2e/tensorboard_reader.py) and through the real TensorBoard
// server's HTTP API on a loopback port (tests/e2e/tensorboard_http_check.py): every scalar tag
// has one point per logged iteration, equal to metrics.csv, and the sample image and the config
// text are listed. Needs the venv's Python with the tensorboard package (launch/setup.sh).
#include <gtest/gtest.h>

#include <filesystem>

#include "e2e/run_binary.h"
#include "test_support.h"

namespace srm {
namespace {

TEST(TensorBoardEndToEnd, TheRealReaderAndServerSeeOneContinuousRun) {
  const std::string python = SRM_TORCH_PYTHON;
  if (python.empty() || test::run_command(python + " -c 'import tensorboard'").exit_code != 0)
    GTEST_SKIP() << "no Python with the tensorboard package (launch/setup.sh installs it into the venv)";
  test::TempDir dir;
  const std::string run = dir.file("run");
  const std::string args = " --config " + test::config_path("rings.yaml") + " --set output.dir=" + run +
                           " --set train.iterations=60 --set sampler.steps=10 --set model.mlp_hidden=32"
                           " --set train.threads=1 --set output.log_every=1 --set output.sample_every=10"
                           " --set output.checkpoint_every=5";
  // Stop the first segment once its first checkpoint exists, then resume to the end.
  const auto first = test::run_command("( exec " + std::string(SRM_DIST_BINARY) + args +
                                       " ) > /dev/null 2>&1 & pid=$!; for i in $(seq 1200); do [ -e " + run +
                                       "/checkpoints/latest ] && break; sleep 0.05; done; kill -USR1 $pid; "
                                       "wait $pid; echo \"exit=$?\"");
  ASSERT_NE(first.output.find("exit=0"), std::string::npos) << first.output;
  const auto second = test::run_srm_dist(args + " --resume");
  ASSERT_EQ(second.exit_code, 0) << second.output;
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(run + "/tb"))
    files += entry.path().filename().string().rfind("events.out.tfevents.", 0) == 0 ? 1 : 0;
  EXPECT_EQ(files, 2) << "one event file per run segment";

  const std::string scripts = std::string(SRM_SOURCE_DIR) + "/tests/e2e/";
  const std::string check_args = " " + run + "/tb " + run + "/metrics.csv --image-tag samples --text-tag config"
                                 " --images-per-iteration 256";  // rings.yaml's global batch
  const auto reader = test::run_command(python + " " + scripts + "tensorboard_reader.py" + check_args);
  EXPECT_EQ(reader.exit_code, 0) << reader.output;
  const auto server = test::run_command("timeout 120 " + python + " " + scripts + "tensorboard_http_check.py" +
                                        check_args);
  EXPECT_EQ(server.exit_code, 0) << server.output;
}

}  // namespace
}  // namespace srm
