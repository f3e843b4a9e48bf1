// One iteration of Algorithm 1 against values computed independently: for a linear energy
// the samples, the moment-matching gradient and Adam's first step all have closed forms.
// Also: annealing values, and the divergence check stopping a run with its message.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "comm/single_process_communicator.h"
#include "config/config.h"
#include "data/toy_2d.h"
#include "trainer/divergence.h"
#include "trainer/schedule.h"
#include "trainer/train_step.h"
#include "trainer/trainer.h"
#include "unit/test_energies.h"
#include "util/random.h"

namespace srm {
namespace {

TEST(TrainStep, LinearEnergyMatchesClosedForm) {
  const auto w0 = torch::tensor({0.3f, -0.2f});
  test::LinearEnergy f(w0.clone());
  const double lr = 0.01, step = 0.5;
  const int64_t k = 3;
  torch::optim::Adam adam(f.parameters(), torch::optim::AdamOptions(lr).betas({0.9, 0.999}));
  TrainStep train_step(f, adam, LangevinSampler({k, step, 0.0, std::nullopt}), InitKind::Uniform);
  const auto observed = torch::tensor({{0.5f, 0.1f}, {-0.2f, 0.4f}, {0.0f, 0.9f}, {0.7f, -0.6f}});
  NoiseStream gen(make_generator(torch::kCPU, 123));
  const StepResult result = train_step.run(observed, 0.0, gen);

  // Independently: x0 from the same stream, x- = x0 + K s w0.
  NoiseStream replay(make_generator(torch::kCPU, 123));
  const auto x0 = draw_initial({InitKind::Uniform}, 4, {2}, replay, torch::kFloat);
  const auto x_neg = x0 + k * step * w0;
  EXPECT_TRUE(torch::allclose(result.samples, x_neg, 0, 1e-6));
  // d loss / d w = mean(x-) - mean(x+); d loss / d b = 0.
  const auto g = x_neg.mean(0) - observed.mean(0);
  // Adam's first step: m_hat = g, v_hat = g^2  =>  w1 = w0 - lr * g / (|g| + eps).
  const auto w1 = w0 - lr * g / (g.abs() + 1e-8);
  EXPECT_TRUE(torch::allclose(f.w_, w1, 0, 1e-6)) << f.w_ << w1;
  EXPECT_NEAR(f.b_.item<double>(), 0.0, 1e-12);
  const auto stats = result.stats;
  const double f_pos = observed.matmul(w0).mean().item<double>();
  const double f_neg = x_neg.matmul(w0).mean().item<double>();
  EXPECT_NEAR(stats[0].item<double>(), f_neg - f_pos, 1e-6);
  EXPECT_NEAR(stats[1].item<double>(), f_pos, 1e-6);
  EXPECT_NEAR(stats[2].item<double>(), f_neg, 1e-6);
  EXPECT_NEAR(stats[3].item<double>(), w0.norm().item<double>(), 1e-6);
  EXPECT_NEAR(stats[kParamGradNorm].item<double>(), g.norm().item<double>(), 1e-6);
  EXPECT_EQ(stats[kGradClipped].item<double>(), 0.0);
}

TEST(TrainStep, GradientHookSeesGradientsBeforeTheStep) {
  test::LinearEnergy f(torch::tensor({0.3f, -0.2f}));
  torch::optim::Adam adam(f.parameters(), torch::optim::AdamOptions(0.1));
  int calls = 0;
  TrainStep train_step(f, adam, LangevinSampler({1, 1.0, 0.0, std::nullopt}), InitKind::Uniform,
                       [&](std::vector<at::Tensor>& params, at::Tensor& stats) {
                         ++calls;
                         EXPECT_EQ(stats.numel(), kParamGradNorm);
                         for (auto& p : params) p.grad().zero_();  // a hook that cancels the update
                       });
  NoiseStream gen(make_generator(torch::kCPU, 1));
  const auto before = f.w_.clone();
  train_step.run(torch::rand({4, 2}), 0.0, gen);
  EXPECT_EQ(calls, 1);
  EXPECT_TRUE(torch::equal(f.w_, before));
}

TEST(Schedule, ConstantThenLinearToFinal) {
  TrainConfig t;
  t.iterations = 101;
  t.lr = 1e-3;
  t.lr_final = 1e-4;
  t.data_noise = 0.1;
  t.data_noise_final = 0.0;
  t.anneal_start = 0.5;  // from iteration 50.5 on
  EXPECT_DOUBLE_EQ(annealed_at(t, 0).lr, 1e-3);
  EXPECT_DOUBLE_EQ(annealed_at(t, 50).lr, 1e-3);
  EXPECT_NEAR(annealed_at(t, 100).lr, 1e-4, 1e-15);
  EXPECT_NEAR(annealed_at(t, 100).data_noise, 0.0, 1e-15);
  // Halfway through the anneal (iteration 75.25) the values are halfway.
  const auto mid = annealed_at(t, 75);
  EXPECT_NEAR(mid.data_noise, 0.1 * (1 - (75 - 50.5) / (100 - 50.5)), 1e-12);
  t.anneal_start = 1.0;
  EXPECT_DOUBLE_EQ(annealed_at(t, 100).lr, 1e-3);  // never anneals
}

TEST(Divergence, MessageSaysWhatAndWhen) {
  IterationMetrics m;
  m.iteration = 17;
  m.energy_samples = std::numeric_limits<double>::infinity();
  try {
    check_finite(m);
    FAIL();
  } catch (const TrainingDiverged& e) {
    EXPECT_NE(std::string(e.what()).find("training diverged at iteration 17: the mean energy of the "
                                         "short-run samples f(x-) is inf"), std::string::npos)
        << e.what();
  }
  m.energy_samples = 0;
  EXPECT_NO_THROW(check_finite(m));
}

TEST(Trainer, NanEnergyStopsTheRunAtIterationOne) {
  Config c;
  c.train.iterations = 5;
  c.train.batch_size = 8;
  c.sampler.steps = 2;
  Toy2d data(ToyKind::Rings, 64, 0.01, 1);
  SingleProcessCommunicator comm;
  Trainer trainer(c, data, std::make_shared<test::NanEnergy>(), torch::kCPU, comm, nullptr, nullptr);
  try {
    trainer.run();
    FAIL();
  } catch (const TrainingDiverged& e) {
    EXPECT_NE(std::string(e.what()).find("at iteration 1:"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace srm
