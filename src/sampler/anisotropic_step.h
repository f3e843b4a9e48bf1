// AniLA's anisotropic step (Karimi, Xie, Li, draft; ../shared/papers/anila-anisotropic-langevin.md,
// eqs. 5-6): gamma = b / max(b, |df/dx|), so the step shrinks where the energy is steep and is 1
// where |df/dx| <= b. The draft's equations apply it per coordinate, to the drift (times gamma)
// and the noise (times sqrt(gamma)); the authors' public scripts differ (|df/dx| as the norm over
// a pixel's colour channels, or over the whole sample for 2-D data; on images gamma applied to the
// noise only, linearly). Both are offered; the equations are the default.
#pragma once

#include <ATen/core/Tensor.h>

#include <string>

namespace srm {

// Over what |df/dx| is measured, i.e. how many gammas there are.
enum class AnilaGranularity {
  Coordinate,  // one gamma per coordinate: |df/dx_i| (the equations)
  Pixel,       // one per pixel: the L2 norm over the channels of (B, C, H, W) inputs
  Sample,      // one per example: the L2 norm over all of its coordinates
};

// Which terms of the Langevin update gamma scales.
enum class AnilaScaling {
  DriftAndNoise,  // x += step_size * gamma * df/dx + noise * sqrt(gamma) * N  (the equations)
  NoiseOnly,      // x += step_size * df/dx + noise * gamma * N  (the public scripts on images)
};

struct AnilaSettings {
  double b = 1.0;  // threshold b > 0
  AnilaGranularity granularity = AnilaGranularity::Coordinate;
  AnilaScaling scaling = AnilaScaling::DriftAndNoise;
};

AnilaGranularity parse_anila_granularity(const std::string& name);  // coordinate | pixel | sample
AnilaScaling parse_anila_scaling(const std::string& name);          // drift_and_noise | noise_only

// gamma for a gradient (B, ...): shaped to broadcast against it (B, ...), (B, 1, H, W) or
// (B, 1, ..., 1) by granularity. Pixel granularity needs (B, C, H, W) gradients.
at::Tensor anila_gamma(const at::Tensor& grad, const AnilaSettings& settings);

}  // namespace srm
