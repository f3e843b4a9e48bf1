// The learned sampler as a generator, through the real program on a run trained in the test:
// sample (1 rank, and 2 ranks under mpirun), interpolate (checked exactly with K = 0, where
// M_theta is the identity and x_rho must equal rho z1 + sqrt(1 - rho^2) z2), and reconstruct
// (the per-pixel MSE falls as z is optimised through the K-step sampler).
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <filesystem>

#include "e2e/run_binary.h"
#include "io/hdf5_objects.h"
#include "test_support.h"

namespace srm {
namespace {

at::Tensor read_dataset(const std::string& path, const std::string& name) {
  const H5Id file = open_hdf5_file(path, H5F_ACC_RDONLY, "output");
  return read_float_dataset(file.get(), name);
}

class GeneratorCommands : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new test::TempDir;
    const auto run = test::run_srm_dist("--config " + test::config_path("rings.yaml") + " --set output.dir=" +
                                        run_dir() + " --set train.iterations=200 --set output.checkpoint_every=100");
    ASSERT_EQ(run.exit_code, 0) << run.output;
  }
  static void TearDownTestSuite() { delete dir_; }
  static std::string run_dir() { return dir_->file("run"); }
  static std::string out(const std::string& name) { return dir_->file(name); }
  static test::TempDir* dir_;
};
test::TempDir* GeneratorCommands::dir_ = nullptr;

TEST_F(GeneratorCommands, SampleWritesTheRequestedCount) {
  const auto result = test::run_srm_dist("sample " + run_dir() + " -n 300 -o " + out("s1"));
  ASSERT_EQ(result.exit_code, 0) << result.output;
  const auto x = read_dataset(out("s1") + ".h5", "images");
  ASSERT_EQ(x.sizes(), torch::IntArrayRef({300, 2}));  // two rounds: 256 + 44
  EXPECT_TRUE(std::filesystem::exists(out("s1") + ".png"));
  EXPECT_GT(x.std().item<double>(), 0.1);
  // --iteration picks an older snapshot; a missing one is an error naming what exists.
  EXPECT_EQ(test::run_srm_dist("sample " + run_dir() + " -n 8 --iteration 100 -o " + out("s100")).exit_code, 0);
  const auto missing = test::run_srm_dist("sample " + run_dir() + " --iteration 7");
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.output.find("has snapshots at iterations 100, 200"), std::string::npos) << missing.output;
}

TEST_F(GeneratorCommands, SampleWarnsWhenItsSamplesLeaveTheDataRange) {
  // Noise 3 per step for K = 40 steps scatters the chains far beyond the rings (|x| <= 0.81).
  const auto result = test::run_srm_dist("sample " + run_dir() + " -n 64 --set sampler.noise=3 -o " + out("wild"));
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_NE(result.output.find("of 64 samples written leave the data's range"), std::string::npos) << result.output;
  const auto x = read_dataset(out("wild") + ".h5", "images");
  EXPECT_GT(x.abs().max().item<double>(), 5.0);  // the warning is about real values
}

TEST_F(GeneratorCommands, SampleOnTwoRanksFillsEveryRowWithDistinctChains) {
  const auto result = test::run_command(std::string(SRM_MPIRUN) + " -np 2 " + SRM_DIST_BINARY + " sample " +
                                        run_dir() + " -n 100 --set train.batch_size=40 -o " + out("s2"));
  ASSERT_EQ(result.exit_code, 0) << result.output;
  const auto x = read_dataset(out("s2") + ".h5", "images");
  ASSERT_EQ(x.sizes(), torch::IntArrayRef({100, 2}));
  EXPECT_EQ((x.abs().sum(1) == 0).sum().item<int64_t>(), 0) << "a row no rank filled";
  // Rank 0 filled rows 0..19 of the first round, rank 1 rows 20..39: different streams.
  EXPECT_FALSE(torch::allclose(x.narrow(0, 0, 20), x.narrow(0, 20, 20)));
}

TEST_F(GeneratorCommands, InterpolationFollowsTheRhoPathExactlyWhenKIsZero) {
  const auto result = test::run_srm_dist("interpolate " + run_dir() + " -n 3 --set sampler.steps=0 -o " + out("i0"));
  ASSERT_EQ(result.exit_code, 0) << result.output;
  const auto x = read_dataset(out("i0") + ".h5", "interpolations");  // (3, 9, 2)
  const auto rho = read_dataset(out("i0") + ".h5", "rho");
  ASSERT_EQ(x.sizes(), torch::IntArrayRef({3, 9, 2}));
  const auto z1 = x.select(1, 8), z2 = x.select(1, 0);  // rho = 1 and rho = 0
  for (int64_t r = 0; r < 9; ++r) {
    const double p = rho[r].item<double>();
    EXPECT_TRUE(torch::allclose(x.select(1, r), p * z1 + std::sqrt(1 - p * p) * z2, 1e-5, 1e-6)) << "rho " << p;
  }
  // With the trained sampler (noise-free by default) the same command moves the points.
  ASSERT_EQ(test::run_srm_dist("interpolate " + run_dir() + " -n 3 -o " + out("i40")).exit_code, 0);
  EXPECT_FALSE(torch::allclose(read_dataset(out("i40") + ".h5", "interpolations"), x));
}

