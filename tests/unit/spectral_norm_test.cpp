// Spectral normalisation: sigma against an SVD after power iteration, W / sigma of unit
// spectral norm, the layerwise input gradient against autograd through the normalised forward,
// u and v saved and restored exactly through a checkpoint file, and the parameter gradient
// flowing through sigma.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "checkpoint/checkpoint_file.h"
#include "model/conv_energy.h"
#include "model/mlp_energy.h"
#include "model/spectral_norm.h"
#include "test_support.h"
#include "trainer/training_state.h"
#include "unit/test_energies.h"
#include "util/random.h"

namespace srm {
namespace {

std::shared_ptr<MlpEnergy> normalised_mlp() {
  torch::manual_seed(3);
  MlpEnergyOptions o;
  o.hidden = 16;
  o.layers = 2;
  o.spectral_norm = true;
  return std::make_shared<MlpEnergy>(o);
}

std::shared_ptr<ConvEnergy> normalised_convnet(uint64_t seed = 4) {
  torch::manual_seed(seed);
  ConvEnergyOptions o = test::conv_options(3, 8, 4);
  o.spectral_norm = true;
  return std::make_shared<ConvEnergy>(o);
}

// The largest singular value of each Linear / Conv2d weight viewed as (out, in * kernel).
std::vector<double> svd_sigmas(EnergyNet& energy) {
  std::vector<double> out;
  for (const auto& item : energy.named_parameters())
    if (item.key().size() > 7 && item.key().substr(item.key().size() - 7) == ".weight") {
      const auto w = item.value().detach();
      out.push_back(torch::linalg_svdvals(w.reshape({w.size(0), -1}).to(torch::kDouble))[0].item<double>());
    }
  return out;
}

TEST(SpectralNorm, SigmaConvergesToTheLargestSingularValue) {
  for (const std::shared_ptr<SequentialEnergy>& energy :
       std::vector<std::shared_ptr<SequentialEnergy>>{normalised_mlp(), normalised_convnet()}) {
    for (int i = 0; i < 300; ++i) energy->update_normalisation();
    const auto sigmas = energy->spectral_sigmas();
    const auto exact = svd_sigmas(*energy);
    ASSERT_EQ(sigmas.size(), exact.size());
    ASSERT_GE(sigmas.size(), 3u);
    for (size_t i = 0; i < sigmas.size(); ++i) EXPECT_NEAR(sigmas[i], exact[i], 1e-4 * exact[i]) << "layer " << i;
  }
}

TEST(SpectralNorm, NormalisedWeightsHaveUnitSpectralNorm) {
  torch::manual_seed(5);
  torch::nn::Sequential net(torch::nn::Linear(5, 7), torch::nn::LeakyReLU(), torch::nn::Linear(7, 1));
  SpectralNorm normalised(net);
  normalised.power_iteration(300);
  const auto weights = normalised.normalised_weights();
  ASSERT_EQ(weights.size(), 3u);
  EXPECT_FALSE(weights[1].defined());  // the activation has no weight
  EXPECT_NEAR(torch::linalg_svdvals(weights[0].detach())[0].item<double>(), 1.0, 1e-5);
  EXPECT_NEAR(torch::linalg_svdvals(weights[2].detach())[0].item<double>(), 1.0, 1e-5);
  EXPECT_TRUE(weights[0].requires_grad());  // differentiable in W
  EXPECT_FALSE(normalised.frozen_weights()[0].requires_grad());
  // The buffers carry PyTorch's names on the layer.
  const auto buffers = net->named_buffers();
  EXPECT_NE(buffers.find("0.weight_u"), nullptr);
  EXPECT_NE(buffers.find("2.weight_v"), nullptr);
}

TEST(SpectralNorm, LayerwiseInputGradientMatchesAutograd) {
  for (const std::shared_ptr<SequentialEnergy>& energy :
       std::vector<std::shared_ptr<SequentialEnergy>>{normalised_mlp(), normalised_convnet()}) {
    energy->update_normalisation();
    const bool images = std::dynamic_pointer_cast<ConvEnergy>(energy) != nullptr;
    const auto x = images ? torch::randn({5, 3, 8, 8}).contiguous(energy->input_memory_format()) : torch::randn({5, 2});
    const auto layerwise = energy->input_gradient(x);
    const auto reference = autograd_input_gradient(*energy, x);
    EXPECT_TRUE(torch::allclose(layerwise, reference, 1e-4, 1e-6)) << (layerwise - reference).abs().max();
    // The cached normalised weights follow a parameter change (Adam's in-place step).
    {
      const torch::NoGradGuard no_grad;
      for (auto& p : energy->parameters()) p.mul_(1.5);
    }
    EXPECT_TRUE(torch::allclose(energy->input_gradient(x), autograd_input_gradient(*energy, x), 1e-4, 1e-6));
  }
}

TEST(SpectralNorm, ForwardDividesBySigmaWithGradientThroughIt) {
  auto energy = normalised_mlp();
  const auto x = torch::randn({4, 2});
  // Scaling every raw weight leaves W / sigma, and so f up to the biases' share, unchanged:
  // with zero biases f is exactly scale-invariant in each weight.
  {
    const torch::NoGradGuard no_grad;
    for (const auto& item : energy->named_parameters())
      if (item.key().find("bias") != std::string::npos) item.value().zero_();
  }
  const auto before = energy->forward(x).detach();
  {
    const torch::NoGradGuard no_grad;
    for (const auto& item : energy->named_parameters()) item.value().mul_(3.0);
  }
  EXPECT_TRUE(torch::allclose(energy->forward(x), before, 1e-5, 1e-6));
  // Hence the gradient of f.sum() is orthogonal to each weight (d/dt f(tW) = 0 at t = 1).
  energy->zero_grad();
  energy->forward(x).sum().backward();
  for (const auto& item : energy->named_parameters())
    if (item.key().find("weight") != std::string::npos) {
      const double along = (item.value().grad() * item.value()).sum().item<double>();
      EXPECT_NEAR(along, 0.0, 1e-4 * item.value().grad().norm().item<double>() * item.value().norm().item<double>())
          << item.key();
    }
}

TEST(SpectralNorm, CheckpointRestoresUAndVExactly) {
  test::TempDir dir;
  auto energy = normalised_convnet();
  for (int i = 0; i < 3; ++i) energy->update_normalisation();
  torch::optim::Adam adam(energy->parameters(), torch::optim::AdamOptions(1e-3));
  const at::Generator generator = make_generator(torch::kCPU, 1);
  TrainingCheckpoint c = capture_local_state(*energy, adam, generator, 3);
  ASSERT_EQ(c.buffers.size(), 2 * energy->spectral_sigmas().size());
  c.config_yaml = "test";
  write_checkpoint_file(dir.file("ckpt.h5"), c);
  const TrainingCheckpoint read = read_checkpoint_file(dir.file("ckpt.h5"));

  auto fresh = normalised_convnet(99);  // other weights, u and v
  check_model_matches(read, *fresh, "ckpt.h5");
  torch::optim::Adam fresh_adam(fresh->parameters(), torch::optim::AdamOptions(1e-3));
  at::Generator fresh_generator = make_generator(torch::kCPU, 2);
  restore_training_state(read, *fresh, fresh_adam, fresh_generator, 0);
  const auto a = energy->named_buffers(), b = fresh->named_buffers();
  for (const auto& item : a) EXPECT_TRUE(torch::equal(item.value(), *b.find(item.key()))) << item.key();
  EXPECT_EQ(energy->spectral_sigmas(), fresh->spectral_sigmas());
  const auto x = torch::randn({2, 3, 8, 8});
  EXPECT_TRUE(torch::equal(energy->forward(x), fresh->forward(x)));
  // A model without spectral norm does not take the checkpoint.
  ConvEnergy plain(test::conv_options(3, 8, 4));
  EXPECT_THROW(check_model_matches(read, plain, "ckpt.h5"), CheckpointError);
}

}  // namespace
}  // namespace srm
