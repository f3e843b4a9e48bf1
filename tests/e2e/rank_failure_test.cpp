// A failure on one rank ends the whole job, promptly, with a message naming the rank and host
// (the other rank is already waiting in a collective and must not hang).
#include <gtest/gtest.h>

#include <chrono>

#include "e2e/run_binary.h"
#include "test_support.h"

namespace srm {
namespace {

TEST(RankFailure, BadDataOnRankOneAbortsTheJob) {
  test::TempDir dir;
  const std::string common = " --set train.iterations=50 --set output.dir=" + dir.file("run");
  // Open MPI MPMD launch: rank 0 trains on rings, rank 1 is given a data file that does not exist.
  const std::string command = std::string("timeout 120 ") + SRM_MPIRUN + " -np 1 " + SRM_DIST_BINARY + common +
                              " : -np 1 " + SRM_DIST_BINARY + common +
                              " --set data.dataset=fashion_mnist --set data.path=/nonexistent/images.gz";
  const auto start = std::chrono::steady_clock::now();
  const auto result = test::run_command(command);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_NE(result.exit_code, 0) << result.output;
  EXPECT_NE(result.exit_code, 124) << "the job hung until the 120 s timeout";
  EXPECT_LT(seconds, 60.0);
  EXPECT_NE(result.output.find("[rank 1@"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("cannot open IDX image file \"/nonexistent/images.gz\""), std::string::npos)
      << result.output;
}

TEST(RankFailure, MoreRanksThanTheBatchAreRefusedAtStartUp) {
  // Empty shards used to take the mean of nothing and report "training diverged ... nan".
  test::TempDir dir;
  const auto result = test::run_command(std::string("timeout 120 ") + SRM_MPIRUN + " -np 3 " + SRM_DIST_BINARY +
                                        " --set train.batch_size=2 --set train.iterations=5 --set output.dir=" +
                                        dir.file("run"));
  EXPECT_NE(result.exit_code, 0) << result.output;
  EXPECT_NE(result.output.find("train.batch_size = 2 (2 examples per iteration) is smaller than the 3 ranks"),
            std::string::npos) << result.output;
  EXPECT_EQ(result.output.find("diverged"), std::string::npos) << result.output;
}

}  // namespace
}  // namespace srm
