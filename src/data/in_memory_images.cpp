// In-memory uint8 image dataset (see in_memory_images.h).
#include "data/in_memory_images.h"

#include <ATen/ATen.h>
#include <fmt/format.h>

namespace srm {

at::Tensor resize_images(const at::Tensor& images, int64_t size) {
  if (images.size(2) == size && images.size(3) == size) return images;
  std::vector<at::Tensor> chunks;
  const int64_t chunk = 4096;
  for (int64_t start = 0; start < images.size(0); start += chunk) {
    at::Tensor part = images.narrow(0, start, std::min(chunk, images.size(0) - start)).to(at::kFloat);
    at::Tensor resized = at::upsample_bilinear2d(part, {size, size}, /*align_corners=*/false);
    chunks.push_back(resized.round().clamp(0, 255).to(at::kByte));
  }
  return at::cat(chunks, 0);
}

at::Tensor to_model_range(const at::Tensor& images) {
  return images.to(at::kFloat).div_(127.5).sub_(1.0);
}

InMemoryImages::InMemoryImages(at::Tensor images, int64_t image_size, std::string description)
    : images_(resize_images(images, image_size).contiguous()),
      description_(fmt::format("{} ({} images, {}x{}x{})", description, images_.size(0),
                               images_.size(1), image_size, image_size)) {}

std::vector<int64_t> InMemoryImages::example_shape() const {
  return {images_.size(1), images_.size(2), images_.size(3)};
}

at::Tensor InMemoryImages::load(const std::vector<int64_t>& indices) const {
  return to_model_range(
      images_.index_select(0, at::tensor(indices, at::TensorOptions().dtype(at::kLong))));
}

}  // namespace srm
