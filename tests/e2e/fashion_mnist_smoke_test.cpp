// Smoke run on real images: Fashion-MNIST from Debian's dataset-fashion-mnist package
// through the ConvNet, a few iterations, with its outputs checked.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <filesystem>

#include "data/idx_reader.h"
#include "e2e/run_binary.h"
#include "io/run_archive.h"
#include "test_support.h"

namespace srm {
namespace {

TEST(FashionMnistSmoke, TrainsAFewIterationsAndWritesOutputs) {
  if (!std::filesystem::exists(kDefaultFashionMnistPath))
    GTEST_SKIP() << "dataset-fashion-mnist is not installed (launch/setup.sh installs it)";
  test::TempDir dir;
  const auto run_dir = dir.file("run");
  const auto result = test::run_srm_dist(
      "--config " + test::config_path("fashion_mnist.yaml") + " --set output.dir=" + run_dir +
      " --set train.iterations=4 --set sampler.steps=5 --set model.n_f=8 --set train.batch_size=8"
      " --set data.max_examples=512 --set output.sample_every=2 --set output.log_every=1");
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_NE(result.output.find("Fashion-MNIST"), std::string::npos);
  EXPECT_NE(result.output.find("train 4/4"), std::string::npos) << result.output;

  const std::string archive = run_dir + "/archive.h5";
  ASSERT_EQ(archive_sample_batches(archive), 2);
  const auto samples = archive_read_sample_batch(archive, 1);
  EXPECT_EQ(samples.sizes(), torch::IntArrayRef({8, 1, 32, 32}));
  EXPECT_TRUE(torch::isfinite(samples).all().item<bool>());
  const auto metrics = archive_read_metrics(archive);
  ASSERT_EQ(metrics.size(), 4u);
  for (const auto& m : metrics) {
    EXPECT_TRUE(std::isfinite(m.loss));
    EXPECT_GT(m.chain_grad_norm, 0);
    EXPECT_NEAR(m.energy_diff, m.energy_data - m.energy_samples, 1e-9);
  }
  EXPECT_TRUE(std::filesystem::exists(run_dir + "/samples/latest.png"));
}

}  // namespace
}  // namespace srm
