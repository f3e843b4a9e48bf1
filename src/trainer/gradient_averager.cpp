// Flat-buffer gradient averaging (see gradient_averager.h).
#include "trainer/gradient_averager.h"

#include <ATen/ATen.h>

#include <limits>

namespace srm {

void GradientAverager::operator()(std::vector<at::Tensor>& parameters, at::Tensor& stats) const {
  std::vector<at::Tensor> pieces;
  pieces.reserve(parameters.size() + 1);
  for (auto& p : parameters) {
    if (!p.grad().defined()) p.mutable_grad() = at::zeros_like(p);
    pieces.push_back(p.grad().reshape({-1}).to(at::kFloat));
  }
  pieces.push_back(stats.reshape({-1}).to(at::kFloat));
  at::Tensor maxima;
  if (maxima_.count > 0) {
    const double inf = std::numeric_limits<double>::infinity();
    maxima = stats.reshape({-1}).narrow(0, maxima_.first, maxima_.count).nan_to_num(inf, inf, -inf);
    comm_.all_reduce(maxima, ReduceOp::Max);
  }
  at::Tensor flat = at::cat(pieces).mul_(weight_);
  comm_.all_reduce(flat, ReduceOp::Sum);
  int64_t offset = 0;
  for (auto& p : parameters) {
    const int64_t n = p.numel();
    p.mutable_grad().copy_(flat.narrow(0, offset, n).view_as(p));
    offset += n;
  }
  stats.copy_(flat.narrow(0, offset, stats.numel()).view_as(stats));
  if (maxima.defined()) stats.view({-1}).narrow(0, maxima_.first, maxima_.count).copy_(maxima);
}

}  // namespace srm
