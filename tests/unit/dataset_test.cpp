// Dataset readers: exact contents of small files the test writes, and a clear error naming
// the file for missing, truncated and mis-shaped data.
#include <gtest/gtest.h>
#include <torch/torch.h>
#include <zlib.h>

#include <filesystem>
#include <fstream>

#include "data/cifar10_reader.h"
#include "data/dataset.h"
#include "data/idx_reader.h"
#include "data/in_memory_images.h"
#include "data/toy_2d.h"
#include "test_support.h"

namespace srm {
namespace {

std::string idx_bytes(uint32_t count, uint32_t rows, uint32_t cols, int64_t pixels_written) {
  std::string out;
  for (uint32_t v : {0x00000803u, count, rows, cols})
    for (int s = 24; s >= 0; s -= 8) out.push_back(static_cast<char>((v >> s) & 0xff));
  for (int64_t i = 0; i < pixels_written; ++i) out.push_back(static_cast<char>(i % 251));
  return out;
}

void write_gz(const std::string& path, const std::string& bytes) {
  gzFile f = gzopen(path.c_str(), "wb");
  gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size()));
  gzclose(f);
}

std::string message_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const DataError& e) {
    return e.what();
  }
  return "";
}

TEST(IdxReader, ReadsPlainAndGzipExactly) {
  test::TempDir dir;
  const std::string bytes = idx_bytes(3, 4, 5, 60);
  std::ofstream(dir.file("a.idx"), std::ios::binary) << bytes;
  write_gz(dir.file("a.idx.gz"), bytes);
  for (const auto& name : {"a.idx", "a.idx.gz"}) {
    const auto images = read_idx_images(dir.file(name));
    ASSERT_EQ(images.sizes(), torch::IntArrayRef({3, 1, 4, 5}));
    EXPECT_EQ(images[2][0][3][4].item<int>(), 59);
    EXPECT_EQ(images[1][0][0][0].item<int>(), 20);
  }
  EXPECT_EQ(read_idx_images(dir.file("a.idx"), 2).size(0), 2);
}

TEST(IdxReader, ErrorsNameTheFile) {
  test::TempDir dir;
  const auto missing = dir.file("missing.gz");
  EXPECT_NE(message_of([&] { read_idx_images(missing); }).find(missing), std::string::npos);
  std::ofstream(dir.file("short.idx"), std::ios::binary) << idx_bytes(3, 4, 5, 30);
  const auto msg = message_of([&] { read_idx_images(dir.file("short.idx")); });
  EXPECT_NE(msg.find("short.idx\": truncated: the header promises 3 images of 4x5"), std::string::npos) << msg;
  std::string bad = idx_bytes(1, 2, 2, 4);
  bad[3] = 0x01;  // magic 0x801: a label file
  std::ofstream(dir.file("labels.idx"), std::ios::binary) << bad;
  EXPECT_NE(message_of([&] { read_idx_images(dir.file("labels.idx")); }).find("not an IDX image file"),
            std::string::npos);
}

TEST(IdxReader, HugeHeaderIsRefusedBeforeAllocating) {
  // 2^31 images of 28x28 would be a 1.6 TB allocation: the file's size (plain) or its gzip
  // trailer and deflate's largest ratio (gzip'd) refuse the promise first.
  test::TempDir dir;
  const std::string bytes = idx_bytes(0x80000000u, 28, 28, 784);
  std::ofstream(dir.file("huge.idx"), std::ios::binary) << bytes;
  write_gz(dir.file("huge.idx.gz"), bytes);
  const auto plain = message_of([&] { read_idx_images(dir.file("huge.idx")); });
  EXPECT_NE(plain.find("huge.idx\": truncated: the header promises 2147483648 images of 28x28"), std::string::npos)
      << plain;
  const auto gz = message_of([&] { read_idx_images(dir.file("huge.idx.gz")); });
  EXPECT_NE(gz.find("huge.idx.gz\": damaged or truncated: the header promises 2147483648 images of 28x28"),
            std::string::npos) << gz;
  EXPECT_NE(gz.find("cannot hold that many"), std::string::npos) << gz;
  // A gzip'd file cut short: its trailer no longer records the promised length.
  write_gz(dir.file("short.idx.gz"), idx_bytes(3, 4, 5, 30));
  EXPECT_NE(message_of([&] { read_idx_images(dir.file("short.idx.gz")); }).find("records 46 bytes in all"),
            std::string::npos);
}

