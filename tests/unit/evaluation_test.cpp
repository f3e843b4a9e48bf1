// Fréchet distance against closed-form Gaussian cases, the feature statistics' sums (which ranks
// all-reduce) against a direct computation, and the Inception Score's limits.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "eval/gaussian_statistics.h"
#include "eval/inception_score.h"

namespace srm {
namespace {

torch::Tensor f64(std::initializer_list<double> v) { return torch::tensor(std::vector<double>(v), torch::kDouble); }

TEST(FrechetDistance, OneDimensionIsMeanGapPlusStdGapSquared) {
  // N(1, 4) vs N(3, 1): (1 - 3)^2 + (2 - 1)^2 = 5.
  EXPECT_NEAR(frechet_distance(f64({1}), f64({4}).view({1, 1}), f64({3}), f64({1}).view({1, 1})), 5.0, 1e-12);
}

TEST(FrechetDistance, DiagonalCovariances) {
  const auto a = torch::diag(f64({1, 4, 9})), b = torch::diag(f64({4, 4, 1}));
  // means (0,0,0) vs (1,0,2): 5; stds (1,2,3) vs (2,2,1): 1 + 0 + 4.
  EXPECT_NEAR(frechet_distance(f64({0, 0, 0}), a, f64({1, 0, 2}), b), 10.0, 1e-10);
}

TEST(FrechetDistance, CommutingRotatedCovariances) {
  // S1 = R diag(2, 8) R^T, S2 = R diag(0.5, 2) R^T: sum (sqrt a - sqrt b)^2 = 0.5 + 2.
  const double c = std::cos(0.7), s = std::sin(0.7);
  const auto r = torch::tensor({{c, -s}, {s, c}}, torch::kDouble);
  const auto s1 = r.mm(torch::diag(f64({2, 8}))).mm(r.t());
  const auto s2 = r.mm(torch::diag(f64({0.5, 2}))).mm(r.t());
  EXPECT_NEAR(frechet_distance(f64({0, 0}), s1, f64({0, 0}), s2), 2.5, 1e-10);
}

TEST(FrechetDistance, ZeroForTheSameGaussianAndSymmetric) {
  const auto m = torch::randn({6, 6}, torch::kDouble);
  const auto s1 = m.mm(m.t()) + torch::eye(6, torch::kDouble), s2 = torch::eye(6, torch::kDouble) * 2;
  const auto mu = torch::randn({6}, torch::kDouble);
  EXPECT_NEAR(frechet_distance(mu, s1, mu, s1), 0.0, 1e-9);
  EXPECT_NEAR(frechet_distance(mu, s1, mu * 0, s2), frechet_distance(mu * 0, s2, mu, s1), 1e-9);
}

TEST(GaussianStatistics, SumsInPartsEqualTheDirectMeanAndCovariance) {
  torch::manual_seed(2);
  const auto x = torch::randn({500, 4}, torch::kDouble) * torch::tensor({1.0, 2.0, 0.5, 3.0}, torch::kDouble) + 1.5;
  GaussianStatistics first(4), second(4);
  first.add(x.narrow(0, 0, 123));
  second.add(x.narrow(0, 123, 377));
  // What two ranks do: add the packed sums.
  const auto both = GaussianStatistics::unpack(first.packed() + second.packed(), 4);
  EXPECT_EQ(both.count(), 500);
  EXPECT_TRUE(torch::allclose(both.mean(), x.mean(0), 1e-12, 1e-12));
  EXPECT_TRUE(torch::allclose(both.covariance(), torch::cov(x.t()), 1e-10, 1e-10));
}

TEST(InceptionScore, ConfidentAndEvenlySpreadIsTheClassCountIdenticalIsOne) {
  InceptionScore spread(4);
  spread.add_logits(torch::eye(4).repeat({25, 1}) * 50);  // each sample sure of its class, classes balanced
  EXPECT_NEAR(spread.score(), 4.0, 1e-6);
  InceptionScore same(4);
  same.add_logits(torch::tensor({{3.0f, 1.0f, 0.0f, -1.0f}}).repeat({10, 1}));
  EXPECT_NEAR(same.score(), 1.0, 1e-9);
  const auto merged = InceptionScore::unpack(spread.packed(), 4);
  EXPECT_NEAR(merged.score(), spread.score(), 1e-12);
}

}  // namespace
}  // namespace srm
