// AniLA's anisotropic step against hand-computed values: gamma = b / max(b, |df/dx|) for each
// granularity, and one sampler step of each scaling on a linear energy (df/dx = w everywhere).
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "config/config_loader.h"
#include "sampler/anisotropic_step.h"
#include "sampler/langevin.h"
#include "sampler/sampler_settings.h"
#include "unit/test_energies.h"
#include "util/random.h"

namespace srm {
namespace {

TEST(AnilaGamma, PerCoordinate) {
  // |g| = 3 -> 1/3; 0.5 <= b -> 1; 0 -> 1; 2 -> 1/2.
  const auto grad = torch::tensor({{3.0f, -0.5f}, {0.0f, 2.0f}});
  const auto gamma = anila_gamma(grad, {1.0, AnilaGranularity::Coordinate, AnilaScaling::DriftAndNoise});
  EXPECT_TRUE(torch::allclose(gamma, torch::tensor({{1.0f / 3, 1.0f}, {1.0f, 0.5f}}), 0, 1e-7)) << gamma;
}

TEST(AnilaGamma, PerPixelIsTheNormOverChannels) {
  // (B=1, C=2, H=1, W=2): pixel 0 has channels (3, 4) -> norm 5 -> 1/5; pixel 1 (0.3, 0.4) -> 0.5 -> 1.
  const auto grad = torch::tensor({3.0f, 0.3f, 4.0f, 0.4f}).view({1, 2, 1, 2});
  const auto gamma = anila_gamma(grad, {1.0, AnilaGranularity::Pixel, AnilaScaling::DriftAndNoise});
  ASSERT_EQ(gamma.sizes(), torch::IntArrayRef({1, 1, 1, 2}));
  EXPECT_TRUE(torch::allclose(gamma.flatten(), torch::tensor({0.2f, 1.0f}), 0, 1e-7)) << gamma;
  EXPECT_THROW(anila_gamma(torch::ones({2, 2}), {1.0, AnilaGranularity::Pixel, AnilaScaling::NoiseOnly}),
               std::invalid_argument);
}

TEST(AnilaGamma, PerSampleIsTheNormOverTheExample) {
  // b = 2: norms 5 -> 2/5, and 1 -> 1.
  const auto grad = torch::tensor({{3.0f, 4.0f}, {0.6f, 0.8f}});
  const auto gamma = anila_gamma(grad, {2.0, AnilaGranularity::Sample, AnilaScaling::DriftAndNoise});
  ASSERT_EQ(gamma.sizes(), torch::IntArrayRef({2, 1}));
  EXPECT_TRUE(torch::allclose(gamma.flatten(), torch::tensor({0.4f, 1.0f}), 0, 1e-7)) << gamma;
}

// One step from x0 on f(x) = w.x with w = (3, -0.5): the sampler against the update written out.
struct OneStep {
  torch::Tensor x1, expected;
};
OneStep one_step(AnilaScaling scaling) {
  const double s = 0.5, n = 0.1;
  test::LinearEnergy f(torch::tensor({3.0f, -0.5f}));
  LangevinSettings settings{1, s, n, AnilaSettings{1.0, AnilaGranularity::Coordinate, scaling}};
  const auto x0 = torch::tensor({{0.2f, -0.1f}, {0.0f, 0.4f}});
  NoiseStream noise(make_generator(torch::kCPU, 9));
  const auto x1 = LangevinSampler(settings).run(f, x0, noise).samples;
  NoiseStream replay(make_generator(torch::kCPU, 9));
  const auto draw = replay.normal(2, {2}, torch::kFloat);
  const auto w = torch::tensor({3.0f, -0.5f}).expand({2, 2});
  const auto gamma = torch::tensor({1.0f / 3, 1.0f}).expand({2, 2});  // 1 / max(1, |w|)
  const auto expected = scaling == AnilaScaling::DriftAndNoise ? x0 + s * gamma * w + n * gamma.sqrt() * draw
                                                               : x0 + s * w + n * gamma * draw;
  return {x1, expected};
}

TEST(AnilaSampler, DriftAndNoiseStepMatchesTheEquations) {
  const auto [x1, expected] = one_step(AnilaScaling::DriftAndNoise);
  EXPECT_TRUE(torch::allclose(x1, expected, 0, 1e-6)) << x1 << expected;
}

TEST(AnilaSampler, NoiseOnlyStepScalesOnlyTheNoiseLinearly) {
  const auto [x1, expected] = one_step(AnilaScaling::NoiseOnly);
  EXPECT_TRUE(torch::allclose(x1, expected, 0, 1e-6)) << x1 << expected;
}

TEST(AnilaSampler, LargeThresholdIsPlainLangevin) {
  // b above every |df/dx|: gamma = 1 everywhere, so AniLA equals Langevin draw for draw (up to
  // float rounding: Langevin adds alpha * g in one fused kernel, AniLA multiplies first).
  test::LinearEnergy f(torch::tensor({3.0f, -0.5f}));
  const auto x0 = torch::rand({4, 2});
  NoiseStream a(make_generator(torch::kCPU, 3)), b(make_generator(torch::kCPU, 3));
  const auto langevin = LangevinSampler({5, 0.1, 0.2, std::nullopt}).run(f, x0, a).samples;
  const auto anila = LangevinSampler({5, 0.1, 0.2, AnilaSettings{10.0, AnilaGranularity::Coordinate,
                                                                   AnilaScaling::DriftAndNoise}})
                         .run(f, x0, b).samples;
  EXPECT_TRUE(torch::allclose(langevin, anila, 0, 1e-6)) << (langevin - anila).abs().max();
}

TEST(AnilaConfig, SettingsFromConfigAndPixelOnPointsRefused) {
  Config c = load_config("", {"sampler.method=anila", "sampler.anila_b=0.5", "sampler.anila_granularity=sample",
                              "sampler.anila_scaling=noise_only"});
  const LangevinSettings s = sampler_settings(c.sampler);
  ASSERT_TRUE(s.anila.has_value());
  EXPECT_EQ(s.anila->b, 0.5);
  EXPECT_EQ(s.anila->granularity, AnilaGranularity::Sample);
  EXPECT_EQ(s.anila->scaling, AnilaScaling::NoiseOnly);
  EXPECT_FALSE(sampler_settings(Config().sampler).anila.has_value());
  try {
    load_config("", {"sampler.method=anila", "sampler.anila_granularity=pixel"});
    FAIL() << "pixel granularity on rings accepted";
  } catch (const ConfigError& e) {
    EXPECT_EQ(std::string(e.what()), "config: sampler.anila_granularity = \"pixel\" is not allowed with "
                                     "data.dataset = \"rings\" (2-D points have no pixels): expected coordinate or sample");
  }
}

}  // namespace
}  // namespace srm
