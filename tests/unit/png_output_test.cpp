// PNG output: the grid layout and pixel values, and a round trip through stb_image.
#include <gtest/gtest.h>
#include <stb/stb_image.h>
#include <torch/torch.h>

#include <fstream>
#include <stdexcept>

#include "io/png_output.h"
#include "test_support.h"

namespace srm {
namespace {

TEST(ImageGrid, LayoutAndValues) {
  auto images = -torch::ones({5, 3, 4, 6});  // black
  images[4].fill_(1.0);                       // white
  const auto grid = image_grid(images, 2);
  // 5 images -> 3 columns x 2 rows of 4x6 with 2-pixel padding.
  EXPECT_EQ(grid.sizes(), torch::IntArrayRef({2 + 2 * 6, 2 + 3 * 8, 3}));
  // Image 4 is row 1, column 1: top-left pixel at (2 + 6, 2 + 8).
  EXPECT_EQ(grid[8][10][0].item<int>(), 255);
  EXPECT_EQ(grid[2][2][0].item<int>(), 0);
}

TEST(WritePng, RoundTripsThroughStb) {
  test::TempDir dir;
  const auto grid = image_grid(torch::rand({4, 1, 8, 8}) * 2 - 1);
  write_png(dir.file("g.png"), grid);
  int w = 0, h = 0, c = 0;
  unsigned char* data = stbi_load(dir.file("g.png").c_str(), &w, &h, &c, 0);
  ASSERT_NE(data, nullptr);
  EXPECT_EQ(h, grid.size(0));
  EXPECT_EQ(w, grid.size(1));
  EXPECT_EQ(c, 1);
  const auto back = torch::from_blob(data, {h, w, 1}, torch::kByte).clone();
  stbi_image_free(data);
  EXPECT_TRUE(torch::equal(back, grid));
}

TEST(ScatterPlot, DrawsPointsWhereTheyAre) {
  const auto plot = scatter_plot(torch::tensor({{0.5f, 0.5f}}), 101, 1.0);
  // x = 0.5 -> column 75; y = 0.5 -> row 25 (y points up).
  EXPECT_EQ(plot[25][75][2].item<int>(), 200);
  EXPECT_EQ(plot[75][25][2].item<int>(), 255);
}

TEST(ScatterPlot, DrawsTheDataInLightGreyBehindTheSamples) {
  // Data at (-0.5, -0.5) (row 75, column 25) and under the sample at (0.5, 0.5).
  const auto data = torch::tensor({{-0.5f, -0.5f}, {0.5f, 0.5f}});
  const auto plot = scatter_plot(torch::tensor({{0.5f, 0.5f}}), 101, 1.0, data);
  for (int k = 0; k < 3; ++k) EXPECT_EQ(plot[75][25][k].item<int>(), 190);  // grey data point
  EXPECT_EQ(plot[25][75][2].item<int>(), 200);                               // the sample on top, blue
  EXPECT_EQ(scatter_plot(torch::tensor({{0.5f, 0.5f}}), 101, 1.0)[75][25][0].item<int>(), 255);  // none without
}

TEST(ReadPngFile, SizeAndChannelsFromTheHeader) {
  test::TempDir dir;
  write_png(dir.file("p.png"), torch::zeros({7, 5, 3}, torch::kByte));
  const PngFile png = read_png_file(dir.file("p.png"));
  EXPECT_EQ(png.width, 5);
  EXPECT_EQ(png.height, 7);
  EXPECT_EQ(png.channels, 3);
  EXPECT_EQ(png.bytes.substr(1, 3), "PNG");
  std::ofstream(dir.file("not.png")) << "hello";
  EXPECT_THROW(read_png_file(dir.file("not.png")), std::runtime_error);
}

}  // namespace
}  // namespace srm
