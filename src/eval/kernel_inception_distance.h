// Kernel Inception Distance (KID, Bińkowski et al. 2018) as torch-fidelity and clean-fid compute
// it: the unbiased estimate of MMD^2 with the polynomial kernel k(x, y) = (x·y / d + 1)^3,
//   MMD^2 = (sum K_xx - tr K_xx) / (m(m-1)) + (sum K_yy - tr K_yy) / (m(m-1)) - 2 sum K_xy / m^2,
// averaged over `subsets` pairs of subsets of m = min(subset_size, n1, n2) rows drawn without
// replacement from each set (the first set's rows first, then the second's, in each subset).
//
// Unlike the Fréchet distance, KID needs the feature vectors themselves, not only their mean and
// covariance: callers keep the (N, D) features (or gather them from the ranks) rather than the
// GaussianStatistics sums.
//
// `std` is the population standard deviation over subsets (np.std with ddof = 0), as
// torch-fidelity reports it (clean-fid reports the mean only). torch-fidelity refuses
// subset_size > n; here it is clamped to min(n1, n2) as clean-fid does, and the result says the
// size used. The subsets come from at::randperm with a CPU generator seeded by `seed`, so a
// result is reproducible, but the draws differ from NumPy's: with subsets smaller than the sets
// the value agrees with the Python tools only in distribution; with subset_size >= n1 = n2 (all
// rows) it is the same number. Computed in float64 on the device of `features1`.
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>

namespace srm {

struct KidResult {
  double mean = 0;
  double std = 0;
  int64_t subsets = 0;
  int64_t subset_size = 0;  // after clamping to min(n1, n2)
};

// features1: (N1, D), features2: (N2, D), any float dtype; throws std::invalid_argument for
// mismatched or non-2-D shapes, fewer than 2 rows in either set, or subsets < 1 / subset_size < 2.
KidResult kernel_inception_distance(const at::Tensor& features1, const at::Tensor& features2, int64_t subsets = 100,
                                    int64_t subset_size = 1000, uint64_t seed = 0);

}  // namespace srm
