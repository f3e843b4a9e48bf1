// `srm-dist eval` end to end with TorchScript modules made by the venv's Python: with the
// identity as the feature extractor and K = 0 (samples = p0, uniform on [-1, 1]^2) the Fréchet
// distance to the rings data has a closed form: both means are 0 and both covariances are
// multiples of I, so d^2 = 2 (sqrt(1/3) - sqrt(v))^2 with v = (E R^2 + noise^2) / 2 the rings'
// per-coordinate variance (radii 0.25, 0.5, 0.75, radial noise data.toy_noise). It must match to
// 15% at 20,000 points (sampling error of the covariances ~1%), on 1 rank and on 2.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

#include "e2e/run_binary.h"
#include "test_support.h"

namespace srm {
namespace {

double value_after(const std::string& output, const std::string& key) {
  const auto at = output.find(key + ": ");
  if (at == std::string::npos) return NAN;
  return std::stod(output.substr(at + key.size() + 2));
}

class EvalCommand : public ::testing::Test {
 protected:
  void SetUp() override {
    if (std::string(SRM_TORCH_PYTHON).empty())
      GTEST_SKIP() << "SRM_TORCH_PYTHON not set at configure time (launch/setup.sh sets it to its venv)";
    std::ofstream(dir_.file("make.py")) << R"(import sys, torch
class Identity(torch.nn.Module):
    def forward(self, x):
        return x.flatten(1)
class TwoClasses(torch.nn.Module):
    def forward(self, x):
        return torch.cat([20 * x[:, :1], -20 * x[:, :1]], 1)   # class by the sign of x_0
torch.jit.script(Identity()).save(sys.argv[1])
torch.jit.script(TwoClasses()).save(sys.argv[2])
)";
    ASSERT_EQ(test::run_command(std::string(SRM_TORCH_PYTHON) + " " + dir_.file("make.py") + " " +
                                dir_.file("identity.pt") + " " + dir_.file("classes.pt")).exit_code, 0);
    const auto run = test::run_srm_dist("--config " + test::config_path("rings.yaml") + " --set output.dir=" +
                                        dir_.file("run") + " --set train.iterations=10");
    ASSERT_EQ(run.exit_code, 0) << run.output;
  }
  std::string eval_args() const {
    return " eval " + dir_.file("run") + " --features " + dir_.file("identity.pt") + " --classifier " +
           dir_.file("classes.pt") + " -n 20000 --set sampler.steps=0 -o " + dir_.file("e");
  }
  static double expected_distance() {
    const double mean_r2 = (0.25 * 0.25 + 0.5 * 0.5 + 0.75 * 0.75) / 3, noise = 0.02;  // rings.yaml: toy_noise 0.02
    const double v = (mean_r2 + noise * noise) / 2;
    return 2 * std::pow(std::sqrt(1.0 / 3) - std::sqrt(v), 2);
  }
  test::TempDir dir_;
};

TEST_F(EvalCommand, FrechetDistanceOfUniformToRingsMatchesTheClosedForm) {
  const auto result = test::run_srm_dist(eval_args());
  ASSERT_EQ(result.exit_code, 0) << result.output;
  const double distance = value_after(result.output, "frechet_distance");
  EXPECT_NEAR(distance, expected_distance(), 0.15 * expected_distance()) << result.output;
  EXPECT_EQ(value_after(result.output, "samples"), 20000);
  // Uniform samples split evenly by the sign of x_0, each confidently: IS close to 2.
  EXPECT_NEAR(value_after(result.output, "inception_score"), 2.0, 0.1) << result.output;
  std::ifstream written(dir_.file("e.yaml"));
  EXPECT_TRUE(written.good());
}

TEST_F(EvalCommand, TwoRanksAgreeWithTheClosedForm) {
  const auto result = test::run_command(std::string(SRM_MPIRUN) + " -np 2 " + SRM_DIST_BINARY + eval_args());
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_NEAR(value_after(result.output, "frechet_distance"), expected_distance(), 0.15 * expected_distance())
      << result.output;
  EXPECT_EQ(value_after(result.output, "samples"), 20000);
  EXPECT_EQ(value_after(result.output, "data_examples"), 20000);
}

TEST_F(EvalCommand, MissingExtractorIsAClearError) {
  const auto result = test::run_srm_dist("eval " + dir_.file("run") + " --features " + dir_.file("none.pt"));
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.output.find("feature extractor \"" + dir_.file("none.pt") + "\" does not exist"),
            std::string::npos) << result.output;
}

}  // namespace
}  // namespace srm
