// Backpropagation through the sampler by recomputation equals plain autograd through the
// unrolled K steps (create_graph at every step), for Langevin (also with sampler.clamp) and for
// AniLA's drift, to 1e-5.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "model/mlp_energy.h"
#include "sampler/sampler_backprop.h"

namespace srm {
namespace {

// Returns the sampler's x_final, which the checks found equal to the unrolled steps' result.
torch::Tensor expect_matches_unrolled(const LangevinSettings& settings) {
  torch::manual_seed(4);
  MlpEnergyOptions options;
  options.input_dim = 2;
  options.hidden = 16;
  options.layers = 2;
  options.silu = true;  // smooth, so the second-order terms are not zero almost everywhere
  MlpEnergy energy(options);
  const auto z = torch::rand({5, 2}) * 2 - 1;
  const auto target = torch::rand({5, 2});
  const auto loss_grad = [&](const torch::Tensor& x) { return 2 * (x - target) / 10.0; };
  const SamplerGradient mine = sampler_input_gradient(energy, settings, z, loss_grad);

  auto leaf = z.clone().requires_grad_(true);
  torch::Tensor x = leaf;
  for (int64_t k = 0; k < settings.steps; ++k) x = differentiable_drift_step(energy, x, settings);
  const auto loss = (x - target).pow(2).sum() / 10.0;
  const auto reference = torch::autograd::grad({loss}, {leaf})[0];
  EXPECT_TRUE(torch::allclose(mine.x_final, x.detach(), 1e-6, 1e-6));
  EXPECT_TRUE(torch::allclose(mine.grad_z, reference, 1e-5, 1e-6)) << mine.grad_z << reference;
  EXPECT_GT(reference.abs().max().item<double>(), 1e-3);  // a gradient worth comparing
  return mine.x_final;
}

TEST(SamplerBackprop, LangevinMatchesUnrolledAutograd) { expect_matches_unrolled({12, 0.3, 0.0, std::nullopt}); }

TEST(SamplerBackprop, ClampedLangevinMatchesUnrolledAutogradAndStaysInRange) {
  // sampler.clamp: the recomputed forward states are clamped as the unrolled steps are (x_final
  // equal), and held coordinates pass no gradient back (the gradients equal).
  LangevinSettings settings{12, 0.3, 0.0, std::nullopt};
  settings.clamp = 0.6;
  const auto x = expect_matches_unrolled(settings);
  EXPECT_LE(x.abs().max().item<float>(), 0.6f);
  EXPECT_GT((x.abs() == 0.6f).sum().item<int64_t>(), 0);  // the clamp held some coordinates
}

TEST(SamplerBackprop, AnilaMatchesUnrolledAutograd) {
  expect_matches_unrolled({12, 0.3, 0.0, AnilaSettings{0.05, AnilaGranularity::Sample, AnilaScaling::DriftAndNoise}});
}

}  // namespace
}  // namespace srm
