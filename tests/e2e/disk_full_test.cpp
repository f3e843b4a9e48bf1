// A disk that fills up during a run: the output directory sits on a small tmpfs made by the
// test (root only; skipped elsewhere). The run must fail with a message naming the path it
// could not write, exit non-zero, and leave its newest complete checkpoint and the archive
// readable; once space is freed, --resume continues the run to the end.
#include <gtest/gtest.h>
#include <sys/mount.h>

#include <filesystem>
#include <fstream>

#include "e2e/run_binary.h"
#include "test_support.h"

namespace srm {
namespace {

namespace fs = std::filesystem;

class SmallDisk {
 public:
  SmallDisk(const std::string& path, const std::string& size) : path_(path) {
    fs::create_directories(path);
    mounted_ = mount("tmpfs", path.c_str(), "tmpfs", 0, ("size=" + size).c_str()) == 0;
  }
  ~SmallDisk() {
    if (mounted_) umount2(path_.c_str(), MNT_DETACH);
  }
  bool mounted() const { return mounted_; }
  bool grow(const std::string& size) const {
    return mount("tmpfs", path_.c_str(), "tmpfs", MS_REMOUNT, ("size=" + size).c_str()) == 0;
  }

 private:
  std::string path_;
  bool mounted_ = false;
};

TEST(DiskFull, TheRunStopsNamingThePathAndResumesOnceSpaceIsFreed) {
  test::TempDir dir;
  const SmallDisk disk(dir.file("disk"), "6m");
  if (!disk.mounted()) GTEST_SKIP() << "cannot mount a tmpfs here (needs root)";
  const std::string run = dir.file("disk/run");
  // An MLP of 256 x 3: each checkpoint is about 1.6 MB and each archive snapshot 0.5 MB, one of
  // each per iteration, so 6 MB fill within a few iterations.
  const std::string args = " --config " + test::config_path("rings.yaml") + " --set output.dir=" + run +
                           " --set model.mlp_hidden=256 --set sampler.steps=5 --set train.batch_size=64"
                           " --set train.threads=1 --set output.checkpoint_every=1 --set output.sample_every=1"
                           " --set output.log_every=1 --set train.iterations=40";
  const auto full = test::run_srm_dist(args);
  EXPECT_NE(full.exit_code, 0) << full.output;
  EXPECT_NE(full.output.find(run), std::string::npos) << "the message names no path: " << full.output;
  EXPECT_EQ(full.output.find("done:"), std::string::npos) << full.output;

  // What is there is readable: the newest complete checkpoint (inspect verifies checksums) and the archive.
  const auto inspect = test::run_srm_dist("inspect " + run + "/archive.h5");
  EXPECT_EQ(inspect.exit_code, 0) << inspect.output;
  EXPECT_NE(inspect.output.find("[latest]"), std::string::npos) << inspect.output;
  EXPECT_EQ(test::run_command("h5dump -H " + run + "/archive.h5 > /dev/null").exit_code, 0);

  ASSERT_TRUE(disk.grow("256m"));
  const auto resumed = test::run_srm_dist(args + " --resume");
  EXPECT_EQ(resumed.exit_code, 0) << resumed.output;
  EXPECT_NE(resumed.output.find("resuming from"), std::string::npos) << resumed.output;
  std::ifstream status(run + "/status");
  std::string line;
  std::getline(status, line);
  EXPECT_EQ(line, "complete at iteration 40");
  EXPECT_FALSE(fs::exists(run + "/archive.damaged.h5")) << "the failed write left the archive unreadable";
}

}  // namespace
}  // namespace srm
