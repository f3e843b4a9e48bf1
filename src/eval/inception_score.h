// Inception Score from class probabilities p(y|x): IS = exp(E_x KL(p(y|x) || p(y))), with
// p(y) the mean of p(y|x). Accumulated as sums (count, sum_x p(y|x), sum_x sum_y p log p) so
// ranks can each add their share and all-reduce.
#pragma once

#include <ATen/core/Tensor.h>

namespace srm {

class InceptionScore {
 public:
  explicit InceptionScore(int64_t classes);
  void add_logits(const at::Tensor& logits);  // (N, classes)
  at::Tensor packed() const;                   // float64 [count, sum p (C), sum p log p]
  static InceptionScore unpack(const at::Tensor& packed, int64_t classes);
  double score() const;
  int64_t count() const { return count_; }

 private:
  int64_t classes_;
  int64_t count_ = 0;
  at::Tensor sum_p_;
  double sum_p_log_p_ = 0;
};

}  // namespace srm
