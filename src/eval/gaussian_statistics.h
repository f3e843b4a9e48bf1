// The statistics behind the Fréchet distance (FID): a Gaussian fitted to feature vectors,
// accumulated as sums (count, sum f, sum f f^T in float64) so that ranks can each add their share and
// all-reduce, and the Fréchet distance between two such Gaussians:
//   d^2 = |mu1 - mu2|^2 + tr(S1 + S2 - 2 (S1 S2)^(1/2)),
// with tr (S1 S2)^(1/2) = sum of sqrt(eigenvalues of S1^(1/2) S2 S1^(1/2)) (symmetric, so eigh).
#pragma once

#include <ATen/core/Tensor.h>

namespace srm {

class GaussianStatistics {
 public:
  explicit GaussianStatistics(int64_t dimension);

  void add(const at::Tensor& features);  // (N, D), any float dtype and device
  // The sums as one float64 CPU vector [count, sum (D), outer (D*D)], and back: for all-reduce.
  at::Tensor packed() const;
  static GaussianStatistics unpack(const at::Tensor& packed, int64_t dimension);

  int64_t count() const { return count_; }
  at::Tensor mean() const;        // (D,) float64
  at::Tensor covariance() const;  // (D, D) float64, unbiased (N - 1)

 private:
  int64_t dimension_;
  int64_t count_ = 0;
  at::Tensor sum_, outer_;
};

// Fréchet distance between N(mu1, s1) and N(mu2, s2) (float64 inputs).
double frechet_distance(const at::Tensor& mu1, const at::Tensor& s1, const at::Tensor& mu2, const at::Tensor& s2);

}  // namespace srm
