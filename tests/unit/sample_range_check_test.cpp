// The out-of-range warning of `sample` and `eval`: which samples count as leaving the data's
// range (beyond 1.1 x its largest |x|, NaN included), the largest |x| reported, and silence
// when every sample stays inside.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>

#include "commands/sample_range_check.h"

namespace srm {
namespace {

TEST(SampleRangeCheck, CountsSamplesBeyondTheToleranceAndReportsTheLargest) {
  SampleRangeCheck check(1.0);
  check.add(torch::tensor({{0.5f, -0.2f}, {1.05f, 0.0f}, {0.0f, -1.2f}}));  // 1.05 is inside the 10% margin
  EXPECT_EQ(check.outside(), 1);
  EXPECT_EQ(check.seen(), 3);
  EXPECT_NEAR(check.largest(), 1.2, 1e-6);
  check.add(torch::tensor({{3.0f, 0.0f}}));
  EXPECT_EQ(check.outside(), 2);
  EXPECT_NEAR(check.largest(), 3.0, 1e-6);
  const std::string warning = check.warning("samples written");
  EXPECT_NE(warning.find("2 of 4 samples written leave the data's range"), std::string::npos) << warning;
  EXPECT_NE(warning.find("up to 3"), std::string::npos) << warning;
}

TEST(SampleRangeCheck, NanSamplesAreOutsideAndSilenceNeedsEverySampleInside) {
  SampleRangeCheck inside(0.8);
  inside.add(torch::tensor({{0.8f, 0.0f}, {0.0f, 0.87f}}));  // 0.87 < 0.88
  EXPECT_EQ(inside.outside(), 0);
  EXPECT_EQ(inside.warning("samples written"), "");
  SampleRangeCheck with_nan(1.0);
  with_nan.add(torch::tensor({{NAN, 0.0f}, {0.1f, 0.1f}}));
  EXPECT_EQ(with_nan.outside(), 1);
  EXPECT_TRUE(std::isnan(with_nan.largest()));
  EXPECT_FALSE(with_nan.warning("samples scored").empty());
}

}  // namespace
}  // namespace srm