TEST(IdxReader, DebianFashionMnistWhenInstalled) {
  if (!std::filesystem::exists(kDefaultFashionMnistPath))
    GTEST_SKIP() << "dataset-fashion-mnist is not installed";
  const auto images = read_idx_images(kDefaultFashionMnistPath);
  EXPECT_EQ(images.sizes(), torch::IntArrayRef({60000, 1, 28, 28}));
}

TEST(Cifar10Reader, ReadsRecordsAndRejectsWrongSizes) {
  test::TempDir dir;
  for (int b = 1; b <= 5; ++b) {
    std::string bytes(10000 * 3073, '\0');
    for (int r = 0; r < 10000; ++r) {
      bytes[r * 3073] = static_cast<char>(r % 10);                   // label
      bytes[r * 3073 + 1] = static_cast<char>((b * 7 + r) % 256);     // R(0,0)
      bytes[r * 3073 + 1 + 2048 + 33] = static_cast<char>(200);       // B(1,1)
    }
    std::ofstream(dir.file("data_batch_" + std::to_string(b) + ".bin"), std::ios::binary) << bytes;
  }
  const auto images = read_cifar10_images(dir.path().string(), 20005);
  ASSERT_EQ(images.sizes(), torch::IntArrayRef({20005, 3, 32, 32}));
  EXPECT_EQ(images[10003][0][0][0].item<int>(), (2 * 7 + 3) % 256);
  EXPECT_EQ(images[10003][2][1][1].item<int>(), 200);
  std::ofstream(dir.file("data_batch_2.bin"), std::ios::binary) << "short";
  const auto msg = message_of([&] { read_cifar10_images(dir.path().string()); });
  EXPECT_NE(msg.find("data_batch_2.bin\": 5 bytes, expected 30730000"), std::string::npos) << msg;
}

TEST(InMemoryImages, ScalesToMinusOneOneAndResizes) {
  auto images = torch::zeros({2, 1, 4, 4}, torch::kByte);
  images[1].fill_(255);
  InMemoryImages set(images, 8, "test");
  EXPECT_EQ(set.example_shape(), (std::vector<int64_t>{1, 8, 8}));
  const auto batch = set.load({1, 0});
  EXPECT_TRUE(torch::allclose(batch[0], torch::ones({1, 8, 8})));
  EXPECT_TRUE(torch::allclose(batch[1], -torch::ones({1, 8, 8})));
}

TEST(Toy2d, RingPointsLieOnTheirRings) {
  Toy2d rings(ToyKind::Rings, 3000, 0.0, 1);
  std::vector<int64_t> all(3000);
  std::iota(all.begin(), all.end(), 0);
  const auto r = rings.load(all).norm(2, {1});
  auto distance = torch::full({3000}, 1e9);
  for (double radius : kRingRadii) distance = torch::minimum(distance, (r - radius).abs());
  EXPECT_LT(distance.max().item<double>(), 1e-5);
  Toy2d again(ToyKind::Rings, 3000, 0.0, 1);
  EXPECT_TRUE(torch::equal(rings.load(all), again.load(all)));
  Toy2d gmm(ToyKind::Gmm, 800, 0.0, 2);
  all.resize(800);
  EXPECT_NEAR(gmm.load(all).norm(2, {1}).mean().item<double>(), kGmmRadius, 1e-5);
}

}  // namespace
}  // namespace srm
