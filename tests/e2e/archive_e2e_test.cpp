// The archive and checkpoints as users meet them, with the real program:
// - a 2-rank run under mpirun stopped by SIGUSR1 (what Slurm sends before the time limit)
//   exits 0 with a checkpoint, and `--resume` finishes it bit-identical to an uninterrupted
//   2-rank run;
// - a run killed with SIGKILL (no chance to clean up) resumes from its last complete checkpoint;
// - a second process (Debian's h5py, and h5dump) reads the archive while the run appends;
// - `srm-dist inspect` summarises an archive and a checkpoint and exports a batch as PNG.
#include <gtest/gtest.h>
#include <fmt/format.h>
#include <torch/torch.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "e2e/run_binary.h"
#include "io/png_output.h"
#include "io/run_archive.h"
#include "test_support.h"

namespace srm {
namespace {

namespace fs = std::filesystem;

std::string rings_run(const std::string& run_dir, int64_t iterations) {
  return " --config " + test::config_path("rings.yaml") + " --set output.dir=" + run_dir +
         " --set train.iterations=" + std::to_string(iterations) +
         " --set output.checkpoint_every=50 --set output.sample_every=100 --set train.threads=1";
}

std::string status_of(const std::string& run_dir) {
  std::ifstream in(run_dir + "/status");
  std::string line;
  std::getline(in, line);
  return line;
}

// Starts `command` in the background, waits until `path` exists (at most 120 s), sends
// `signal` to the started process, and waits for it. Prints the exit code last.
std::string signal_when_exists(const std::string& command, const std::string& path, const std::string& signal) {
  return "( " + command + " ) > /dev/null 2>&1 & pid=$!; for i in $(seq 1200); do [ -e " + path +
         " ] && break; sleep 0.1; done; kill -" + signal + " $pid; wait $pid; echo \"exit code $?\"";
}

void expect_same_final_parameters(const std::string& archive_a, const std::string& archive_b, int64_t iteration) {
  const auto a = archive_read_checkpoint(archive_a, iteration);
  const auto b = archive_read_checkpoint(archive_b, iteration);
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i)
    EXPECT_TRUE(torch::equal(a[i].second, b[i].second)) << a[i].first << " differs after resuming";
}

TEST(ArchiveEndToEnd, TwoRankRunStoppedBySignalResumesBitIdentical) {
  test::TempDir dir;
  const std::string mpirun = std::string("exec ") + SRM_MPIRUN + " -np 2 " + SRM_DIST_BINARY;
  const auto whole = test::run_command(mpirun + rings_run(dir.file("whole"), 400));
  ASSERT_EQ(whole.exit_code, 0) << whole.output;

  const std::string parts = dir.file("parts");
  const auto stopped = test::run_command(
      signal_when_exists(mpirun + rings_run(parts, 400), parts + "/checkpoints/ckpt_00000100.h5", "USR1"));
  EXPECT_NE(stopped.output.find("exit code 0"), std::string::npos) << stopped.output;
  const std::string status = status_of(parts);
  ASSERT_EQ(status.rfind("interrupted at iteration ", 0), 0u) << status;
  EXPECT_NE(status.find("by SIGUSR1"), std::string::npos) << status;
  const int64_t stopped_at = std::stoll(status.substr(std::string("interrupted at iteration ").size()));
  EXPECT_GE(stopped_at, 100);
  EXPECT_LT(stopped_at, 400) << "the signal came too late to interrupt anything";
  EXPECT_TRUE(fs::exists(parts + "/checkpoints/ckpt_" + fmt::format("{:08d}", stopped_at) + ".h5"));

  const auto resumed = test::run_command(mpirun + rings_run(parts, 400) + " --resume");
  ASSERT_EQ(resumed.exit_code, 0) << resumed.output;
  EXPECT_NE(resumed.output.find(fmt::format("resuming from {}/checkpoints/ckpt_{:08d}.h5", parts, stopped_at)),
            std::string::npos) << resumed.output;
  EXPECT_EQ(status_of(parts), "complete at iteration 400");
  expect_same_final_parameters(dir.file("whole") + "/archive.h5", parts + "/archive.h5", 400);
  const auto metrics = archive_read_metrics(parts + "/archive.h5");
  ASSERT_EQ(metrics.size(), 400u);
  for (size_t i = 0; i < metrics.size(); ++i) ASSERT_EQ(metrics[i].iteration, static_cast<int64_t>(i) + 1);
}

TEST(ArchiveEndToEnd, RunKilledWithoutWarningResumesFromItsLastCompleteCheckpoint) {
  test::TempDir dir;
  const std::string run_dir = dir.file("run");
  const std::string train = std::string("exec ") + SRM_DIST_BINARY + rings_run(run_dir, 400) +
                            " --set output.checkpoint_every=1 --set output.log_every=1";
  // Wait for a file that stays (with checkpoints every iteration, each one lives only until the
  // next three are written), then kill.
  const auto killed = test::run_command(signal_when_exists(train, run_dir + "/samples/iter_00000100.png", "KILL"));
  EXPECT_NE(killed.output.find("exit code 137"), std::string::npos) << killed.output;
  EXPECT_EQ(status_of(run_dir).rfind("running", 0), 0u);

  const auto resumed = test::run_srm_dist(rings_run(run_dir, 400) + " --resume");
  ASSERT_EQ(resumed.exit_code, 0) << resumed.output;
  EXPECT_NE(resumed.output.find("resuming from " + run_dir + "/checkpoints/ckpt_"), std::string::npos)
      << resumed.output;
  EXPECT_EQ(status_of(run_dir), "complete at iteration 400");
  const auto whole = test::run_srm_dist(rings_run(dir.file("whole"), 400));
  ASSERT_EQ(whole.exit_code, 0) << whole.output;
  expect_same_final_parameters(dir.file("whole") + "/archive.h5", run_dir + "/archive.h5", 400);
}

TEST(ArchiveEndToEnd, SecondProcessReadsTheArchiveWhileTheRunAppends) {
  test::TempDir dir;
  const std::string run_dir = dir.file("run");
  const std::string archive = run_dir + "/archive.h5";
  // The reader (Debian's python3-h5py) polls the archive, reopening it each time, and prints
  // the number of stored batches whenever it changes; it also runs h5dump once mid-run.
  const std::string reader = dir.file("watch.py");
  std::ofstream(reader) << R"(import os, subprocess, sys, time
import h5py
path, pid = sys.argv[1], int(sys.argv[2])
seen, dumped = [], False
def alive():
    try:
        os.kill(pid, 0)
        return not open(f"/proc/{pid}/stat").read().split()[2] == "Z"
    except OSError:
        return False
while alive():
    try:
        with h5py.File(path, "r") as f:
            n = f["samples/iteration"].shape[0] if "samples/iteration" in f else 0
            last = int(f["samples/iteration"][-1]) if n else 0
    except (OSError, KeyError):
        time.sleep(0.05)   # the writer is between open and close: try again
        continue
    if not seen or n != seen[-1][0]:
        seen.append((n, last))
    if n >= 2 and not dumped:
        r = subprocess.run(["h5dump", "-d", "/samples/iteration", path], capture_output=True, text=True)
        print("h5dump exit", r.returncode, flush=True)
        dumped = True
    time.sleep(0.05)
print("seen", " ".join(f"{n}:{it}" for n, it in seen))
)";
  const std::string command = std::string(SRM_DIST_BINARY) + rings_run(run_dir, 800) +
                              " --set output.sample_every=25 > /dev/null 2>&1 & pid=$!; "
                              "for i in $(seq 600); do [ -e " + archive + " ] && break; sleep 0.1; done; "
                              "/usr/bin/python3 " + reader + " " + archive + " $pid; wait $pid; echo \"exit code $?\"";
  const auto result = test::run_command(command);
  EXPECT_NE(result.output.find("exit code 0"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("h5dump exit 0"), std::string::npos) << result.output;
  // At least 5 distinct, growing batch counts observed while the writer was running.
  const auto seen_at = result.output.find("seen ");
  ASSERT_NE(seen_at, std::string::npos) << result.output;
  const auto line_end = result.output.find('\n', seen_at);
  std::istringstream seen(result.output.substr(seen_at + 5, line_end - seen_at - 5));
  std::vector<int64_t> counts;
  for (std::string pair; seen >> pair;) counts.push_back(std::stoll(pair.substr(0, pair.find(':'))));
  EXPECT_GE(counts.size(), 5u) << result.output;
  for (size_t i = 1; i < counts.size(); ++i) EXPECT_GT(counts[i], counts[i - 1]) << result.output;
  EXPECT_EQ(archive_sample_batches(archive), 32);
}

TEST(ArchiveEndToEnd, InspectSummarisesAndExports) {
  test::TempDir dir;
  const std::string run_dir = dir.file("run");
  ASSERT_EQ(test::run_srm_dist(rings_run(run_dir, 120) + " --set train.longrun_every=60 --set train.longrun_steps=20")
                .exit_code, 0);
  const auto summary = test::run_srm_dist("inspect " + run_dir + "/archive.h5");
  ASSERT_EQ(summary.exit_code, 0) << summary.output;
  for (const std::string& expected :
       {"archive: " + run_dir + "/archive.h5 (srm-dist-archive/1", std::string("status: complete at iteration 120"),
        std::string("metrics: 120 iterations recorded"), std::string("last: iteration 120 |"),
        std::string("sample batches: 2 of 256 samples, at iterations 100, 120"),
        std::string("parameter snapshots: 50, 100, 120"),
        std::string("ckpt_00000120.h5"), std::string("iteration 120, 1 ranks, intact  [latest]"),
        std::string("      dataset: rings"), std::string("long-run checks (/longrun): 2\n  iteration 60: f data "),
        std::string("after K + 20 ")})
    EXPECT_NE(summary.output.find(expected), std::string::npos) << "missing: " << expected << "\n" << summary.output;

  const auto exported = test::run_srm_dist("inspect " + run_dir + "/archive.h5 --export-batch 0 --png " +
                                           dir.file("b.png"));
  ASSERT_EQ(exported.exit_code, 0) << exported.output;
  EXPECT_NE(exported.output.find("wrote sample batch 0 (iteration 100)"), std::string::npos) << exported.output;
  EXPECT_GT(fs::file_size(dir.file("b.png")), 1000u);
  const auto out_of_range = test::run_srm_dist("inspect " + run_dir + "/archive.h5 --export-batch 5");
  EXPECT_EQ(out_of_range.exit_code, 1);
  EXPECT_NE(out_of_range.output.find("holds 2 sample batches (valid: 0..1 or -1..-2)"), std::string::npos)
      << out_of_range.output;

  const auto curves = test::run_srm_dist("inspect " + run_dir + "/archive.h5 --plot " + dir.file("curves.png"));
  ASSERT_EQ(curves.exit_code, 0) << curves.output;
  EXPECT_NE(curves.output.find("wrote the training curves of 120 iterations to"), std::string::npos) << curves.output;
  EXPECT_EQ(read_png_file(dir.file("curves.png")).width, 1200);
  EXPECT_GT(fs::file_size(run_dir + "/samples/curves.png"), 1000u);  // drawn by the run itself

  const auto checkpoint = test::run_srm_dist("inspect " + run_dir + "/checkpoints/ckpt_00000120.h5");
  ASSERT_EQ(checkpoint.exit_code, 0) << checkpoint.output;
  EXPECT_NE(checkpoint.output.find("iteration 120 | world size 1 | epoch 1, batch 42 of the data order next"),
            std::string::npos) << checkpoint.output;
  EXPECT_NE(checkpoint.output.find("Adam state: step 120"), std::string::npos) << checkpoint.output;

  const auto usage = test::run_srm_dist("inspect");
  EXPECT_EQ(usage.exit_code, 2);
  EXPECT_NE(usage.output.find("inspect takes one file"), std::string::npos) << usage.output;
}

}  // namespace
}  // namespace srm
