// Gaussian statistics and the Fréchet distance (see gaussian_statistics.h).
#include "eval/gaussian_statistics.h"

#include <ATen/ATen.h>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <stdexcept>

namespace srm {

GaussianStatistics::GaussianStatistics(int64_t dimension)
    : dimension_(dimension), sum_(at::zeros({dimension}, at::kDouble)), outer_(at::zeros({dimension, dimension}, at::kDouble)) {}

void GaussianStatistics::add(const at::Tensor& features) {
  if (features.dim() != 2 || features.size(1) != dimension_)
    throw std::invalid_argument(fmt::format("features of shape ({}) where (N, {}) was expected",
                                            fmt::join(features.sizes(), ", "), dimension_));
  const at::Tensor f = features.detach().to(at::kCPU, at::kDouble);
  count_ += f.size(0);
  sum_ += f.sum(0);
  outer_ += f.t().mm(f);
}

at::Tensor GaussianStatistics::packed() const {
  return at::cat({at::full({1}, static_cast<double>(count_), at::kDouble), sum_, outer_.reshape({-1})});
}

GaussianStatistics GaussianStatistics::unpack(const at::Tensor& packed, int64_t dimension) {
  const at::Tensor p = packed.to(at::kCPU, at::kDouble);
  GaussianStatistics s(dimension);
  s.count_ = static_cast<int64_t>(std::llround(p[0].item<double>()));
  s.sum_ = p.narrow(0, 1, dimension).clone();
  s.outer_ = p.narrow(0, 1 + dimension, dimension * dimension).reshape({dimension, dimension}).clone();
  return s;
}

at::Tensor GaussianStatistics::mean() const {
  if (count_ == 0) throw std::logic_error("mean of no features");
  return sum_ / static_cast<double>(count_);
}

at::Tensor GaussianStatistics::covariance() const {
  if (count_ < 2) throw std::logic_error("covariance needs at least two feature vectors");
  const at::Tensor mu = mean();
  const double n = static_cast<double>(count_);
  return (outer_ - n * mu.unsqueeze(1).mm(mu.unsqueeze(0))) / (n - 1);
}

double frechet_distance(const at::Tensor& mu1, const at::Tensor& s1, const at::Tensor& mu2, const at::Tensor& s2) {
  const at::Tensor a = s1.to(at::kDouble), b = s2.to(at::kDouble);
  const auto [values1, vectors1] = at::linalg_eigh(0.5 * (a + a.t()));
  const at::Tensor sqrt_a = vectors1.mm(at::diag(values1.clamp_min(0).sqrt())).mm(vectors1.t());
  const at::Tensor middle = sqrt_a.mm(b).mm(sqrt_a);
  const at::Tensor values = at::linalg_eigvalsh(0.5 * (middle + middle.t()));
  const double trace_sqrt = values.clamp_min(0).sqrt().sum().item<double>();
  const double mean_term = (mu1.to(at::kDouble) - mu2.to(at::kDouble)).pow(2).sum().item<double>();
  return mean_term + a.trace().item<double>() + b.trace().item<double>() - 2 * trace_sqrt;
}

}  // namespace srm
