// The collapse check on ||df/dx|| (see gradient_jump.h).
#include "trainer/gradient_jump.h"

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>
#include <vector>

namespace srm {
namespace {

// The median of the values of history[first, last).
double median_of(const std::deque<std::pair<int64_t, double>>& history, size_t first, size_t last) {
  std::vector<double> values;
  values.reserve(last - first);
  for (size_t i = first; i < last; ++i) values.push_back(history[i].second);
  const size_t mid = values.size() / 2;
  std::nth_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(mid), values.end());
  const double upper = values[mid];
  if (values.size() % 2 == 1) return upper;
  const double lower = *std::max_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(mid));
  return 0.5 * (lower + upper);
}

}  // namespace

GradientJumpCheck::GradientJumpCheck(double jump, GradientJumpWindows windows) : jump_(jump), windows_(windows) {
  if (jump_ != 0 && !(jump_ > 1))
    throw std::invalid_argument(fmt::format("the gradient-jump ratio must be 0 (off) or above 1, not {}", jump_));
  if (windows_.window < 1 || windows_.horizon < 1 || windows_.long_lag < 1 || windows_.warmup < 0 ||
      windows_.kept < windows_.window + windows_.horizon + windows_.long_lag)
    throw std::invalid_argument(
        "the gradient-jump windows must be positive, and kept at least window + horizon + long_lag");
}

std::string GradientJumpCheck::observe(int64_t iteration, double chain_grad_norm) {
  if (jump_ == 0) return "";
  if (!history_.empty() && history_.back().first != iteration - 1) history_.clear();
  history_.emplace_back(iteration, chain_grad_norm);
  if (history_.size() > static_cast<size_t>(windows_.kept)) history_.pop_front();
  const auto window = static_cast<size_t>(windows_.window);
  const auto horizon = static_cast<size_t>(windows_.horizon);
  if (history_.size() < window + horizon) return "";
  const size_t split = history_.size() - window;  // the recent window: [split, end)
  if (history_[split].first < fresh_from_) return "";
  const double recent = median_of(history_, split, history_.size());
  // The reference [first, first + horizon); "" when it is not armed or not exceeded.
  const auto compare = [&](size_t lag, double ratio, const char* what) -> std::string {
    if (history_.size() < window + horizon + lag) return "";
    const size_t first = split - lag - horizon;
    if (history_[first].first <= windows_.warmup) return "";
    const double reference = median_of(history_, first, first + horizon);
    if (!(reference > 0) || recent < ratio * reference) return "";
    // Short enough for the archive's /rewinds cause (255 bytes); trainer/divergence.h adds the advice.
    return fmt::format(
        "||df/dx|| along the chains {} {:.3g}-fold (median {:.4g} over iterations {}-{}, {:.4g} over {}-{}), beyond "
        "train.divergence_grad_jump{} = {:g}{}: a collapse at bounded values",
        what, recent / reference, reference, history_[first].first, history_[first + horizon - 1].first, recent,
        history_[split].first, history_.back().first, lag == 0 ? "" : " squared", ratio,
        lag == 0 ? "" : fmt::format(" over {} iterations", windows_.long_lag));
  };
  std::string cause = compare(0, jump_, "jumped");
  if (cause.empty()) cause = compare(static_cast<size_t>(windows_.long_lag), jump_ * jump_, "climbed");
  return cause;
}

void GradientJumpCheck::forget_after(int64_t iteration) {
  while (!history_.empty() && history_.back().first > iteration) history_.pop_back();
  fresh_from_ = iteration + 1;
}

}  // namespace srm