TEST_F(GeneratorCommands, CopulaInterpolationStaysInsideTheUniformSupport) {
  // K = 0: x_rho is z_rho itself. With the paper's uniform p0 on [-1, 1] (rings.yaml's is a
  // Gaussian of scale 0.42) the paper's path leaves [-1, 1] at interior rho; the copula path is
  // erf((rho g1 + sqrt(1 - rho^2) g2) / sqrt 2) with g = sqrt 2 erfinv(z), inside.
  const std::string common = "interpolate " + run_dir() +
                             " -n 200 --set sampler.steps=0 --set sampler.init=uniform --set sampler.init_scale=1 -o ";
  ASSERT_EQ(test::run_srm_dist(common + out("paper")).exit_code, 0);
  const auto paper = read_dataset(out("paper") + ".h5", "interpolations");
  EXPECT_GT((paper.abs() > 1).sum().item<int64_t>(), 0);
  const auto result = test::run_srm_dist(common + out("copula") + " --interpolation copula");
  ASSERT_EQ(result.exit_code, 0) << result.output;
  const auto x = read_dataset(out("copula") + ".h5", "interpolations");  // (200, 9, 2)
  const auto rho = read_dataset(out("copula") + ".h5", "rho");
  EXPECT_LE(x.abs().max().item<float>(), 1.0f);
  const auto g1 = std::sqrt(2.0) * torch::erfinv(x.select(1, 8).to(torch::kDouble));
  const auto g2 = std::sqrt(2.0) * torch::erfinv(x.select(1, 0).to(torch::kDouble));
  for (int64_t r = 1; r < 8; ++r) {
    const double p = rho[r].item<double>();
    const auto expected = torch::erf((p * g1 + std::sqrt(1 - p * p) * g2) / std::sqrt(2.0)).to(torch::kFloat);
    EXPECT_TRUE(torch::allclose(x.select(1, r), expected, 1e-4, 1e-5)) << "rho " << p;
  }
  // A scaled uniform p0 (sampler.init_scale = s): the same path on z / s, inside [-s, s].
  ASSERT_EQ(test::run_srm_dist(common + out("half") + " --interpolation copula --set sampler.init_scale=0.5").exit_code, 0);
  const auto half = read_dataset(out("half") + ".h5", "interpolations");
  EXPECT_LE(half.abs().max().item<float>(), 0.5f);
  const auto h1 = std::sqrt(2.0) * torch::erfinv(half.select(1, 8).to(torch::kDouble) / 0.5);
  const auto h2 = std::sqrt(2.0) * torch::erfinv(half.select(1, 0).to(torch::kDouble) / 0.5);
  const double p4 = rho[4].item<double>();
  EXPECT_TRUE(torch::allclose(half.select(1, 4),
                              (0.5 * torch::erf((p4 * h1 + std::sqrt(1 - p4 * p4) * h2) / std::sqrt(2.0))).to(torch::kFloat),
                              1e-4, 1e-5));
  const auto bad = test::run_srm_dist(common + out("bad") + " --interpolation linear");
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.output.find("--interpolation = \"linear\" is not allowed"), std::string::npos) << bad.output;
}

TEST_F(GeneratorCommands, ReconstructionErrorFallsAsZIsOptimised) {
  const auto result = test::run_srm_dist("reconstruct " + run_dir() + " -n 8 --steps 40 -o " + out("r"));
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_NE(result.output.find("per-pixel MSE over 8 images:"), std::string::npos) << result.output;
  const auto observed = read_dataset(out("r") + ".h5", "observed");
  const auto trajectory = read_dataset(out("r") + ".h5", "trajectory");  // (9, 8, 2)
  ASSERT_EQ(trajectory.sizes(), torch::IntArrayRef({9, 8, 2}));
  const double first = (trajectory[0] - observed).pow(2).mean().item<double>();
  const double last = (trajectory[8] - observed).pow(2).mean().item<double>();
  EXPECT_LT(last, 0.5 * first) << "MSE " << first << " -> " << last;
  const auto mse = read_dataset(out("r") + ".h5", "mse");
  EXPECT_NEAR(mse.mean().item<double>(), last, 1e-6);
}

