// 2-D toy data (see toy_2d.h).
#include "data/toy_2d.h"

#include <ATen/ATen.h>
#include <fmt/format.h>

#include <cmath>

#include "util/random.h"

namespace srm {

Toy2d::Toy2d(ToyKind kind, int64_t count, double noise, uint64_t seed) : kind_(kind), noise_(noise) {
  at::Generator gen = make_generator(c10::Device(c10::kCPU), seed);
  const auto f32 = at::TensorOptions().dtype(at::kFloat);
  if (kind == ToyKind::Rings) {
    at::Tensor which = at::randint(static_cast<int64_t>(kRingRadii.size()), {count}, gen,
                                   at::TensorOptions().dtype(at::kLong));
    at::Tensor radii = at::tensor(std::vector<float>(kRingRadii.begin(), kRingRadii.end()), f32)
                           .index_select(0, which);
    at::Tensor angle = at::empty({count}, f32).uniform_(0, 2 * M_PI, gen);
    at::Tensor r = radii + noise * at::randn({count}, gen, f32);
    points_ = at::stack({r * at::cos(angle), r * at::sin(angle)}, 1);
  } else {
    at::Tensor which = at::randint(kGmmModes, {count}, gen, at::TensorOptions().dtype(at::kLong));
    at::Tensor angle = which.to(at::kFloat) * (2 * M_PI / kGmmModes);
    at::Tensor centres = at::stack({at::cos(angle), at::sin(angle)}, 1) * kGmmRadius;
    points_ = centres + noise * at::randn({count, 2}, gen, f32);
  }
}

at::Tensor Toy2d::load(const std::vector<int64_t>& indices) const {
  return points_.index_select(0, at::tensor(indices, at::TensorOptions().dtype(at::kLong)));
}

std::string Toy2d::describe() const {
  return fmt::format("{} toy data: {} points, noise {}",
                     kind_ == ToyKind::Rings ? "rings" : "gmm", size(), noise_);
}

}  // namespace srm
