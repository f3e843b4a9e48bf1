// The Metropolis-adjusted samplers against exact answers: MALA and HMC leave a known target
// invariant (a correlated Gaussian, where unadjusted Langevin at the same step visibly does not,
// and a two-mode mixture), acceptance rises toward 1 as the step shrinks, HMC with one leapfrog
// step is MALA with s = eps^2 / 2 and n = eps, and the acceptance uses the density of the proposal
// actually drawn (a hand computation). Also: contrastive divergence with K = 0 and the per-chain
// gradient clipping of the unadjusted sampler.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "config/config_loader.h"
#include "sampler/langevin.h"
#include "sampler/metropolis.h"
#include "trainer/train_step.h"
#include "unit/test_energies.h"
#include "util/random.h"

namespace srm {
namespace {

// f(x) = -(x - mu)^T P (x - mu) / 2: the Gaussian N(mu, P^-1).
class GaussianEnergy : public EnergyNet {
 public:
  GaussianEnergy(torch::Tensor mu, torch::Tensor precision) : mu_(std::move(mu)), precision_(std::move(precision)) {}
  torch::Tensor forward(const torch::Tensor& x) override {
    const auto d = x - mu_;
    return -0.5 * (d.matmul(precision_) * d).sum(1);
  }
  torch::Tensor mu_, precision_;
};

// f(x) = log(exp(-|x - m1|^2 / 2) + exp(-|x - m2|^2 / 2)): an equal mixture of two unit Gaussians.
class MixtureEnergy : public EnergyNet {
 public:
  MixtureEnergy(torch::Tensor m1, torch::Tensor m2) : m1_(std::move(m1)), m2_(std::move(m2)) {}
  torch::Tensor forward(const torch::Tensor& x) override {
    return torch::logsumexp(torch::stack({-0.5 * (x - m1_).pow(2).sum(1), -0.5 * (x - m2_).pow(2).sum(1)}), 0);
  }
  torch::Tensor m1_, m2_;
};

const torch::Tensor kCovariance = torch::tensor({{1.0f, 0.8f}, {0.8f, 1.0f}});  // eigenvalues 1.8 and 0.2
const torch::Tensor kMean = torch::tensor({0.5f, -1.0f});

GaussianEnergy correlated_gaussian() { return GaussianEnergy(kMean, torch::inverse(kCovariance)); }

torch::Tensor gaussian_draws(int64_t n, uint64_t seed) {
  torch::manual_seed(seed);
  return kMean + torch::randn({n, 2}).matmul(torch::linalg_cholesky(kCovariance).t());
}

LangevinSettings mala(double s, double n, int64_t steps) {
  LangevinSettings settings{steps, s, n, std::nullopt};
  settings.correction = Correction::Mala;
  return settings;
}

LangevinSettings hmc(double eps, int64_t leapfrog, int64_t steps) {
  LangevinSettings settings{steps, eps, 0.0, std::nullopt};
  settings.correction = Correction::Hmc;
  settings.leapfrog = leapfrog;
  return settings;
}

ChainResult run(EnergyNet& energy, const LangevinSettings& settings, const torch::Tensor& x0, uint64_t seed) {
  NoiseStream noise(make_generator(torch::kCPU, seed));
  return LangevinSampler(settings).run(energy, x0, noise);
}

// Variances along the covariance's eigenvectors (0.2 and 1.8) and their covariance (0).
struct Projected {
  double small, large, cross;
};
Projected projected(const torch::Tensor& x) {
  const auto d = (x - x.mean(0)).to(torch::kDouble);
  const auto u = torch::tensor({1.0, -1.0}, torch::kDouble) / std::sqrt(2.0);
  const auto v = torch::tensor({1.0, 1.0}, torch::kDouble) / std::sqrt(2.0);
  const auto a = d.matmul(u), b = d.matmul(v);
  return {a.pow(2).mean().item<double>(), b.pow(2).mean().item<double>(), (a * b).mean().item<double>()};
}

// 4,000 independent chains started at exact draws stay exact draws under an invariant kernel:
// tolerances are about 4 standard errors of N = 4,000 (mean 0.021 along the wide axis; the
// variances 0.2 and 1.8 have 0.0045 and 0.040; their covariance 0.0095).
void expect_gaussian(const torch::Tensor& x, const std::string& what) {
  const auto mean = x.mean(0);
  EXPECT_NEAR(mean[0].item<double>(), 0.5, 0.09) << what;
  EXPECT_NEAR(mean[1].item<double>(), -1.0, 0.09) << what;
  const Projected p = projected(x);
  EXPECT_NEAR(p.small, 0.2, 0.018) << what;
  EXPECT_NEAR(p.large, 1.8, 0.16) << what;
  EXPECT_NEAR(p.cross, 0.0, 0.04) << what;
}

TEST(Metropolis, MalaAndHmcLeaveACorrelatedGaussianInvariant) {
  GaussianEnergy f = correlated_gaussian();
  const auto x0 = gaussian_draws(4000, 1);
  expect_gaussian(x0, "the start");
  const double s = 0.1;
  const ChainResult m = run(f, mala(s, std::sqrt(2 * s), 60), x0, 2);
  expect_gaussian(m.samples, "MALA");
  EXPECT_GT(m.accept_rate.item<double>(), 0.5);
  EXPECT_LT(m.accept_rate.item<double>(), 1.0);
  const ChainResult h = run(f, hmc(0.15, 5, 30), x0, 3);
  expect_gaussian(h.samples, "HMC");
  EXPECT_GT(h.accept_rate.item<double>(), 0.5);
  // The same Langevin step without the correction inflates the narrow axis to
  // 0.2 / (1 - s / (2 * 0.2)) = 0.267: the test can tell a biased kernel.
  const ChainResult ula = run(f, {60, s, std::sqrt(2 * s), std::nullopt}, x0, 2);
  EXPECT_GT(projected(ula.samples).small, 0.24);
  EXPECT_EQ(ula.accept_rate.item<double>(), 1.0);
}

TEST(Metropolis, MalaAndHmcLeaveATwoModeMixtureInvariant) {
  MixtureEnergy f(torch::tensor({-2.0f, 0.0f}), torch::tensor({2.0f, 0.0f}));
  torch::manual_seed(4);
  const int64_t n = 4000;
  const auto side = torch::randint(0, 2, {n, 1}).to(torch::kFloat) * 4 - 2;
  const auto x0 = torch::cat({side, torch::zeros({n, 1})}, 1) + torch::randn({n, 2});
  for (const auto& [name, settings] :
       std::vector<std::pair<std::string, LangevinSettings>>{{"MALA", mala(0.2, std::sqrt(0.4), 50)},
                                                             {"HMC", hmc(0.3, 5, 25)}}) {
    const auto x = run(f, settings, x0, 5).samples.to(torch::kDouble);
    // Mean 0; variances 5 (= 4 + 1) and 1; standard errors at N = 4,000: 0.035, 0.067, 0.022.
    const auto mean = x.mean(0);
    EXPECT_NEAR(mean[0].item<double>(), 0.0, 0.15) << name;
    EXPECT_NEAR(mean[1].item<double>(), 0.0, 0.07) << name;
    const auto var = x.var(0);
    EXPECT_NEAR(var[0].item<double>(), 5.0, 0.3) << name;
    EXPECT_NEAR(var[1].item<double>(), 1.0, 0.09) << name;
    EXPECT_NEAR((x.select(1, 0) > 0).to(torch::kDouble).mean().item<double>(), 0.5, 0.04) << name;
  }
}

TEST(Metropolis, AcceptanceRisesAsTheStepShrinks) {
  GaussianEnergy f = correlated_gaussian();
  const auto x0 = gaussian_draws(2000, 6);
  double previous = 0;
  for (const double s : {0.5, 0.1, 0.01, 0.001}) {
    const double rate = run(f, mala(s, std::sqrt(2 * s), 10), x0, 7).accept_rate.item<double>();
    EXPECT_GT(rate, previous) << "MALA s = " << s;
    previous = rate;
  }
  EXPECT_GT(previous, 0.99);
  previous = 0;
  for (const double eps : {0.6, 0.2, 0.05, 0.01}) {
    const double rate = run(f, hmc(eps, 5, 10), x0, 8).accept_rate.item<double>();
    EXPECT_GT(rate, previous) << "HMC eps = " << eps;
    previous = rate;
  }
  EXPECT_GT(previous, 0.99);
}

TEST(Metropolis, HmcWithOneLeapfrogStepIsMala) {
  GaussianEnergy f = correlated_gaussian();
  const auto x0 = gaussian_draws(500, 9) * 1.5;  // off the target, so that some proposals are rejected
  const double eps = 0.4;
  const ChainResult h = run(f, hmc(eps, 1, 20), x0, 10);
  const ChainResult m = run(f, mala(eps * eps / 2, eps, 20), x0, 10);  // the same draws: normal, then uniform
  EXPECT_TRUE(torch::allclose(h.samples, m.samples, 1e-5, 1e-5)) << (h.samples - m.samples).abs().max();
  EXPECT_NEAR(h.accept_rate.item<double>(), m.accept_rate.item<double>(), 1e-12);
  EXPECT_LT(m.accept_rate.item<double>(), 0.99);
}

TEST(Metropolis, AcceptanceUsesTheDensityOfTheProposalDrawn) {
  GaussianEnergy f = correlated_gaussian();
  const auto precision = torch::inverse(kCovariance).to(torch::kDouble);
  const auto mu = kMean.to(torch::kDouble);
  const auto energy = [&](const torch::Tensor& x) { return (-0.5 * (x - mu).matmul(precision).dot(x - mu)).item<double>(); };
  const auto gradient = [&](const torch::Tensor& x) { return -precision.matmul(x - mu); };
  const double s = 0.3, n = 0.2;  // not the Langevin pairing: the two proposal densities differ
  int accepted = 0, rejected = 0;
  for (uint64_t seed = 1; seed <= 30; ++seed) {
    const auto x0 = torch::tensor({{1.2f, 0.3f}});
    const ChainResult one = run(f, mala(s, n, 1), x0, seed);
    // By hand, in double, from the same draws: xi ~ N(0, I), then u ~ U[0, 1).
    NoiseStream replay(make_generator(torch::kCPU, seed));
    const auto xi = replay.normal(1, {2}, torch::kFloat)[0].to(torch::kDouble);
    const double u = (replay.uniform(1, {}, torch::kFloat)[0].item<double>() + 1) / 2;
    const auto x = x0[0].to(torch::kDouble);
    const auto y = x + s * gradient(x) + n * xi;
    const double log_q_forward = -(y - x - s * gradient(x)).pow(2).sum().item<double>() / (2 * n * n);
    const double log_q_backward = -(x - y - s * gradient(y)).pow(2).sum().item<double>() / (2 * n * n);
    const double log_alpha = energy(y) - energy(x) + log_q_backward - log_q_forward;
    const auto fx = f.forward(x0), fy = f.forward(y.to(torch::kFloat).unsqueeze(0));
    const auto gx = gradient(x).to(torch::kFloat).unsqueeze(0), gy = gradient(y).to(torch::kFloat).unsqueeze(0);
    EXPECT_NEAR(mala_log_acceptance(x0, fx, gx, y.to(torch::kFloat).unsqueeze(0), fy, gy, s, n).item<double>(),
                log_alpha, 1e-4 * std::max(1.0, std::fabs(log_alpha)));
    const bool accept = std::log(u) < log_alpha;
    (accept ? accepted : rejected)++;
    EXPECT_TRUE(torch::allclose(one.samples[0].to(torch::kDouble), accept ? y : x, 0, 1e-5)) << "seed " << seed;
  }
  EXPECT_GT(accepted, 0);
  EXPECT_GT(rejected, 0);
}

TEST(ContrastiveDivergence, KZeroStartsAndEndsAtTheDataWithAZeroGradient) {
  test::LinearEnergy f(torch::tensor({0.3f, -0.2f}));
  torch::optim::SGD sgd(f.parameters(), torch::optim::SGDOptions(0.0));
  TrainStep step(f, sgd, LangevinSampler({0, 1.0, 0.01, std::nullopt}), {InitKind::Data});
  const auto observed = torch::tensor({{0.5f, 0.1f}, {-0.2f, 0.4f}, {0.0f, 0.9f}});
  NoiseStream noise(make_generator(torch::kCPU, 3));
  const StepResult r = step.run(observed, 0.1, noise);
  NoiseStream replay(make_generator(torch::kCPU, 3));
  const auto x_pos = observed + 0.1 * replay.normal(3, {2}, torch::kFloat);
  EXPECT_TRUE(torch::equal(r.samples, x_pos));  // x- = x+: the noised data batch
  EXPECT_EQ(r.stats[kLoss].item<double>(), 0.0);
  EXPECT_LT(f.w_.grad().abs().max().item<double>(), 1e-7);  // mean x- - mean x+, summed in two orders
  EXPECT_EQ(f.b_.grad().item<double>(), 0.0);
}

TEST(ChainGradClip, ClipsEachChainsGradientToTheBound) {
  const auto grad = torch::tensor({{3.0f, 4.0f}, {0.3f, 0.4f}});
  const auto clipped = clip_per_example(grad, 1.0);
  EXPECT_TRUE(torch::allclose(clipped, torch::tensor({{0.6f, 0.8f}, {0.3f, 0.4f}}), 0, 1e-7));
  // Langevin on a linear energy (df/dx = w everywhere): x_K = x0 + K s w * min(1, c / |w|).
  test::LinearEnergy f(torch::tensor({3.0f, 4.0f}));
  LangevinSettings settings{4, 0.5, 0.0, std::nullopt};
  settings.grad_clip = 2.0;
  const auto x0 = torch::zeros({2, 2});
  const ChainResult r = run(f, settings, x0, 1);
  EXPECT_TRUE(torch::allclose(r.samples, torch::tensor({2.4f, 3.2f}).expand({2, 2}), 0, 1e-6)) << r.samples;
  EXPECT_NEAR(r.mean_grad_norm.item<double>(), 5.0, 1e-6);  // measured before clipping
}

TEST(ChainClamp, KeepsEveryCoordinateInTheRangeAfterEachStep) {
  // Linear energy, df/dx = (3, -4): unclamped, 4 steps of 0.5 move x0 = (0.5, 0) to (6.5, -8).
  // Clamped to [-1, 1] after every step the chain sits on the corner (1, -1) from the first step
  // on, and AniLA's steps are clamped the same way.
  test::LinearEnergy f(torch::tensor({3.0f, -4.0f}));
  LangevinSettings settings{4, 0.5, 0.0, std::nullopt};
  const auto x0 = torch::tensor({{0.5f, 0.0f}, {-0.2f, 0.3f}});
  EXPECT_TRUE(torch::allclose(run(f, settings, x0, 1).samples, torch::tensor({6.5f, -8.0f}).expand({2, 2}) +
                                                                   torch::tensor({{0.0f, 0.0f}, {-0.7f, 0.3f}})));
  settings.clamp = 1.0;
  EXPECT_TRUE(torch::equal(run(f, settings, x0, 1).samples, torch::tensor({1.0f, -1.0f}).expand({2, 2})));
  settings.noise = 2.0;  // the clamp comes after the noise: steps of (1.5, -2) + N(0, 4 I) stay inside
  const auto noisy = run(f, settings, x0.repeat({32, 1}), 2).samples;
  EXPECT_LE(noisy.abs().max().item<float>(), 1.0f);
  EXPECT_GT((noisy.abs() < 1.0f).sum().item<int64_t>(), 0);  // the noise moved some off the corner (P ~ 0.2)
  settings.noise = 0;
  settings.steps = 1;
  settings.step_size = 0.1;  // one step: (0.5, 0) -> (0.8, -0.4) inside, (-0.2, 0.3) -> (0.1, -0.1)
  EXPECT_TRUE(torch::allclose(run(f, settings, x0, 1).samples, torch::tensor({{0.8f, -0.4f}, {0.1f, -0.1f}}), 0,
                              1e-6));
  settings.steps = 4;
  settings.step_size = 0.5;
  settings.anila = AnilaSettings{1e6, AnilaGranularity::Coordinate, AnilaScaling::DriftAndNoise};  // gamma = 1
  EXPECT_TRUE(torch::equal(run(f, settings, x0, 1).samples, torch::tensor({1.0f, -1.0f}).expand({2, 2})));
  // The noise-free differentiable step (reconstruction's backpropagation) clamps as well.
  settings.anila.reset();
  const auto step = differentiable_drift_step(f, x0.clone().requires_grad_(true), settings);  // one step of 0.5
  EXPECT_TRUE(torch::equal(step.detach(), torch::tensor({1.0f, -1.0f}).expand({2, 2})));
}

TEST(SamplerConfig, RefusesCombinationsWithoutAMeaning) {
  const auto refused = [](const std::vector<std::string>& sets, const std::string& expected) {
    try {
      load_config("", sets);
      ADD_FAILURE() << "accepted: " << sets.front();
    } catch (const ConfigError& e) {
      EXPECT_NE(std::string(e.what()).find(expected), std::string::npos) << e.what();
    }
  };
  refused({"sampler.method=mala", "sampler.noise=0"}, "sampler.noise = 0 is not allowed with sampler.method = \"mala\"");
  refused({"sampler.method=hmc", "sampler.grad_clip=1"}, "the Metropolis correction needs the true gradient");
  refused({"sampler.method=mala", "sampler.clamp=1"}, "sampler.clamp = 1 is not allowed with sampler.method = \"mala\"");
  refused({"sampler.clamp=-1"}, "sampler.clamp");
  refused({"sampler.init=data", "eval.every=10", "data.dataset=fashion_mnist"}, "eval.every > 0 is not allowed");
  EXPECT_NO_THROW(load_config("", {"sampler.method=hmc", "sampler.hmc_leapfrog=3", "sampler.noise=0"}));
}

}  // namespace
}  // namespace srm