TEST_F(GeneratorCommands, OneProcessCommandsRefuseSeveralRanks) {
  for (const std::string command : {"interpolate", "reconstruct"}) {
    const auto result = test::run_command("timeout 120 " + std::string(SRM_MPIRUN) + " -np 2 " + SRM_DIST_BINARY +
                                          " " + command + " " + run_dir() + " -o " + out("multi_" + command));
    EXPECT_NE(result.exit_code, 0) << result.output;
    EXPECT_NE(result.output.find(command + " runs in one process"), std::string::npos) << result.output;
    EXPECT_FALSE(std::filesystem::exists(out("multi_" + command) + ".h5"));
  }
}

// The anatomy paper's long-run check on the trained rings: it finishes, writes the trace and the
// snapshots at log-spaced steps with a finite energy, and gives a verdict; MALA works too.
TEST_F(GeneratorCommands, LongrunRecordsAFiniteEnergyTraceAndAVerdict) {
  const auto result = test::run_srm_dist("longrun " + run_dir() + " --steps 200 -n 32 -o " + out("long"));
  ASSERT_EQ(result.exit_code, 0) << result.output;
  const auto steps = read_dataset(out("long") + ".h5", "steps");
  EXPECT_TRUE(torch::equal(steps, torch::tensor({0.0f, 1.0f, 2.0f, 5.0f, 10.0f, 20.0f, 50.0f, 100.0f, 200.0f})));
  const auto energy = read_dataset(out("long") + ".h5", "energy");
  ASSERT_EQ(energy.size(0), 9);
  EXPECT_TRUE(torch::isfinite(energy).all().item<bool>());
  EXPECT_EQ(read_dataset(out("long") + ".h5", "snapshots").sizes(), torch::IntArrayRef({9, 32, 2}));
  EXPECT_TRUE(std::filesystem::exists(out("long") + ".png"));
  EXPECT_NE(result.output.find("verdict: \"long-run f"), std::string::npos) << result.output;
  const auto mala = test::run_srm_dist("longrun " + run_dir() + " --steps 20 -n 8 --from data -o " + out("long_mala") +
                                       " --set sampler.method=mala --set sampler.step_size=0.0001 --set sampler.noise=0.01414");
  ASSERT_EQ(mala.exit_code, 0) << mala.output;
  EXPECT_NE(mala.output.find("accept_rate: "), std::string::npos) << mala.output;
  EXPECT_NE(mala.output.find("from: data"), std::string::npos) << mala.output;
  EXPECT_EQ(mala.output.find("barely moved"), std::string::npos) << mala.output;  // the pairing accepts
  // Step 1 with noise 1e-4: the reverse proposal is ~1e2 noise deviations away, so every
  // proposal is rejected and the chains never leave the data: no verdict on the density.
  const auto stuck = test::run_srm_dist("longrun " + run_dir() + " --steps 20 -n 8 --from data -o " + out("long_stuck") +
                                        " --set sampler.method=mala --set sampler.step_size=1 --set sampler.noise=0.0001");
  ASSERT_EQ(stuck.exit_code, 0) << stuck.output;
  EXPECT_NE(stuck.output.find("accept_rate: 0.0000"), std::string::npos) << stuck.output;
  EXPECT_NE(stuck.output.find("verdict: \"the chains barely moved (acceptance 0 < 0.01)"), std::string::npos)
      << stuck.output;
}

TEST_F(GeneratorCommands, NoiseFreeCommandsRefuseMetropolisSamplersAndSamplingFromADataStart) {
  const auto interpolate = test::run_srm_dist("interpolate " + run_dir() + " --set sampler.method=hmc");
  EXPECT_EQ(interpolate.exit_code, 1);
  EXPECT_NE(interpolate.output.find("interpolate runs the noise-free sampler M_theta(z), and sampler.method = hmc has "
                                    "none"), std::string::npos) << interpolate.output;
  const auto sample = test::run_srm_dist("sample " + run_dir() + " -n 4 --set sampler.init=data");
  EXPECT_EQ(sample.exit_code, 1);
  EXPECT_NE(sample.output.find("sampler.init = data starts chains at a data batch or a replay buffer"),
            std::string::npos) << sample.output;
  const auto no_average = test::run_srm_dist("sample " + run_dir() + " -n 4 --weights ema");
  EXPECT_EQ(no_average.exit_code, 1);
  EXPECT_NE(no_average.output.find("holds no EMA weights"), std::string::npos) << no_average.output;
}

TEST_F(GeneratorCommands, ClearErrorsForBadUse) {
  const auto no_run = test::run_srm_dist("sample");
  EXPECT_EQ(no_run.exit_code, 2);
  EXPECT_NE(no_run.output.find("sample takes one trained run"), std::string::npos) << no_run.output;
  const auto not_a_run = test::run_srm_dist("sample " + out("nowhere"));
  EXPECT_EQ(not_a_run.exit_code, 1);
  EXPECT_NE(not_a_run.output.find("nowhere\" does not exist (expected a run directory, its archive.h5 or a "
                                  "checkpoints/ckpt_*.h5 file)"), std::string::npos) << not_a_run.output;
}

}  // namespace
}  // namespace srm
