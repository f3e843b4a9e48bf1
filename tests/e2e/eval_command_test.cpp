// `srm-dist eval` end to end with TorchScript modules made by the venv's Python: with the
// identity as the feature extractor and K = 0 (samples = p0, uniform on [-1, 1]^2) the Fréchet
// distance to the rings data has a closed form: both means are 0 and both covariances are
// multiples of I, so d^2 = 2 (sqrt(1/3) - sqrt(v))^2 with v = (E R^2 + noise^2) / 2 the rings'
// per-coordinate variance (radii 0.25, 0.5, 0.75, radial noise data.toy_noise). It must match to
// 15% at 20,000 points (sampling error of the covariances ~1%), on 1 rank and on 2.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <fstream>
#include <string>
#include <utility>

#include "e2e/run_binary.h"
#include "test_support.h"

namespace srm {
namespace {

// Occurrences of `text` in `output`.
int occurrences(const std::string& output, const std::string& text) {
  int n = 0;
  for (auto at = output.find(text); at != std::string::npos; at = output.find(text, at + 1)) ++n;
  return n;
}

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
           dir_.file("classes.pt") + " -n 20000 --set sampler.steps=0 --set sampler.init=uniform --set sampler.init_scale=1 -o " +
           dir_.file("e");
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
  const double distance = value_after(result.output, "\nfid");
  EXPECT_NEAR(distance, expected_distance(), 0.15 * expected_distance()) << result.output;
  EXPECT_EQ(occurrences(result.output, "\n  n: 20000\n"), 2) << result.output;  // samples and reference
  // KID of the same two sets: unbiased, positive here (the sets differ), beside FID.
  EXPECT_GT(value_after(result.output, "\nkid"), 0) << result.output;
  EXPECT_NE(result.output.find("features_sha1: "), std::string::npos) << result.output;
  // Uniform samples split evenly by the sign of x_0, each confidently: IS close to 2.
  EXPECT_NEAR(value_after(result.output, "inception_score"), 2.0, 0.1) << result.output;
  // Out of range: max(|x_0|, |x_1|) > 1.1 m, m the largest |coordinate| of the rings' first
  // 10,000 points (radius 0.75 + noise 0.02 at an angle near an axis: 0.78-0.85), so a share
  // 1 - (1.1 m)^2 of the uniform samples: 12.6-26.4%, i.e. 2520-5280 of 20000 (measured: 4482).
  const double outside = value_after(result.output, "samples_outside_data_range");
  EXPECT_GT(outside, 2520) << result.output;
  EXPECT_LT(outside, 5280) << result.output;
  EXPECT_NE(result.output.find("samples scored leave the data's range"), std::string::npos) << result.output;
  std::ifstream written(dir_.file("e.yaml"));
  EXPECT_TRUE(written.good());
}

TEST_F(EvalCommand, TwoRanksAgreeWithTheClosedForm) {
  const auto result = test::run_command(std::string(SRM_MPIRUN) + " -np 2 " + SRM_DIST_BINARY + eval_args());
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_NEAR(value_after(result.output, "\nfid"), expected_distance(), 0.15 * expected_distance())
      << result.output;
  EXPECT_EQ(occurrences(result.output, "\n  n: 20000\n"), 2) << result.output;
}

// eval.every: rows in the archive's /eval table and lines in the log, and training itself
// untouched (the evaluation draws from generators of its own): the final parameters equal
// those of the run without evaluation made in SetUp.
TEST_F(EvalCommand, TrainingTimeEvaluationRecordsRowsAndLeavesTrainingUnchanged) {
  const auto run = test::run_srm_dist("--config " + test::config_path("rings.yaml") + " --set output.dir=" +
                                      dir_.file("evaluated") + " --set train.iterations=10 --set eval.every=5 " +
                                      "--set eval.samples=400 --set eval.features=" + dir_.file("identity.pt"));
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_NE(run.output.find("eval at iteration 5: FID "), std::string::npos) << run.output;
  EXPECT_NE(run.output.find("eval at iteration 10: FID "), std::string::npos) << run.output;
  const auto inspect = test::run_srm_dist("inspect " + dir_.file("evaluated/archive.h5"));
  EXPECT_NE(inspect.output.find("training-time evaluations (/eval): 2\n  iteration 5: FID "), std::string::npos)
      << inspect.output;
  std::ofstream(dir_.file("same.py")) << R"(import sys, h5py, numpy
a, b = (h5py.File(p, "r")["parameters"] for p in sys.argv[1:3])
sys.exit(0 if sorted(a) == sorted(b) and all(numpy.array_equal(a[k][()], b[k][()]) for k in a) else 1)
)";
  const auto same = test::run_command(std::string(SRM_TORCH_PYTHON) + " " + dir_.file("same.py") + " " +
                                      dir_.file("run/checkpoints/ckpt_00000010.h5") + " " +
                                      dir_.file("evaluated/checkpoints/ckpt_00000010.h5"));
  EXPECT_EQ(same.exit_code, 0) << same.output;
}

// `fid` on two IDX files with the identity as extractor: the same FID and KID on 1, 2 and 3
// ranks (each rank embeds its share; the features are all-reduced exactly).
TEST_F(EvalCommand, FidOfTwoImageFilesIsTheSameOnOneTwoAndThreeRanks) {
  for (const auto& [name, seed] : {std::pair<std::string, unsigned>{"a.idx", 1u}, {"b.idx", 2u}}) {
    std::string bytes;
    for (uint32_t v : {0x00000803u, 40u, 8u, 8u})
      for (int shift = 24; shift >= 0; shift -= 8) bytes.push_back(static_cast<char>((v >> shift) & 0xff));
    unsigned state = seed;
    for (int i = 0; i < 40 * 64; ++i) {
      state = state * 1103515245u + 12345u;  // any fixed bytes will do; b's differ from a's
      bytes.push_back(static_cast<char>((state >> 16) & (seed == 1 ? 0xff : 0x7f)));
    }
    std::ofstream(dir_.file(name), std::ios::binary) << bytes;
  }
  const std::string args = " fid " + dir_.file("a.idx") + " " + dir_.file("b.idx") + " --features " +
                           dir_.file("identity.pt") + " --kid-subsets 5";
  const auto one = test::run_srm_dist(args);
  ASSERT_EQ(one.exit_code, 0) << one.output;
  const double fid = value_after(one.output, "\nfid"), kid = value_after(one.output, "\nkid");
  EXPECT_GT(fid, 0) << one.output;
  for (int ranks : {2, 3}) {
    const auto many = test::run_command(std::string(SRM_MPIRUN) + " -np " + std::to_string(ranks) + " " +
                                        SRM_DIST_BINARY + args);
    ASSERT_EQ(many.exit_code, 0) << many.output;
    EXPECT_NEAR(value_after(many.output, "\nfid"), fid, 1e-6 * fid) << ranks << " ranks\n" << many.output;
    EXPECT_NEAR(value_after(many.output, "\nkid"), kid, 1e-6 * std::abs(kid)) << ranks << " ranks\n" << many.output;
  }
}

TEST_F(EvalCommand, MissingExtractorIsAClearError) {
  const auto result = test::run_srm_dist("eval " + dir_.file("run") + " --features " + dir_.file("none.pt"));
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.output.find("feature extractor \"" + dir_.file("none.pt") + "\" does not exist"),
            std::string::npos) << result.output;
}

}  // namespace
}  // namespace srm
