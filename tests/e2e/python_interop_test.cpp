// The documented Python example (docs/examples/load_checkpoint.py) loads srm-dist checkpoints
// into plain torch.nn modules: its energies of a fixed input must equal what the C++ model
// computes from the same checkpoint (MLP on rings, ConvNet on Fashion-MNIST images), to 1e-5
// relative (float32 kernels of LibTorch and of the same wheel's Python torch).
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <filesystem>
#include <sstream>

#include "checkpoint/checkpoint_file.h"
#include "config/config_loader.h"
#include "e2e/run_binary.h"
#include "model/energy_factory.h"
#include "test_support.h"

namespace srm {
namespace {

std::vector<double> python_energies(const std::string& checkpoint) {
  const auto result = test::run_command(std::string(SRM_TORCH_PYTHON) + " " + SRM_SOURCE_DIR +
                                        "/docs/examples/load_checkpoint.py " + checkpoint + " --energy-of-ramp");
  EXPECT_EQ(result.exit_code, 0) << result.output;
  const auto at = result.output.find("energy_of_ramp ");
  EXPECT_NE(at, std::string::npos) << result.output;
  std::istringstream values(result.output.substr(at + 15, result.output.find('\n', at) - at - 15));
  std::vector<double> out;
  for (double v; values >> v;) out.push_back(v);
  return out;
}

std::vector<double> cpp_energies(const std::string& checkpoint_path, const std::vector<int64_t>& example) {
  const TrainingCheckpoint checkpoint = read_checkpoint_file(checkpoint_path);
  Config config;
  apply_yaml(config, checkpoint.config_yaml, checkpoint_path);
  auto energy = make_energy_net(config.model, example);
  {
    torch::NoGradGuard no_grad;
    auto named = energy->named_parameters();
    for (const auto& [name, tensor] : checkpoint.parameters) named[name].copy_(tensor);
  }
  int64_t numel = 3;
  for (int64_t d : example) numel *= d;
  std::vector<int64_t> shape{3};
  shape.insert(shape.end(), example.begin(), example.end());
  const auto x = torch::linspace(-1, 1, numel).reshape(shape);
  torch::NoGradGuard no_grad;
  const auto f = energy->forward(x).to(torch::kDouble);
  return {f[0].item<double>(), f[1].item<double>(), f[2].item<double>()};
}

void expect_close(const std::vector<double>& python, const std::vector<double>& cpp) {
  ASSERT_EQ(python.size(), 3u);
  for (size_t i = 0; i < 3; ++i)
    EXPECT_NEAR(python[i], cpp[i], 1e-5 * std::max(1.0, std::abs(cpp[i]))) << "example " << i;
}

class PythonInterop : public ::testing::Test {
 protected:
  void SetUp() override {
    if (std::string(SRM_TORCH_PYTHON).empty())
      GTEST_SKIP() << "SRM_TORCH_PYTHON not set at configure time (launch/setup.sh sets it to its venv)";
  }
};

TEST_F(PythonInterop, MlpCheckpointLoadsIntoTorchNn) {
  test::TempDir dir;
  const auto run = test::run_srm_dist("--config " + test::config_path("rings.yaml") + " --set output.dir=" +
                                      dir.file("run") + " --set train.iterations=30 --set model.mlp_hidden=32");
  ASSERT_EQ(run.exit_code, 0) << run.output;
  const std::string checkpoint = dir.file("run") + "/checkpoints/ckpt_00000030.h5";
  expect_close(python_energies(checkpoint), cpp_energies(checkpoint, {2}));
}

TEST_F(PythonInterop, ConvNetCheckpointLoadsIntoTorchNn) {
  if (!std::filesystem::exists("/usr/share/datasets/fashion-mnist"))
    GTEST_SKIP() << "dataset-fashion-mnist is not installed (launch/setup.sh installs it)";
  test::TempDir dir;
  const auto run = test::run_srm_dist(
      "--config " + test::config_path("fashion_mnist.yaml") + " --set output.dir=" + dir.file("run") +
      " --set train.iterations=3 --set sampler.steps=3 --set model.n_f=4 --set train.batch_size=4"
      " --set data.max_examples=64 --set train.ema=0");  // no /ema: the loader's auto and cpp_energies both take the raw weights
  ASSERT_EQ(run.exit_code, 0) << run.output;
  const std::string checkpoint = dir.file("run") + "/checkpoints/ckpt_00000003.h5";
  expect_close(python_energies(checkpoint), cpp_energies(checkpoint, {1, 32, 32}));
}

}  // namespace
}  // namespace srm
