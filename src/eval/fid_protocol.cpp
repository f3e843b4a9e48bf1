// The standard FID Inception's input protocol (see fid_protocol.h).
#include "eval/fid_protocol.h"

#include <ATen/ATen.h>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <optional>
#include <stdexcept>
#include <vector>

namespace srm {

at::Tensor inception_input(const at::Tensor& images) {
  if (images.dim() != 4 || (images.size(1) != 1 && images.size(1) != 3))
    throw std::invalid_argument(fmt::format("FID input: images of shape ({}) where (N, 1 or 3, H, W) was expected",
                                            fmt::join(images.sizes(), ", ")));
  if (!c10::isFloatingType(images.scalar_type()))
    throw std::invalid_argument(fmt::format("FID input: {} images where floating images in [-1, 1] were expected",
                                            c10::toString(images.scalar_type())));
  if (images.size(0) == 0 || images.size(2) == 0 || images.size(3) == 0)
    throw std::invalid_argument(fmt::format("FID input: empty images of shape ({})", fmt::join(images.sizes(), ", ")));
  const at::Tensor x = images.detach().to(at::kFloat);
  if (!at::isfinite(x).all().item<bool>()) throw std::invalid_argument("FID input: images with NaN or infinite values");

  const at::Tensor pixels = ((x + 1.0) * 127.5).clamp(0.0, 255.0);  // (N, C, H, W) in [0, 255]
  const std::vector<int64_t> size{kInceptionInputSize, kInceptionInputSize};
  at::Tensor resized = at::upsample_bilinear2d(pixels.contiguous(), size, /*align_corners=*/false, std::nullopt,
                                               std::nullopt);  // (N, C, 299, 299)
  if (resized.size(1) == 1) resized = resized.expand({-1, 3, -1, -1});
  return ((resized - 128.0) / 128.0).contiguous();  // (N, 3, 299, 299)
}

}  // namespace srm
