// PNG grids and scatter plots (see png_output.h).
#include "io/png_output.h"

#include <ATen/ATen.h>
#include <fmt/format.h>
#include <stb/stb_image_write.h>

#include <cmath>
#include <cstdint>
#include <fstream>
#include <iterator>
#include <stdexcept>

namespace srm {

at::Tensor image_grid(const at::Tensor& images, int64_t padding, int64_t columns) {
  if (images.dim() != 4) throw std::invalid_argument("image_grid: expected (B, C, H, W)");
  const int64_t b = images.size(0), c = images.size(1), h = images.size(2), w = images.size(3);
  const int64_t cols = columns > 0 ? columns : static_cast<int64_t>(std::ceil(std::sqrt(static_cast<double>(b))));
  const int64_t rows = (b + cols - 1) / cols;
  at::Tensor pixels = images.detach().to(at::kCPU, at::kFloat).clamp(-1, 1).add(1).mul(127.5).round()
                          .to(at::kByte);
  at::Tensor grid = at::zeros({rows * (h + padding) + padding, cols * (w + padding) + padding, c}, at::kByte);
  for (int64_t i = 0; i < b; ++i) {
    const int64_t top = padding + (i / cols) * (h + padding), left = padding + (i % cols) * (w + padding);
    grid.narrow(0, top, h).narrow(1, left, w).copy_(pixels[i].permute({1, 2, 0}));
  }
  return grid;
}

at::Tensor scatter_plot(const at::Tensor& points, int64_t size, double extent, const at::Tensor& background) {
  at::Tensor canvas = at::full({size, size, 3}, 255, at::kByte);
  auto px = canvas.accessor<uint8_t, 3>();
  const auto to_pixel = [&](double v) { return static_cast<int64_t>((v + extent) / (2 * extent) * (size - 1)); };
  const int64_t centre = to_pixel(0.0);
  for (int64_t i = 0; i < size; ++i)
    for (int k = 0; k < 3; ++k) px[centre][i][k] = px[i][centre][k] = 200;
  if (background.defined()) {
    const at::Tensor d = background.detach().to(at::kCPU, at::kDouble).contiguous();
    auto dt = d.accessor<double, 2>();
    for (int64_t i = 0; i < d.size(0); ++i) {
      const int64_t x = to_pixel(dt[i][0]), y = to_pixel(-dt[i][1]);
      if (y < 0 || y >= size || x < 0 || x >= size) continue;
      for (int k = 0; k < 3; ++k) px[y][x][k] = 190;  // light grey, one pixel: the data's shape
    }
  }
  at::Tensor p = points.detach().to(at::kCPU, at::kDouble);
  auto pt = p.accessor<double, 2>();
  for (int64_t i = 0; i < p.size(0); ++i) {
    const int64_t x = to_pixel(pt[i][0]), y = to_pixel(-pt[i][1]);
    for (int64_t dy = -1; dy <= 1; ++dy)
      for (int64_t dx = -1; dx <= 1; ++dx) {
        const int64_t yy = y + dy, xx = x + dx;
        if (yy < 0 || yy >= size || xx < 0 || xx >= size) continue;
        px[yy][xx][0] = 30;
        px[yy][xx][1] = 80;
        px[yy][xx][2] = 200;
      }
  }
  return canvas;
}

void write_png(const std::string& path, const at::Tensor& hwc) {
  const at::Tensor data = hwc.contiguous();
  const int h = static_cast<int>(data.size(0)), w = static_cast<int>(data.size(1)),
            c = static_cast<int>(data.size(2));
  if (stbi_write_png(path.c_str(), w, h, c, data.data_ptr(), w * c) == 0)
    throw std::runtime_error(fmt::format("cannot write PNG \"{}\"", path));
}

void write_samples_png(const std::string& path, const at::Tensor& samples, int64_t columns,
                       const at::Tensor& background) {
  if (samples.dim() == 2 && samples.size(1) == 2) return write_png(path, scatter_plot(samples, 512, 1.1, background));
  write_png(path, image_grid(samples, 2, columns));
}

PngFile read_png_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  PngFile png;
  png.bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  static const char signature[] = "\x89PNG\r\n\x1a\n";
  if (png.bytes.size() < 33 || png.bytes.compare(0, 8, signature, 8) != 0 || png.bytes.compare(12, 4, "IHDR") != 0)
    throw std::runtime_error(fmt::format("\"{}\" is not a readable PNG file", path));
  const auto be32 = [&png](size_t at) {
    uint32_t v = 0;
    for (size_t i = 0; i < 4; ++i) v = (v << 8) | static_cast<uint8_t>(png.bytes[at + i]);
    return static_cast<int>(v);
  };
  png.width = be32(16);
  png.height = be32(20);
  switch (static_cast<uint8_t>(png.bytes[25])) {  // colour type
    case 0: png.channels = 1; break;
    case 2: png.channels = 3; break;
    case 4: png.channels = 2; break;
    case 6: png.channels = 4; break;
    default: throw std::runtime_error(fmt::format("\"{}\": unsupported PNG colour type", path));
  }
  return png;
}

}  // namespace srm
