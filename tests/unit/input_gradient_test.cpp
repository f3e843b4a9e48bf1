// The networks' layerwise input gradient (no autograd graph) against autograd through
// forward(): ConvNets in both memory formats and several shapes, MLPs with both activations,
// a lone output layer, and the layers it must refuse. Also: channels-last changes values only by
// float rounding, and the layerwise pass leaves the parameters' .grad alone.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "model/conv_energy.h"
#include "unit/test_energies.h"
#include "model/layerwise_input_gradient.h"
#include "model/mlp_energy.h"

namespace srm {
namespace {

// max |a - b| <= tolerance * max |b|: the layerwise pass calls the same kernels in another
// order of summation at most (the output layer's weights summed once instead of per example).
void expect_close(const torch::Tensor& a, const torch::Tensor& b, double tolerance) {
  ASSERT_EQ(a.sizes(), b.sizes());
  const double scale = b.abs().max().item<double>();
  ASSERT_GT(scale, 0);
  EXPECT_LE((a - b).abs().max().item<double>(), tolerance * scale);
}

struct ConvCase {
  int64_t channels, size, n_f;
  bool channels_last;
};

class ConvInputGradient : public testing::TestWithParam<ConvCase> {};

TEST_P(ConvInputGradient, MatchesAutograd) {
  const ConvCase c = GetParam();
  torch::manual_seed(11);
  ConvEnergyOptions o = test::conv_options(c.channels, c.size, c.n_f);
  o.channels_last = c.channels_last;
  ConvEnergy net(o);
  const auto x = (torch::rand({5, c.channels, c.size, c.size}) * 2 - 1).contiguous(net.input_memory_format());
  const auto before = x.clone();
  const auto layerwise = net.input_gradient(x);
  EXPECT_TRUE(torch::equal(x, before));  // in-place activations never touch the caller's x
  expect_close(layerwise, autograd_input_gradient(net, x), 1e-5);
  EXPECT_TRUE(layerwise.is_contiguous(net.input_memory_format()));
  for (const auto& p : net.parameters()) EXPECT_FALSE(p.grad().defined());
}

INSTANTIATE_TEST_SUITE_P(Shapes, ConvInputGradient,
                         testing::Values(ConvCase{1, 32, 8, true}, ConvCase{1, 32, 8, false},
                                         ConvCase{3, 16, 4, true}, ConvCase{3, 64, 4, true},
                                         ConvCase{3, 8, 2, false}));

TEST(ConvInputGradient, ChannelsLastChangesOnlyRounding) {
  torch::manual_seed(5);
  ConvEnergyOptions o = test::conv_options(3, 16, 8);
  o.channels_last = false;
  ConvEnergy nchw(o);
  o.channels_last = true;
  ConvEnergy nhwc(o);
  {
    const torch::NoGradGuard no_grad;
    for (size_t i = 0; i < nchw.parameters().size(); ++i) nhwc.parameters()[i].copy_(nchw.parameters()[i]);
  }
  EXPECT_TRUE(nhwc.parameters()[0].is_contiguous(at::MemoryFormat::ChannelsLast));
  EXPECT_EQ(nhwc.input_memory_format(), at::MemoryFormat::ChannelsLast);
  EXPECT_EQ(nchw.input_memory_format(), at::MemoryFormat::Contiguous);
  const auto x = torch::rand({4, 3, 16, 16}) * 2 - 1;
  expect_close(nhwc.forward(x), nchw.forward(x), 1e-5);
  expect_close(nhwc.input_gradient(x), nchw.input_gradient(x), 1e-5);
}

TEST(ConvInputGradient, OneChannelWeightsGetTrueChannelsLastStrides) {
  // (n_f, 1, 3, 3) counts as channels-last in its NCHW strides; oneDNN needs the real ones.
  ConvEnergy net(test::conv_options(1, 8, 4));
  const auto first = net.parameters()[0];
  ASSERT_EQ(first.sizes(), (torch::IntArrayRef{4, 1, 3, 3}));
  EXPECT_EQ(first.strides(), (torch::IntArrayRef{9, 1, 3, 1}));
}

TEST(MlpInputGradient, MatchesAutogradForBothActivations) {
  for (const bool silu : {false, true}) {
    torch::manual_seed(2);
    MlpEnergyOptions o;
    o.input_dim = 3;
    o.hidden = 17;
    o.layers = 3;
    o.silu = silu;
    MlpEnergy net(o);
    const auto x = torch::randn({33, 3});
    expect_close(net.input_gradient(x), autograd_input_gradient(net, x), 1e-5);
  }
}

TEST(LayerwiseInputGradient, LoneOutputLayerGivesItsWeightsPerExample) {
  torch::nn::Sequential net(torch::nn::Linear(4, 1));
  const auto x = torch::randn({6, 4});
  const auto g = layerwise_input_gradient(net, x);
  const auto w = net->parameters()[0].view({1, 4}).expand({6, 4});
  EXPECT_TRUE(torch::equal(g, w));
  EXPECT_TRUE(g.is_contiguous());
}

TEST(LayerwiseInputGradient, OutputLayerThatDependsOnItsInputRunsForward) {
  // A 3x3 padded conv output layer is not constant in its input's border handling: the ones
  // seed goes through convolution_backward, which must equal autograd's answer.
  torch::manual_seed(4);
  torch::nn::Sequential net(torch::nn::Conv2d(torch::nn::Conv2dOptions(2, 3, 3).padding(1)),
                            torch::nn::LeakyReLU(torch::nn::LeakyReLUOptions().negative_slope(0.1)),
                            torch::nn::Conv2d(torch::nn::Conv2dOptions(3, 2, 3).padding(1)));
  const auto x = torch::randn({2, 2, 5, 5});
  const auto leaf = x.clone().requires_grad_(true);
  net->forward(leaf).sum().backward();
  expect_close(layerwise_input_gradient(net, x), leaf.grad(), 1e-5);
}

TEST(ConvInputGradient, Bfloat16PassIsCloseAndReturnsFloat) {
  // bfloat16 keeps 8 bits of mantissa: each layer's output is rounded to ~2^-9 relative, and
  // the input gradient of a freshly initialised net sums many cancelling terms, so entries can
  // be off by more; the gradient as a whole stays within 5% (relative L2 distance).
  torch::manual_seed(9);
  ConvEnergy net(test::conv_options(3, 16, 8));
  const auto x = (torch::rand({4, 3, 16, 16}) * 2 - 1).contiguous(net.input_memory_format());
  const auto reduced = net.input_gradient(x, torch::kBFloat16);
  EXPECT_EQ(reduced.scalar_type(), torch::kFloat);
  const auto full = net.input_gradient(x);
  const double relative = ((reduced - full).norm() / full.norm()).item<double>();
  EXPECT_LT(relative, 5e-2);
  EXPECT_GT(relative, 1e-4);  // it did run in bfloat16 (fp32 differs by ~1e-7)
}

TEST(EnergyNet, AutogradDefaultRefusesAnotherComputeDtype) {
  struct Plain : EnergyNet {
    torch::nn::Linear linear{2, 1};
    Plain() { register_module("linear", linear); }
    torch::Tensor forward(const torch::Tensor& x) override { return linear->forward(x).view({x.size(0)}); }
  } plain;
  const auto x = torch::randn({3, 2});
  EXPECT_TRUE(torch::allclose(plain.input_gradient(x), plain.linear->weight.expand({3, 2})));
  EXPECT_THROW(plain.input_gradient(x, torch::kBFloat16), std::invalid_argument);
}

TEST(LayerwiseInputGradient, ActivationOnTheCallersInputLeavesItAlone) {
  // A LeakyReLU first gets the caller's x, which must not be overwritten; two in a row must
  // still give autograd's answer. Slope 0 (ReLU) included.
  torch::manual_seed(6);
  for (const double slope : {0.0, 0.3}) {
    const auto leaky = [slope] { return torch::nn::LeakyReLU(torch::nn::LeakyReLUOptions().negative_slope(slope)); };
    torch::nn::Sequential net(leaky(), torch::nn::Linear(3, 5), leaky(), leaky(), torch::nn::Linear(5, 1));
    const auto x = torch::randn({7, 3});
    const auto before = x.clone();
    const auto leaf = x.clone().requires_grad_(true);
    net->forward(leaf).sum().backward();
    expect_close(layerwise_input_gradient(net, x), leaf.grad(), 1e-5);
    EXPECT_TRUE(torch::equal(x, before));
  }
}

TEST(LayerwiseInputGradient, RefusesUnsupportedLayersByName) {
  torch::nn::Sequential net(torch::nn::Linear(2, 2), torch::nn::Tanh(), torch::nn::Linear(2, 1));
  try {
    layerwise_input_gradient(net, torch::randn({3, 2}));
    FAIL() << "expected std::invalid_argument";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("torch::nn::Tanh"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace srm
