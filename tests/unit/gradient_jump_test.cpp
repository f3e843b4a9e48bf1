// The collapse check on ||df/dx|| (trainer/gradient_jump.h): a steady run and an untrained
// energy's warm-up rise never fire, a tenfold jump fires within the window, a slow climb fires on
// the long comparison, a rewind keeps the
// pre-collapse reference, a resumed run re-arms after window + horizon iterations, and the
// ratio is validated where the config is.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "config/config_loader.h"
#include "trainer/gradient_jump.h"

namespace srm {
namespace {

// A healthy run's ||df/dx||: 1 with a +-30% wobble (the measured runs wobble by about 10%).
double steady(int64_t iteration) { return 1.0 + 0.3 * std::sin(0.7 * static_cast<double>(iteration)); }

// Feeds iterations [from, to] with value(i); returns the first iteration that fired (0: none).
template <typename Value>
int64_t first_firing(GradientJumpCheck& check, int64_t from, int64_t to, Value value, std::string* cause = nullptr) {
  for (int64_t i = from; i <= to; ++i) {
    const std::string c = check.observe(i, value(i));
    if (!c.empty()) {
      if (cause) *cause = c;
      return i;
    }
  }
  return 0;
}

TEST(GradientJump, SteadyRunsAndTheWarmUpRiseNeverFire) {
  // Iterations 1-200: the fiftyfold rise of an untrained energy (0.014 -> 0.7; Fashion-MNIST
  // rises so in 40 iterations, the rings in a few hundred), then a sevenfold rise to iteration
  // 2,300 as the energy sharpens (the rings default: 8 at iteration 50, 44 at 2,000, 60 at 4,000)
  // and a plateau to 5,000, with the wobble.
  const auto value = [](int64_t i) {
    if (i <= 200) return 0.014 * std::pow(50.0, static_cast<double>(i) / 200.0);
    const double sharpening = 0.7 + 4.2 * static_cast<double>(std::min<int64_t>(i, 2300) - 200) / 2100.0;
    return sharpening * steady(i);
  };
  GradientJumpCheck check(4);
  EXPECT_EQ(first_firing(check, 1, 5000, value), 0);
  // Without the warm-up the rise itself would count as a jump.
  GradientJumpWindows no_warmup;
  no_warmup.warmup = 0;
  GradientJumpCheck eager(4, no_warmup);
  EXPECT_GT(first_firing(eager, 1, 3000, value), 0);
}

TEST(GradientJump, ATenfoldJumpFiresWithinTheWindowAndSaysSo) {
  GradientJumpCheck check(4);
  // Steady to iteration 1,600, then a rise to 10x over 75 iterations (the Fashion-MNIST collapse).
  const auto value = [](int64_t i) {
    const double rise = i <= 1600 ? 1.0 : std::min(10.0, std::pow(10.0, static_cast<double>(i - 1600) / 75.0));
    return rise * steady(i);
  };
  std::string cause;
  const int64_t fired = first_firing(check, 1, 2000, value, &cause);
  // The median of the last 20 lags about 10 iterations behind the rise: it passes 4 about 45
  // iterations in (10^(45/75) = 3.98), near iteration 1,655 with the wobble.
  EXPECT_GE(fired, 1640);
  EXPECT_LE(fired, 1680);
  EXPECT_NE(cause.find("jumped"), std::string::npos) << cause;
  const std::string windows = "over iterations " + std::to_string(fired - 219) + "-" + std::to_string(fired - 20);
  EXPECT_NE(cause.find(windows), std::string::npos) << cause;
  EXPECT_NE(cause.find("beyond train.divergence_grad_jump = 4"), std::string::npos) << cause;
}

TEST(GradientJump, ASlowClimbFiresOnTheLongComparison) {
  GradientJumpCheck check(4);
  // Steady to iteration 3,000, then tenfold every 1,000 iterations: under 1.6-fold between
  // neighbouring windows, never fourfold, but 16-fold over 2,000 iterations once the recent
  // window's median (10 iterations back) passes 10^1.204: iteration ~4,214.
  const auto value = [](int64_t i) {
    return (i <= 3000 ? 1.0 : std::pow(10.0, static_cast<double>(i - 3000) / 1000.0)) * steady(i);
  };
  std::string cause;
  const int64_t fired = first_firing(check, 1, 6000, value, &cause);
  EXPECT_GE(fired, 4150);
  EXPECT_LE(fired, 4300);
  EXPECT_NE(cause.find("climbed"), std::string::npos) << cause;
  EXPECT_NE(cause.find("beyond train.divergence_grad_jump squared = 16 over 2000 iterations"), std::string::npos)
      << cause;
}

TEST(GradientJump, OffNeverFiresAndARatioOfAtMostOneIsRefused) {
  GradientJumpCheck off(0);
  EXPECT_EQ(first_firing(off, 1, 1000, [](int64_t i) { return i < 500 ? 1.0 : 1000.0; }), 0);
  EXPECT_THROW(GradientJumpCheck(1.0), std::invalid_argument);
  Config c;
  apply_override(c, "train.divergence_grad_jump=0.5");
  try {
    validate(c);
    ADD_FAILURE() << "a ratio of 0.5 was accepted";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("train.divergence_grad_jump = 0.5 is not allowed"), std::string::npos)
        << e.what();
  }
  apply_override(c, "train.divergence_grad_jump=0");
  EXPECT_NO_THROW(validate(c));
}

TEST(GradientJump, ARewindKeepsThePreCollapseReferenceAndWaitsForFreshIterations) {
  GradientJumpWindows windows;
  windows.kept = windows.window + windows.horizon + windows.long_lag + 100;  // rewinds of up to 100 iterations
  GradientJumpCheck check(4, windows);
  // The collapse begins at iteration 1,591, so the checkpoint of 1,600 holds ten raised values.
  const auto jumped = [](int64_t i) { return i <= 1590 ? steady(i) : 10.0; };
  EXPECT_EQ(first_firing(check, 1, 2000, jumped), 1600);  // half the window high: (~1 + 10) / 2 > 4
  check.forget_after(1600);  // back to the checkpoint of iteration 1,600
  // Still collapsed after the rewind: it fires again once the window holds only fresh iterations,
  // judged against the healthy ones before the collapse.
  EXPECT_EQ(first_firing(check, 1601, 1700, jumped), 1620);
  check.forget_after(1600);
  // Recovered after the rewind: the raised values of 1,591-1,600 alone do not fire.
  EXPECT_EQ(first_firing(check, 1601, 2500, steady), 0);
}

TEST(GradientJump, AResumedRunReArmsAfterWindowPlusHorizon) {
  GradientJumpCheck check(4);
  EXPECT_EQ(first_firing(check, 1, 1000, steady), 0);
  // Resumed at iteration 5,001: a fresh history. A tenfold jump from 5,201 on would fire at
  // 5,210 (half the window high) on a kept history; with a fresh one the check arms only with its
  // 220th iteration, 5,220.
  EXPECT_EQ(first_firing(check, 5001, 5600, [](int64_t i) { return i <= 5200 ? steady(i) : 10.0; }), 5220);
}

TEST(GradientJump, TheCauseFitsTheRewindTable) {
  // The archive's /rewinds keeps 255 bytes of the cause (io/rewind_table.h): the longest message,
  // the long comparison's with large iterations and values, fits whole.
  GradientJumpCheck check(4);
  const int64_t start = 9999000;
  const auto climbing = [](int64_t i) {
    const double climb = i <= 9999000 + 2300 ? 1.0 : std::pow(10.0, static_cast<double>(i - 9999000 - 2300) / 1000.0);
    return 123456.789 * climb * steady(i);
  };
  std::string cause;
  ASSERT_GT(first_firing(check, start, start + 5000, climbing, &cause), 0);
  EXPECT_NE(cause.find("climbed"), std::string::npos) << cause;
  EXPECT_LE(cause.size(), 255u) << cause;
  EXPECT_NE(cause.find("a collapse at bounded values"), std::string::npos) << cause;
}

}  // namespace
}  // namespace srm
