// Short-run Langevin: with zero noise it is exactly gradient ascent on f; parameters' grads
// are never touched; the noise has the stated scale; p0 draws have the right support.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "model/conv_energy.h"
#include "sampler/initial_distribution.h"
#include "sampler/langevin.h"
#include "unit/test_energies.h"
#include "util/random.h"

namespace srm {
namespace {

TEST(Langevin, ZeroNoiseIsExactlyGradientAscentOnConvNet) {
  torch::manual_seed(3);
  ConvEnergy net(test::conv_options(1, 16, 4));
  NoiseStream gen(make_generator(torch::kCPU, 7));
  const auto x0 = draw_initial({InitKind::Uniform}, 4, {1, 16, 16}, gen, torch::kFloat);
  const LangevinSampler sampler({5, 0.3, 0.0, std::nullopt});
  const auto result = sampler.run(net, x0, gen);

  // Independent gradient ascent: backward() on a fresh leaf each step.
  torch::Tensor x = x0.clone();
  double norm_sum = 0;
  for (int k = 0; k < 5; ++k) {
    auto leaf = x.detach().requires_grad_(true);
    net.forward(leaf).sum().backward();
    const auto g = leaf.grad();
    norm_sum += g.flatten(1).norm(2, {1}).mean().item<double>();
    x = x.detach();
    x.add_(g, 0.3);
    net.zero_grad();
  }
  EXPECT_TRUE(torch::equal(result.samples, x));
  EXPECT_NEAR(result.mean_grad_norm.item<double>(), norm_sum / 5, 1e-6 * norm_sum);
}

TEST(Langevin, LinearEnergyClosedForm) {
  const auto w = torch::tensor({0.5f, -2.0f});
  test::LinearEnergy f(w);
  NoiseStream gen(make_generator(torch::kCPU, 1));
  const auto x0 = torch::tensor({{0.1f, 0.2f}, {-0.3f, 0.4f}});
  const auto result = LangevinSampler({10, 0.25, 0.0, std::nullopt}).run(f, x0, gen);
  // x_K = x_0 + K * s * w, and ||df/dx|| = ||w|| at every step.
  EXPECT_TRUE(torch::allclose(result.samples, x0 + 10 * 0.25 * w, 0, 1e-6));
  EXPECT_NEAR(result.mean_grad_norm.item<double>(), std::sqrt(0.25 + 4.0), 1e-6);
}

TEST(Langevin, NeverTouchesParameterGradients) {
  test::LinearEnergy f(torch::tensor({1.0f, 1.0f}));
  NoiseStream gen(make_generator(torch::kCPU, 1));
  LangevinSampler({3, 1.0, 0.1, std::nullopt}).run(f, torch::zeros({4, 2}), gen);
  for (const auto& p : f.parameters()) EXPECT_FALSE(p.grad().defined());
}

TEST(Langevin, NoiseHasTheStatedScale) {
  // Flat energy (w = 0): x_K - x_0 is a sum of K Gaussians of std `noise`: variance K*noise^2.
  test::LinearEnergy f(torch::zeros({2}));
  NoiseStream gen(make_generator(torch::kCPU, 5));
  const int64_t n = 20000, k = 4;
  const double noise = 0.1;
  const auto x0 = torch::zeros({n, 2});
  const auto result = LangevinSampler({k, 1.0, noise, std::nullopt}).run(f, x0, gen);
  const double var = result.samples.var().item<double>();
  // Relative standard error of a variance from 40000 normals is sqrt(2/40000) ~ 0.7%.
  EXPECT_NEAR(var, k * noise * noise, 0.04 * k * noise * noise);
}

TEST(Langevin, SameSeedSameChains) {
  test::LinearEnergy f(torch::tensor({0.3f, 0.1f}));
  NoiseStream g1(make_generator(torch::kCPU, 9)), g2(make_generator(torch::kCPU, 9));
  const auto x0 = torch::zeros({8, 2});
  EXPECT_TRUE(torch::equal(LangevinSampler({5, 1.0, 0.2, std::nullopt}).run(f, x0, g1).samples,
                           LangevinSampler({5, 1.0, 0.2, std::nullopt}).run(f, x0, g2).samples));
}

TEST(InitialDistribution, UniformSupportAndGaussianMoments) {
  NoiseStream gen(make_generator(torch::kCPU, 11));
  const auto u = draw_initial({InitKind::Uniform}, 10000, {3}, gen, torch::kFloat);
  EXPECT_EQ(u.sizes(), torch::IntArrayRef({10000, 3}));
  EXPECT_GE(u.min().item<float>(), -1.0f);
  EXPECT_LE(u.max().item<float>(), 1.0f);
  EXPECT_NEAR(u.var().item<double>(), 1.0 / 3.0, 0.02);  // var of U[-1,1]
  const auto g = draw_initial({InitKind::Gaussian}, 10000, {3}, gen, torch::kFloat);
  EXPECT_NEAR(g.mean().item<double>(), 0.0, 0.03);
  EXPECT_NEAR(g.std().item<double>(), 1.0, 0.03);
  EXPECT_THROW(parse_init_kind("laplace"), std::invalid_argument);
}

TEST(InitialDistribution, InitScaleStretchesBothNoiseKindsAndDataStartsFallBackToUniform) {
  SamplerConfig sampler;
  sampler.init = "gaussian";
  sampler.init_scale = 0.42;
  NoiseStream gen(make_generator(torch::kCPU, 12));
  const auto g = draw_initial(initial_distribution(sampler), 20000, {2}, gen, torch::kFloat);
  EXPECT_NEAR(g.std().item<double>(), 0.42, 0.01);
  sampler.init = "uniform";
  sampler.init_scale = 0.5;
  const auto u = draw_initial(initial_distribution(sampler), 20000, {2}, gen, torch::kFloat);
  EXPECT_GE(u.min().item<float>(), -0.5f);
  EXPECT_LE(u.max().item<float>(), 0.5f);
  EXPECT_GT(u.abs().max().item<float>(), 0.49f);
  sampler.init = "data";  // fresh chains outside training start at the uniform p0 of that scale
  const InitialDistribution fresh = noise_initial_distribution(sampler);
  EXPECT_EQ(fresh.kind, InitKind::Uniform);
  EXPECT_EQ(fresh.scale, 0.5);
  EXPECT_THROW(draw_initial(initial_distribution(sampler), 1, {2}, gen, torch::kFloat), std::invalid_argument);
}

TEST(NoiseStream, GlobalSlicesConcatenateToTheOneRankDraws) {
  // Three ranks with shards 4, 3, 3 of a global batch of 10 draw exactly the rows the single
  // rank draws, draw after draw.
  NoiseStream whole(make_generator(torch::kCPU, 21), 10, 0);
  std::vector<NoiseStream> parts;
  const int64_t offsets[] = {0, 4, 7}, counts[] = {4, 3, 3};
  for (int r = 0; r < 3; ++r) parts.emplace_back(make_generator(torch::kCPU, 21), 10, offsets[r]);
  for (int draw = 0; draw < 3; ++draw) {
    const auto all = draw == 1 ? whole.uniform(10, {2}, torch::kFloat) : whole.normal(10, {2}, torch::kFloat);
    std::vector<torch::Tensor> pieces;
    for (int r = 0; r < 3; ++r)
      pieces.push_back(draw == 1 ? parts[r].uniform(counts[r], {2}, torch::kFloat)
                                 : parts[r].normal(counts[r], {2}, torch::kFloat));
    EXPECT_TRUE(torch::equal(torch::cat(pieces), all)) << "draw " << draw;
  }
  // A global stream of one rank draws what the per-rank stream with the same seed draws.
  NoiseStream local(make_generator(torch::kCPU, 21));
  NoiseStream global(make_generator(torch::kCPU, 21), 5, 0);
  EXPECT_TRUE(torch::equal(local.normal(5, {3}, torch::kFloat), global.normal(5, {3}, torch::kFloat)));
}

}  // namespace
}  // namespace srm
