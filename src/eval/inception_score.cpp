// Inception Score (see inception_score.h).
#include "eval/inception_score.h"

#include <ATen/ATen.h>

#include <cmath>
#include <stdexcept>

namespace srm {

InceptionScore::InceptionScore(int64_t classes) : classes_(classes), sum_p_(at::zeros({classes}, at::kDouble)) {}

void InceptionScore::add_logits(const at::Tensor& logits) {
  if (logits.dim() != 2 || logits.size(1) != classes_) throw std::invalid_argument("logits must be (N, classes)");
  const at::Tensor log_p = at::log_softmax(logits.detach().to(at::kCPU, at::kDouble), 1);
  const at::Tensor p = log_p.exp();
  count_ += logits.size(0);
  sum_p_ += p.sum(0);
  sum_p_log_p_ += (p * log_p).sum().item<double>();
}

at::Tensor InceptionScore::packed() const {
  return at::cat({at::full({1}, static_cast<double>(count_), at::kDouble), sum_p_,
                  at::full({1}, sum_p_log_p_, at::kDouble)});
}

InceptionScore InceptionScore::unpack(const at::Tensor& packed, int64_t classes) {
  const at::Tensor p = packed.to(at::kCPU, at::kDouble);
  InceptionScore s(classes);
  s.count_ = static_cast<int64_t>(std::llround(p[0].item<double>()));
  s.sum_p_ = p.narrow(0, 1, classes).clone();
  s.sum_p_log_p_ = p[1 + classes].item<double>();
  return s;
}

double InceptionScore::score() const {
  if (count_ == 0) throw std::logic_error("Inception Score of no samples");
  const double n = static_cast<double>(count_);
  const at::Tensor marginal = sum_p_ / n;
  // E_x sum_y p log p  -  sum_y p(y) log p(y)
  const double entropy_term = (marginal * marginal.clamp_min(1e-300).log()).sum().item<double>();
  return std::exp(sum_p_log_p_ / n - entropy_term);
}

}  // namespace srm
