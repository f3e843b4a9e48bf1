// sampler.precision: names parse (and a wrong one is refused with the choices), tf32 turns the
// TF32 flags on only while the sampler runs, and a bf16 sampler keeps fp32 chains that end
// close to the fp32 sampler's.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <ATen/Context.h>

#include "model/conv_energy.h"
#include "unit/test_energies.h"
#include "sampler/initial_distribution.h"
#include "sampler/langevin.h"
#include "sampler/sampler_precision.h"
#include "util/random.h"

namespace srm {
namespace {

TEST(SamplerPrecision, ParsesNamesAndRefusesOthersListingTheChoices) {
  EXPECT_EQ(parse_sampler_precision("fp32"), SamplerPrecision::Fp32);
  EXPECT_EQ(parse_sampler_precision("tf32"), SamplerPrecision::Tf32);
  EXPECT_EQ(parse_sampler_precision("bf16"), SamplerPrecision::Bf16);
  try {
    parse_sampler_precision("fp16");
    FAIL() << "expected std::invalid_argument";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("fp32, tf32, bf16"), std::string::npos) << e.what();
  }
  EXPECT_EQ(sampler_compute_dtype(SamplerPrecision::Bf16), at::kBFloat16);
  EXPECT_FALSE(sampler_compute_dtype(SamplerPrecision::Tf32).has_value());
}

TEST(SamplerPrecision, Tf32ScopeSetsTheFlagsAndRestoresThem) {
  auto& context = at::globalContext();
  context.setAllowTF32CuBLAS(false);
  context.setAllowTF32CuDNN(false);
  {
    const SamplerPrecisionScope scope(SamplerPrecision::Tf32);
    EXPECT_TRUE(context.allowTF32CuBLAS());
    EXPECT_TRUE(context.allowTF32CuDNN());
  }
  EXPECT_FALSE(context.allowTF32CuBLAS());
  EXPECT_FALSE(context.allowTF32CuDNN());
  {
    const SamplerPrecisionScope scope(SamplerPrecision::Bf16);
    EXPECT_FALSE(context.allowTF32CuBLAS());
  }
  context.setAllowTF32CuDNN(true);  // LibTorch's default
}

TEST(SamplerPrecision, Bfloat16ChainsStayFloatAndCloseToFp32) {
  torch::manual_seed(3);
  ConvEnergy net(test::conv_options(1, 16, 8));
  NoiseStream start(make_generator(torch::kCPU, 7));
  const auto x0 = draw_initial({InitKind::Uniform}, 8, {1, 16, 16}, start, torch::kFloat);
  LangevinSettings settings{10, 1.0, 0.01, std::nullopt};
  NoiseStream noise_a(make_generator(torch::kCPU, 1)), noise_b(make_generator(torch::kCPU, 1));
  const auto full = LangevinSampler(settings).run(net, x0, noise_a);
  settings.precision = SamplerPrecision::Bf16;
  const auto reduced = LangevinSampler(settings).run(net, x0, noise_b);
  EXPECT_EQ(reduced.samples.scalar_type(), torch::kFloat);
  // Each step moves x by ~|df/dx| (here ~1e-2); bf16 errs on that by ~1%, so after 10 steps
  // the chains differ by far less than one step's size.
  const double moved = (full.samples - x0).abs().max().item<double>();
  const double apart = (reduced.samples - full.samples).abs().max().item<double>();
  EXPECT_GT(moved, 0);
  EXPECT_GT(apart, 0);
  EXPECT_LT(apart, 0.1 * moved);
  EXPECT_NEAR(reduced.mean_grad_norm.item<double>(), full.mean_grad_norm.item<double>(),
              0.05 * full.mean_grad_norm.item<double>());
}

}  // namespace
}  // namespace srm
