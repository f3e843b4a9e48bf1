// PNG pictures of samples, written with stb_image_write: a grid for image batches and a
// scatter plot for 2-D points.
#pragma once

#include <ATen/core/Tensor.h>

#include <string>

namespace srm {

// images: float (B, C, H, W) in [-1, 1] (C = 1 or 3) -> uint8 (rows, cols, C) grid with
// `columns` images per row (0: about square), `padding` pixels of black between images.
at::Tensor image_grid(const at::Tensor& images, int64_t padding = 2, int64_t columns = 0);

// points: float (N, 2) -> uint8 (size, size, 3): white background, points in blue, the
// square [-extent, extent]^2 mapped to the picture, grey axes. `background` (M, 2), when
// defined: the data, drawn first as light grey dots, so the samples show against it.
at::Tensor scatter_plot(const at::Tensor& points, int64_t size = 512, double extent = 1.1,
                        const at::Tensor& background = {});

// Writes uint8 (H, W, C) as PNG; throws std::runtime_error naming the path on failure.
void write_png(const std::string& path, const at::Tensor& hwc);

// Grid for (B, C, H, W) (`columns` per row, 0: about square), scatter plot for (N, 2) with
// the optional data `background` (see scatter_plot).
void write_samples_png(const std::string& path, const at::Tensor& samples, int64_t columns = 0,
                       const at::Tensor& background = {});

// A PNG file's bytes and the size and channels its header (IHDR) gives. Throws
// std::runtime_error naming the path when it is not a readable PNG.
struct PngFile {
  std::string bytes;
  int width = 0, height = 0, channels = 0;
};
PngFile read_png_file(const std::string& path);

}  // namespace srm
