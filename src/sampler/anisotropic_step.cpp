// AniLA's anisotropic step (see anisotropic_step.h).
#include "sampler/anisotropic_step.h"

#include <ATen/ATen.h>
#include <fmt/format.h>

#include <stdexcept>

namespace srm {

AnilaGranularity parse_anila_granularity(const std::string& name) {
  if (name == "coordinate") return AnilaGranularity::Coordinate;
  if (name == "pixel") return AnilaGranularity::Pixel;
  if (name == "sample") return AnilaGranularity::Sample;
  throw std::invalid_argument(fmt::format("unknown AniLA granularity \"{}\" (coordinate, pixel, sample)", name));
}

AnilaScaling parse_anila_scaling(const std::string& name) {
  if (name == "drift_and_noise") return AnilaScaling::DriftAndNoise;
  if (name == "noise_only") return AnilaScaling::NoiseOnly;
  throw std::invalid_argument(fmt::format("unknown AniLA scaling \"{}\" (drift_and_noise, noise_only)", name));
}

at::Tensor anila_gamma(const at::Tensor& grad, const AnilaSettings& settings) {
  at::Tensor magnitude;
  switch (settings.granularity) {
    case AnilaGranularity::Coordinate:
      magnitude = grad.abs();
      break;
    case AnilaGranularity::Pixel:
      if (grad.dim() != 4)
        throw std::invalid_argument(fmt::format("AniLA pixel granularity needs image inputs (B, C, H, W); got {} "
                                                "dimensions (use sample granularity for 2-D points)", grad.dim()));
      magnitude = grad.norm(2, {1}, /*keepdim=*/true);
      break;
    case AnilaGranularity::Sample: {
      std::vector<int64_t> shape(static_cast<size_t>(grad.dim()), 1);
      shape[0] = grad.size(0);
      magnitude = grad.flatten(1).norm(2, {1}).view(shape);
      break;
    }
  }
  return settings.b / at::clamp_min(magnitude, settings.b);
}

}  // namespace srm
