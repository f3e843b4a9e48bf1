// An image dataset held in memory as uint8 (N, C, S, S), resized once at construction to the
// configured side length; batches are converted to float in [-1, 1] on load. Serves the
// Fashion-MNIST and CIFAR-10 readers.
#pragma once

#include "data/dataset.h"

namespace srm {

class InMemoryImages : public Dataset {
 public:
  // images: uint8 (N, C, H, W). Resized (bilinear) to image_size x image_size if needed.
  InMemoryImages(at::Tensor images, int64_t image_size, std::string description);
  int64_t size() const override { return images_.size(0); }
  std::vector<int64_t> example_shape() const override;
  at::Tensor load(const std::vector<int64_t>& indices) const override;
  std::string describe() const override { return description_; }

 private:
  at::Tensor images_;  // uint8 (N, C, S, S)
  std::string description_;
};

// uint8 (N, C, H, W) -> uint8 (N, C, S, S), bilinear, in chunks to bound memory.
at::Tensor resize_images(const at::Tensor& images, int64_t size);

// uint8 (B, C, H, W) -> float (B, C, H, W) in [-1, 1].
at::Tensor to_model_range(const at::Tensor& images);

}  // namespace srm
