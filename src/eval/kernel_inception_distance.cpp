// Kernel Inception Distance (see kernel_inception_distance.h).
#include "eval/kernel_inception_distance.h"

#include <ATen/ATen.h>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <vector>

#include "util/random.h"

namespace srm {
namespace {

// k(a, b) = (a·b / d + 1)^3 for all row pairs: (m, D) x (m, D) -> (m, m).
at::Tensor polynomial_kernel(const at::Tensor& a, const at::Tensor& b) {
  return (a.mm(b.t()) / static_cast<double>(a.size(1)) + 1.0).pow(3);
}

// The unbiased MMD^2 estimate of two (m, D) float64 subsets.
double unbiased_mmd2(const at::Tensor& x, const at::Tensor& y) {
  const double m = static_cast<double>(x.size(0));
  const at::Tensor kxx = polynomial_kernel(x, x), kyy = polynomial_kernel(y, y), kxy = polynomial_kernel(x, y);
  const at::Tensor within = (kxx.sum() - kxx.trace()) + (kyy.sum() - kyy.trace());
  return (within / (m * (m - 1)) - 2.0 * kxy.sum() / (m * m)).item<double>();
}

void check_features(const at::Tensor& features, const char* which) {
  if (features.dim() != 2)
    throw std::invalid_argument(
        fmt::format("KID: {} features of shape ({}) where (N, D) was expected", which, fmt::join(features.sizes(), ", ")));
  if (features.size(0) < 2)
    throw std::invalid_argument(fmt::format(
        "KID: {} features have {} row(s); the unbiased estimate needs at least 2 in each set", which, features.size(0)));
  if (features.size(1) < 1) throw std::invalid_argument(fmt::format("KID: {} features have no columns", which));
}

}  // namespace

KidResult kernel_inception_distance(const at::Tensor& features1, const at::Tensor& features2, int64_t subsets,
                                    int64_t subset_size, uint64_t seed) {
  check_features(features1, "first");
  check_features(features2, "second");
  if (features1.size(1) != features2.size(1))
    throw std::invalid_argument(fmt::format("KID: feature dimensions differ ({} and {})", features1.size(1),
                                            features2.size(1)));
  if (subsets < 1) throw std::invalid_argument(fmt::format("KID: {} subsets; at least 1 is needed", subsets));
  if (subset_size < 2)
    throw std::invalid_argument(fmt::format("KID: subset size {}; at least 2 is needed", subset_size));

  const at::Tensor x1 = features1.detach().to(at::kDouble);
  const at::Tensor x2 = features2.detach().to(x1.device(), at::kDouble);
  const int64_t n1 = x1.size(0), n2 = x2.size(0);
  const int64_t m = std::min({subset_size, n1, n2});

  at::Generator generator = make_generator(c10::Device(c10::kCPU), seed);
  std::vector<double> estimates;
  estimates.reserve(static_cast<size_t>(subsets));
  for (int64_t s = 0; s < subsets; ++s) {
    const at::Tensor rows1 = at::randperm(n1, generator, at::kLong).narrow(0, 0, m).to(x1.device());
    const at::Tensor rows2 = at::randperm(n2, generator, at::kLong).narrow(0, 0, m).to(x1.device());
    estimates.push_back(unbiased_mmd2(x1.index_select(0, rows1), x2.index_select(0, rows2)));
  }

  KidResult result;
  result.subsets = subsets;
  result.subset_size = m;
  double sum = 0;
  for (const double e : estimates) sum += e;
  result.mean = sum / static_cast<double>(subsets);
  double squares = 0;
  for (const double e : estimates) squares += (e - result.mean) * (e - result.mean);
  result.std = std::sqrt(squares / static_cast<double>(subsets));  // population (ddof = 0), as np.std
  return result;
}

}  // namespace srm
