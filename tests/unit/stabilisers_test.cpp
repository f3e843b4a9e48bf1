// The stabiliser options against exact values: the energy-magnitude penalty's gradient and the
// gradient clipping on a linear energy (closed forms), the EMA update, the warm-up composed with
// the anneal, and the divergence bounds beyond NaN.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "model/mlp_energy.h"
#include "trainer/divergence.h"
#include "trainer/schedule.h"
#include "trainer/train_step.h"
#include "trainer/weight_average.h"
#include "unit/test_energies.h"
#include "util/random.h"

namespace srm {
namespace {

// One step with K = 0 (x- = x0 from p0) and no data noise, with SGD at lr 0 so that the
// gradients the step leaves can be read; returns the stats and x-.
StepResult step_with(test::LinearEnergy& f, StepOptions options, const torch::Tensor& observed) {
  torch::optim::SGD sgd(f.parameters(), torch::optim::SGDOptions(0.0));
  TrainStep step(f, sgd, LangevinSampler({0, 1.0, 0.0, std::nullopt}), {InitKind::Uniform}, {}, options);
  NoiseStream noise(make_generator(torch::kCPU, 5));
  return step.run(observed, 0.0, noise);
}

const torch::Tensor kObserved = torch::tensor({{0.5f, 0.1f}, {-0.2f, 0.4f}, {0.0f, 0.9f}, {0.7f, -0.6f}});

TEST(EnergyL2, GradientMatchesClosedForm) {
  const auto w0 = torch::tensor({0.3f, -0.2f});
  test::LinearEnergy f(w0.clone());
  f.b_.data().fill_(0.25);
  const double alpha = 0.7;
  const StepResult r = step_with(f, {alpha, 0}, kObserved);
  const auto& x_pos = kObserved;
  const auto& x_neg = r.samples;
  const auto f_pos = x_pos.matmul(w0) + 0.25, f_neg = x_neg.matmul(w0) + 0.25;
  // loss = mean f- - mean f+ + alpha (mean f+^2 + mean f-^2):
  //   d/dw = mean x- - mean x+ + 2 alpha (mean f+ x+ + mean f- x-),  d/db = 2 alpha (mean f+ + mean f-).
  const auto grad_w = x_neg.mean(0) - x_pos.mean(0) +
                      2 * alpha * ((f_pos.unsqueeze(1) * x_pos).mean(0) + (f_neg.unsqueeze(1) * x_neg).mean(0));
  const double grad_b = 2 * alpha * (f_pos.mean() + f_neg.mean()).item<double>();
  EXPECT_TRUE(torch::allclose(f.w_.grad(), grad_w, 0, 1e-6)) << f.w_.grad() << grad_w;
  EXPECT_NEAR(f.b_.grad().item<double>(), grad_b, 1e-6);
  const double loss = (f_neg.mean() - f_pos.mean() + alpha * (f_pos.pow(2).mean() + f_neg.pow(2).mean())).item<double>();
  EXPECT_NEAR(r.stats[kLoss].item<double>(), loss, 1e-6);
  // Without the penalty, b gets no gradient at all (the moment-matching loss ignores a constant).
  test::LinearEnergy plain(w0.clone());
  step_with(plain, {0, 0}, kObserved);
  EXPECT_EQ(plain.b_.grad().item<double>(), 0.0);
}

TEST(GradClip, ScalesToTheBoundAndReportsIt) {
  const auto w0 = torch::tensor({0.3f, -0.2f});
  test::LinearEnergy unclipped(w0.clone());
  const StepResult free = step_with(unclipped, {0, 0}, kObserved);
  const auto g = unclipped.w_.grad().clone();  // d/db = 0
  const double norm = g.norm().item<double>();
  ASSERT_GT(norm, 0.05);
  test::LinearEnergy clipped(w0.clone());
  const double bound = norm / 4;
  const StepResult r = step_with(clipped, {0, bound}, kObserved);
  EXPECT_TRUE(torch::allclose(clipped.w_.grad(), g * (bound / norm), 1e-6, 0));
  EXPECT_NEAR(clipped.w_.grad().norm().item<double>(), bound, 1e-6 * bound);
  EXPECT_NEAR(r.stats[kParamGradNorm].item<double>(), norm, 1e-6);  // reported before clipping
  EXPECT_EQ(r.stats[kGradClipped].item<double>(), 1.0);
  EXPECT_EQ(free.stats[kGradClipped].item<double>(), 0.0);
  // A bound above the norm leaves the gradient exactly as it is.
  test::LinearEnergy loose(w0.clone());
  const StepResult l = step_with(loose, {0, norm * 2}, kObserved);
  EXPECT_TRUE(torch::equal(loose.w_.grad(), g));
  EXPECT_EQ(l.stats[kGradClipped].item<double>(), 0.0);
}

TEST(WeightAverage, UpdateIsTheExponentialAverage) {
  test::LinearEnergy f(torch::tensor({1.0f, -2.0f}));
  WeightAverage ema(f, 0.9);
  const auto p0 = f.w_.detach().clone();
  f.w_.data().copy_(torch::tensor({3.0f, 4.0f}));
  ema.update();
  EXPECT_TRUE(torch::allclose(ema.tensors()[0], torch::tensor({0.9f * 1 + 0.1f * 3, 0.9f * -2 + 0.1f * 4}), 0, 1e-6));
  f.w_.data().copy_(torch::tensor({0.0f, 0.0f}));
  ema.update();
  EXPECT_TRUE(torch::allclose(ema.tensors()[0], torch::tensor({0.9f * 1.2f, 0.9f * -1.4f}), 0, 1e-6));
  EXPECT_TRUE(torch::equal(ema.tensors()[1], torch::zeros({1})));  // b never moved
  // Swapping the average in and out restores the parameters bit for bit.
  f.w_.data().copy_(p0);
  {
    ParametersSwappedIn swapped(ema.targets(), ema.tensors());
    EXPECT_TRUE(torch::equal(f.w_, ema.tensors()[0]));
  }
  EXPECT_TRUE(torch::equal(f.w_, p0));
  // A checkpoint's copy loads back exactly; a wrong shape is refused.
  WeightAverage other(f, 0.9);
  other.load(ema.to_cpu());
  EXPECT_TRUE(torch::equal(other.tensors()[0], ema.tensors()[0]));
  EXPECT_THROW(other.load({{"w", torch::zeros({3})}, {"b", torch::zeros({1})}}), std::runtime_error);
}

// With spectral norm the average keeps its own u, v, refined on its own weights: once the
// average has settled, its sigma is its weights' largest singular value, not the model's.
TEST(WeightAverage, SpectralNormVectorsFollowTheAveragedWeights) {
  torch::manual_seed(8);
  MlpEnergyOptions o;
  o.hidden = 6;
  o.layers = 1;
  o.spectral_norm = true;
  MlpEnergy f(o);
  WeightAverage ema(f, 0.5);
  ASSERT_EQ(ema.tensors().size(), 4u + 4);  // 2 weights, 2 biases, a u and a v per weight
  {
    const torch::NoGradGuard no_grad;
    for (auto& p : f.parameters()) p.mul_(-3).add_(0.7);  // move the model far from its start
  }
  for (int i = 0; i < 80; ++i) ema.update();
  const auto named = ema.to_cpu();
  for (const auto& [name, tensor] : named) {
    if (name.size() < 7 || name.substr(name.size() - 7) != ".weight") continue;
    const auto find = [&named](const std::string& key) {
      for (const auto& [n, t] : named)
        if (n == key) return t;
      throw std::runtime_error("no " + key);
    };
    const auto u = find(name + "_u"), v = find(name + "_v");
    const double sigma = u.dot(tensor.reshape({tensor.size(0), -1}).mv(v)).item<double>();
    const double exact = torch::linalg_svdvals(tensor.reshape({tensor.size(0), -1}).to(torch::kDouble))[0].item<double>();
    EXPECT_NEAR(sigma, exact, 1e-4 * exact) << name;
  }
  // The model's own vectors were left alone (no power iteration ran on the model).
  EXPECT_FALSE(torch::equal(f.named_buffers()["net.0.weight_u"], named[4].second));
}

TEST(Schedule, WarmupComposesWithTheAnneal) {
  TrainConfig t;
  t.iterations = 101;
  t.lr = 1e-3;
  t.lr_final = 1e-4;
  t.anneal_start = 0.5;
  t.warmup = 10;
  EXPECT_DOUBLE_EQ(annealed_at(t, 0).lr, 1e-3 * 1 / 10);
  EXPECT_DOUBLE_EQ(annealed_at(t, 4).lr, 1e-3 * 5 / 10);
  EXPECT_DOUBLE_EQ(annealed_at(t, 9).lr, 1e-3);
  EXPECT_DOUBLE_EQ(annealed_at(t, 30).lr, 1e-3);
  // A warm-up reaching into the anneal multiplies the annealed rate.
  t.warmup = 80;
  const double annealed = 1e-3 + (1e-4 - 1e-3) * (60 - 50.5) / (100 - 50.5);
  EXPECT_NEAR(annealed_at(t, 60).lr, annealed * 61 / 80, 1e-18);
  EXPECT_NEAR(annealed_at(t, 100).lr, 1e-4, 1e-15);
}

TEST(Divergence, BoundsOnEnergiesAndSamplesBeyondNaN) {
  TrainConfig t;  // defaults: |f| <= 1e8, max |x-| <= 1e4 x max(1, data range)
  IterationMetrics m;
  m.iteration = 1150;
  m.samples_abs_max = 3.0;
  EXPECT_EQ(divergence_cause(m, 1.0, t), "");
  m.energy_samples = -7e16;
  EXPECT_NE(divergence_cause(m, 1.0, t).find("f(x-) is -7e+16, beyond train.divergence_energy = 1e+08"),
            std::string::npos) << divergence_cause(m, 1.0, t);
  t.divergence_energy = 0;  // off: only non-finite values
  EXPECT_EQ(divergence_cause(m, 1.0, t), "");
  m.samples_abs_max = 3e7;
  EXPECT_NE(divergence_cause(m, 1.0, t).find("|x-| = 3e+07"), std::string::npos);
  EXPECT_EQ(divergence_cause(m, 1e6, t), "");  // data whose range is that large
  m.samples_abs_max = 2e4;
  EXPECT_NE(divergence_cause(m, 0.001, t), "");  // the range counts as at least 1
  m.samples_abs_max = 258;                       // chains far out at initialisation: not yet divergence
  EXPECT_EQ(divergence_cause(m, 1.0, t), "");
  m.samples_abs_max = std::nan("");
  t.divergence_samples = 0;
  EXPECT_NE(divergence_cause(m, 1.0, t).find("is nan"), std::string::npos);
  const std::string message = divergence_error(m, "cause").what();
  EXPECT_NE(message.find("training diverged at iteration 1150: cause."), std::string::npos) << message;
}

}  // namespace
}  // namespace srm
