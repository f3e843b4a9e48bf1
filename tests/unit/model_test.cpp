// Energy networks: output shapes per resolution, the paper's 32x32 layer layout (exact
// parameter counts), and parameter naming.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "config/config.h"
#include "model/conv_energy.h"
#include "model/energy_factory.h"
#include "model/mlp_energy.h"
#include "unit/test_energies.h"

namespace srm {
namespace {

int64_t count_parameters(EnergyNet& net) {
  int64_t n = 0;
  for (const auto& p : net.parameters()) n += p.numel();
  return n;
}

class ConvEnergyShapes : public ::testing::TestWithParam<std::tuple<int64_t, int64_t>> {};

TEST_P(ConvEnergyShapes, OneScalarPerImage) {
  const auto [channels, size] = GetParam();
  ConvEnergy net(test::conv_options(channels, size, 4));
  const auto y = net.forward(torch::rand({3, channels, size, size}));
  EXPECT_EQ(y.sizes(), torch::IntArrayRef({3}));
  // 1 input conv + log2(size / 4) stride-2 convs + 1 output conv, each with weight and bias.
  const int64_t expected_convs = 2 + static_cast<int64_t>(std::log2(size / 4));
  EXPECT_EQ(static_cast<int64_t>(net.parameters().size()), 2 * expected_convs);
}

INSTANTIATE_TEST_SUITE_P(Resolutions, ConvEnergyShapes,
                         ::testing::Combine(::testing::Values(1, 3), ::testing::Values(32, 64, 128)));

TEST(ConvEnergy, Paper32x32LayoutHasExactParameterCount) {
  ConvEnergy net(test::conv_options(3, 32, 8));
  // conv3x3 3->8, conv4x4 8->16, 16->32, 32->64 (stride 2), conv4x4 64->1 (valid).
  const int64_t expected = (3 * 8 * 9 + 8) + (8 * 16 * 16 + 16) + (16 * 32 * 16 + 32) +
                           (32 * 64 * 16 + 64) + (64 * 1 * 16 + 1);
  EXPECT_EQ(count_parameters(net), expected);
  std::vector<std::string> names;
  for (const auto& item : net.named_parameters()) names.push_back(item.key());
  const std::vector<std::string> want{"net.0.weight", "net.0.bias", "net.2.weight", "net.2.bias",
                                      "net.4.weight", "net.4.bias", "net.6.weight", "net.6.bias",
                                      "net.8.weight", "net.8.bias"};
  EXPECT_EQ(names, want);
}

TEST(ConvEnergy, DeeperResolutionsCapTheChannelMultiplier) {
  ConvEnergyOptions o = test::conv_options(3, 64, 8);
  o.max_channel_mult = 8;
  ConvEnergy net(o);
  // As 32x32 plus one more stride-2 conv 64->64 (multiplier capped at 8).
  const int64_t expected = (3 * 8 * 9 + 8) + (8 * 16 * 16 + 16) + (16 * 32 * 16 + 32) +
                           (32 * 64 * 16 + 64) + (64 * 64 * 16 + 64) + (64 * 1 * 16 + 1);
  EXPECT_EQ(count_parameters(net), expected);
}

TEST(ConvEnergy, RejectsNonPowerOfTwo) {
  ConvEnergyOptions o;
  o.image_size = 48;
  EXPECT_THROW(ConvEnergy{o}, std::invalid_argument);
}

TEST(MlpEnergy, OneScalarPerPoint) {
  MlpEnergyOptions o;
  o.hidden = 16;
  o.layers = 2;
  MlpEnergy net(o);
  EXPECT_EQ(net.forward(torch::rand({5, 2})).sizes(), torch::IntArrayRef({5}));
  EXPECT_EQ(count_parameters(net), (2 * 16 + 16) + (16 * 16 + 16) + (16 + 1));
}

TEST(EnergyFactory, AutoPicksByExampleShape) {
  ModelConfig m;
  m.n_f = 4;
  m.mlp_hidden = 8;
  EXPECT_NE(dynamic_cast<ConvEnergy*>(make_energy_net(m, {1, 32, 32}).get()), nullptr);
  EXPECT_NE(dynamic_cast<MlpEnergy*>(make_energy_net(m, {2}).get()), nullptr);
  m.type = "convnet";
  EXPECT_THROW(make_energy_net(m, {2}), std::invalid_argument);
}

}  // namespace
}  // namespace srm
