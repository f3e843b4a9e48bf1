// 2-D toy distributions, drawn once at construction from a seeded generator:
//   rings: concentric circles of radii kRingRadii (a ring picked uniformly per point);
//   gmm:   8 Gaussians evenly spaced on a circle of radius kGmmRadius.
// `noise` is the std around the ring / centre. All points lie well inside [-1, 1]^2.
#pragma once

#include <array>

#include "data/dataset.h"

namespace srm {

enum class ToyKind { Rings, Gmm };

inline constexpr std::array<double, 3> kRingRadii{0.25, 0.5, 0.75};
inline constexpr double kGmmRadius = 0.6;
inline constexpr int kGmmModes = 8;

class Toy2d : public Dataset {
 public:
  Toy2d(ToyKind kind, int64_t count, double noise, uint64_t seed);
  int64_t size() const override { return points_.size(0); }
  std::vector<int64_t> example_shape() const override { return {2}; }
  at::Tensor load(const std::vector<int64_t>& indices) const override;
  std::string describe() const override;

 private:
  ToyKind kind_;
  double noise_;
  at::Tensor points_;  // (N, 2)
};

}  // namespace srm
