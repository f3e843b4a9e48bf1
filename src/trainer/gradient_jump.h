// Recognises a collapse at bounded values: the input gradient ||df/dx|| along the chains jumps
// within a few hundred iterations. On Fashion-MNIST with train.energy_l2 the energies stay near
// +-50 and the samples within a few units, so neither bound of trainer/divergence.h fires, while
// ||df/dx|| rises tenfold in about 75 iterations and the samples turn to stripes; the rings config
// with data noise 0.01 broke the same way at 30,000 iterations. The check compares the median of
// the last `window` iterations' ||df/dx|| with the median of the `horizon` iterations before them
// and fires when the ratio reaches train.divergence_grad_jump (J). A slower climb, the kind a run
// rewound with a smaller learning rate makes (||df/dx|| about 1,000 -> 2e5 over 8,000 iterations,
// no 200 of them fourfold), is caught by a second comparison: with the `horizon` iterations that
// ended `long_lag` iterations before the recent window, at J squared. Healthy runs measured here
// stay below 2 and 7.3 on the two (docs/stabilisers.md); the warm-up (the first `warmup` iterations
// are never a reference) skips the fiftyfold rise of an untrained energy. After a resume the check
// starts afresh: the short comparison re-arms after window + horizon iterations, the long one
// after window + horizon + long_lag, and the reference is taken after the resume. A rewind forgets the iterations after the
// point it goes back to, keeps judging against the ones before it, and waits for a recent window of
// fresh iterations (a checkpoint written as a collapse began leaves raised values just before it,
// and they alone must not fire again).
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <utility>

namespace srm {

struct GradientJumpWindows {
  int64_t window = 20;    // the recent iterations whose median is compared
  int64_t horizon = 200;  // the iterations before them, whose median is the reference
  int64_t long_lag = 2000;  // the slow comparison's reference ends this long before the window
  int64_t warmup = 100;   // iterations 1..warmup never serve as the reference
  int64_t kept = 2220;    // iterations remembered (>= window + horizon + long_lag): a rewind that
                          // goes back r iterations leaves kept - r of them, so both comparisons
                          // stay armed when kept >= window + horizon + long_lag + r
};

class GradientJumpCheck {
 public:
  // jump: the ratio that counts as a collapse (0 = off; otherwise > 1).
  explicit GradientJumpCheck(double jump, GradientJumpWindows windows = {});

  // Records iteration's mean ||df/dx|| (iterations increase by one; a gap or a repeat starts the
  // history afresh) and returns what collapsed ("" when nothing did).
  std::string observe(int64_t iteration, double chain_grad_norm);

  // Forgets the iterations after `iteration` (a rewind goes back to it); the recent window is
  // then taken from the iterations after it only.
  void forget_after(int64_t iteration);

 private:
  double jump_;
  GradientJumpWindows windows_;
  std::deque<std::pair<int64_t, double>> history_;  // (iteration, ||df/dx||), the newest last
  int64_t fresh_from_ = 0;  // the recent window starts at this iteration or later (rewinds)
};

}  // namespace srm
