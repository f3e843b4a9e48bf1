// The training-curves PNG: a valid PNG of the chosen size for synthetic runs, for 0 and 1 rows
// and for NaN/inf values; every panel holds some drawing; the file is replaced atomically; an
// unwritable path throws naming it; streams are freed (more calls than PLplot has streams).
#include <gtest/gtest.h>
#include <stb/stb_image.h>

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <vector>

#include "plot/training_curves.h"
#include "test_support.h"

namespace srm {
namespace {

std::vector<IterationMetrics> synthetic_rows(int n) {
  std::vector<IterationMetrics> rows;
  for (int i = 1; i <= n; ++i) {
    const double t = static_cast<double>(i) / n, wiggle = 0.1 * std::sin(0.7 * i);
    IterationMetrics m;
    m.iteration = i;
    m.energy_diff = 2 * std::exp(-5 * t) + wiggle;
    m.energy_data = -1 - 3 * t;
    m.energy_samples = m.energy_data - m.energy_diff;
    m.loss = -m.energy_diff;
    m.chain_grad_norm = 50 * std::exp(-4 * t) + 0.5 + std::fabs(wiggle);
    m.param_grad_norm = 3 * std::exp(-2 * t) + std::fabs(wiggle);
    m.lr = t < 0.5 ? 1e-4 : 2e-4 * (1 - t);
    m.data_noise = 0.03;
    m.seconds = 0.1;
    rows.push_back(m);
  }
  return rows;
}

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

uint32_t big_endian(const std::string& bytes, size_t at) {
  uint32_t value = 0;
  for (size_t i = at; i < at + 4; ++i) value = value << 8 | static_cast<unsigned char>(bytes[i]);
  return value;
}

// The file is a PNG whose IHDR says kTrainingCurvesWidth x kTrainingCurvesHeight.
void expect_png_of_chosen_size(const std::string& path) {
  const std::string bytes = read_bytes(path);
  ASSERT_GE(bytes.size(), 33u) << path;
  EXPECT_EQ(bytes.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
  EXPECT_EQ(bytes.substr(12, 4), "IHDR");
  EXPECT_EQ(big_endian(bytes, 16), static_cast<uint32_t>(kTrainingCurvesWidth));
  EXPECT_EQ(big_endian(bytes, 20), static_cast<uint32_t>(kTrainingCurvesHeight));
  EXPECT_FALSE(std::filesystem::exists(path + ".partial"));
}

TEST(TrainingCurves, WritesPngOfChosenSize) {
  test::TempDir dir;
  write_training_curves_png(dir.file("curves.png"), synthetic_rows(200));
  expect_png_of_chosen_size(dir.file("curves.png"));
}

TEST(TrainingCurves, EveryPanelHoldsADrawing) {
  test::TempDir dir;
  const std::vector<EvalPoint> evals = {{50, 120, 0.1}, {100, 80, 0.06}, {200, 60, 0.05}};
  write_training_curves_png(dir.file("curves.png"), synthetic_rows(200), evals);
  int width = 0, height = 0, channels = 0;
  unsigned char* pixels = stbi_load(dir.file("curves.png").c_str(), &width, &height, &channels, 3);
  ASSERT_NE(pixels, nullptr) << stbi_failure_reason();
  ASSERT_EQ(width, kTrainingCurvesWidth);
  ASSERT_EQ(height, kTrainingCurvesHeight);
  const auto at = [&](int x, int y) { return pixels + 3 * (static_cast<size_t>(y) * width + x); };
  const unsigned char* background = at(0, 0);
  const auto differs = [&](int x, int y) {
    const unsigned char* p = at(x, y);
    return p[0] != background[0] || p[1] != background[1] || p[2] != background[2];
  };
  // A 3 x 2 grid of panels: in each cell's inner half, some pixels are drawn (curves, axes).
  const int cell_w = width / 3, cell_h = height / 2;
  for (int row = 0; row < 2; ++row) {
    for (int column = 0; column < 3; ++column) {
      int drawn = 0;
      for (int y = row * cell_h + cell_h / 4; y < row * cell_h + 3 * cell_h / 4; ++y)
        for (int x = column * cell_w + cell_w / 4; x < column * cell_w + 3 * cell_w / 4; ++x)
          drawn += differs(x, y);
      EXPECT_GT(drawn, cell_w * cell_h / 400) << "panel row " << row << " column " << column;
    }
  }
  stbi_image_free(pixels);
}

TEST(TrainingCurves, NoRowsOneRowAndNonFiniteValues) {
  test::TempDir dir;
  write_training_curves_png(dir.file("empty.png"), {});
  expect_png_of_chosen_size(dir.file("empty.png"));
  write_training_curves_png(dir.file("one.png"), synthetic_rows(1));
  expect_png_of_chosen_size(dir.file("one.png"));

  auto rows = synthetic_rows(300);
  for (size_t i = 0; i < rows.size(); i += 7) {
    rows[i].energy_diff = NAN;
    rows[i].chain_grad_norm = INFINITY;
    rows[i].loss = -INFINITY;
  }
  for (auto& m : rows) m.energy_samples = NAN, m.lr = 1e-3;  // a series of NaN, a constant one
  rows[150].chain_grad_norm = 0;
  const std::vector<EvalPoint> evals = {{100, NAN, 0.1}, {200, 50, INFINITY}};
  write_training_curves_png(dir.file("nan.png"), rows, evals);
  expect_png_of_chosen_size(dir.file("nan.png"));

  std::vector<IterationMetrics> all_nan(5);
  for (auto& m : all_nan) m.energy_diff = m.loss = m.energy_data = m.lr = NAN;
  write_training_curves_png(dir.file("all_nan.png"), all_nan);
  expect_png_of_chosen_size(dir.file("all_nan.png"));
}

TEST(TrainingCurves, LongRunsAreDrawn) {
  test::TempDir dir;
  write_training_curves_png(dir.file("long.png"), synthetic_rows(100000));
  expect_png_of_chosen_size(dir.file("long.png"));
}

TEST(TrainingCurves, ReplacesAnExistingFileAtomically) {
  test::TempDir dir;
  const std::string path = dir.file("curves.png");
  std::ofstream(path) << "an older picture";
  write_training_curves_png(path, synthetic_rows(20));
  expect_png_of_chosen_size(path);
  const std::filesystem::directory_iterator listing(dir.path());
  EXPECT_EQ(std::distance(begin(listing), end(listing)), 1);  // no .partial left
}

TEST(TrainingCurves, UnwritablePathThrowsNamingIt) {
  test::TempDir dir;
  const std::string path = dir.file("missing/curves.png");
  try {
    write_training_curves_png(path, synthetic_rows(10));
    FAIL() << "no exception";
  } catch (const std::runtime_error& error) {
    EXPECT_NE(std::string(error.what()).find(path), std::string::npos) << error.what();
  }
  EXPECT_FALSE(std::filesystem::exists(path + ".partial"));
}

TEST(TrainingCurves, EachCallFreesItsStream) {
  test::TempDir dir;  // PLplot has 100 streams: a leak would fail before the last call
  for (int i = 0; i < 105; ++i) write_training_curves_png(dir.file("curves.png"), {});
  expect_png_of_chosen_size(dir.file("curves.png"));
}

}  // namespace
}  // namespace srm
