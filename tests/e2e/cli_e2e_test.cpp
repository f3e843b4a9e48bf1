// The program's command-line behaviour as a user meets it: help, bad input, exit codes.
#include <gtest/gtest.h>

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
