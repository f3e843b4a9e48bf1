// srm-prepare-images' conversion on small JPEG/PNG files the test writes: center crop,
// resize, channel layout, sorted order, skipped corrupt files, and reading the result back
// as a training dataset.
#include <gtest/gtest.h>
#include <stb/stb_image_write.h>
#include <torch/torch.h>

#include <fstream>

#include "data/dataset.h"
#include "data/hdf5_image_set.h"
#include "image_folder_to_hdf5.h"
#include "test_support.h"

namespace srm {
namespace {

// A w x h RGB image: the centered min(w,h) square is `inner`, the rest `outer`.
std::vector<unsigned char> framed(int w, int h, std::array<unsigned char, 3> inner,
                                  std::array<unsigned char, 3> outer) {
  std::vector<unsigned char> px(static_cast<size_t>(w) * h * 3);
  const int side = std::min(w, h), left = (w - side) / 2, top = (h - side) / 2;
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      const bool in = x >= left && x < left + side && y >= top && y < top + side;
      for (int c = 0; c < 3; ++c) px[(static_cast<size_t>(y) * w + x) * 3 + c] = in ? inner[c] : outer[c];
    }
  return px;
}

TEST(PrepareImages, CropsResizesAndStoresNCHW) {
  test::TempDir dir;
  const auto in = dir.path() / "img";
  std::filesystem::create_directories(in);
  // 000001: wide PNG, green centre, red sides. 000002: tall JPEG, blue centre.
  auto a = framed(60, 40, {0, 255, 0}, {255, 0, 0});
  stbi_write_png((in / "000001.png").c_str(), 60, 40, 3, a.data(), 60 * 3);
  auto b = framed(40, 70, {0, 0, 255}, {255, 255, 0});
  stbi_write_jpg((in / "000002.jpg").c_str(), 40, 70, 3, b.data(), 95);
  std::ofstream(in / "000003.jpg") << "not a jpeg";
  std::ofstream(in / "notes.txt") << "ignored";

  PrepareOptions o;
  o.input_dir = in.string();
  o.output_path = dir.file("set.h5");
  o.size = 32;
  const auto report = prepare_image_folder(o, nullptr);
  EXPECT_EQ(report.written, 2);
  ASSERT_EQ(report.skipped.size(), 1u);
  EXPECT_NE(report.skipped[0].find("000003.jpg"), std::string::npos);

  Hdf5ImageSet set(o.output_path, 32, 0);
  ASSERT_EQ(set.size(), 2);
  EXPECT_EQ(set.example_shape(), (std::vector<int64_t>{3, 32, 32}));
  const auto images = set.load({0, 1});  // [-1, 1]
  // Image 0 is all green after the center crop (no red from the sides), exactly (PNG).
  EXPECT_TRUE(torch::equal(images[0][1], torch::ones({32, 32})));
  EXPECT_TRUE(torch::equal(images[0][0], -torch::ones({32, 32})));
  // Image 1 is blue (JPEG: within 8/255 of the value, away from chroma edges).
  const auto blue = images[1][2].narrow(0, 4, 24).narrow(1, 4, 24);
  EXPECT_GT(blue.min().item<float>(), 1.0 - 16.0 / 255);
  EXPECT_LT(images[1][0].narrow(0, 4, 24).narrow(1, 4, 24).max().item<float>(), -1.0 + 16.0 / 255);
}

TEST(PrepareImages, ClearErrors) {
  test::TempDir dir;
  PrepareOptions o;
  o.input_dir = dir.file("nope");
  o.output_path = dir.file("x.h5");
  EXPECT_THROW(prepare_image_folder(o, nullptr), std::runtime_error);
  o.input_dir = dir.path().string();
  o.size = 48;
  try {
    prepare_image_folder(o, nullptr);
    FAIL();
  } catch (const std::runtime_error& e) {
    EXPECT_EQ(std::string(e.what()), "--size 48 is not allowed: expected 32, 64 or 128");
  }
}

TEST(Hdf5ImageSet, MismatchedSizeAndMissingFileNameTheFile) {
  test::TempDir dir;
  const auto in = dir.path() / "img";
  std::filesystem::create_directories(in);
  auto a = framed(8, 8, {1, 2, 3}, {1, 2, 3});
  stbi_write_png((in / "a.png").c_str(), 8, 8, 3, a.data(), 8 * 3);
  PrepareOptions o;
  o.input_dir = in.string();
  o.output_path = dir.file("set.h5");
  o.size = 32;
  prepare_image_folder(o, nullptr);
  try {
    Hdf5ImageSet set(o.output_path, 64, 0);
    FAIL();
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find("holds 32x32 images but data.image_size = 64"), std::string::npos);
  }
  EXPECT_THROW(Hdf5ImageSet(dir.file("missing.h5"), 32, 0), DataError);
}

}  // namespace
}  // namespace srm
