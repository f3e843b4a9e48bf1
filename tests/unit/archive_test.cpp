// The HDF5 run archive: what is appended reads back exactly; attributes are stored; the file
// is closed between appends (a second handle can open it at any time).
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "io/hdf5_handle.h"
#include "io/run_archive.h"
#include "test_support.h"

namespace srm {
namespace {

TEST(RunArchive, AppendsReadBackExactly) {
  test::TempDir dir;
  ArchiveHeader header;
  header.config_yaml = "train:\n  lr: 0.0001\n";
  header.version = "9.9.9";
  header.example_shape = {1, 4, 4};
  const auto archive = RunArchive::create(dir.file("a.h5"), header);
  EXPECT_EQ(archive_sample_batches(archive.path()), 0);

  const auto s1 = torch::rand({3, 1, 4, 4}), s2 = torch::rand({3, 1, 4, 4});
  archive.append_samples(10, s1);
  EXPECT_EQ(archive_sample_batches(archive.path()), 1);  // readable between appends
  archive.append_samples(20, s2);
  EXPECT_EQ(archive_sample_batches(archive.path()), 2);
  EXPECT_TRUE(torch::equal(archive_read_sample_batch(archive.path(), 1), s2));
  EXPECT_TRUE(torch::equal(archive_read_sample_batch(archive.path(), 0), s1));
  EXPECT_THROW(archive.append_samples(30, torch::rand({2, 1, 4, 4})), Hdf5Error);  // shape change

  std::vector<IterationMetrics> rows(3);
  for (int i = 0; i < 3; ++i) {
    rows[i].iteration = i + 1;
    rows[i].loss = -0.5 * i;
    rows[i].seconds = 0.25;
  }
  archive.append_metrics(rows);
  archive.append_metrics({rows[0]});
  const auto back = archive_read_metrics(archive.path());
  ASSERT_EQ(back.size(), 4u);
  EXPECT_EQ(back[2].iteration, 3);
  EXPECT_EQ(back[2].loss, -1.0);
  EXPECT_EQ(back[3].iteration, 1);

  const NamedTensors params{{"net.0.weight", torch::rand({2, 3})}, {"net.0.bias", torch::rand({2})}};
  archive.write_checkpoint(20, params);
  archive.write_checkpoint(20, params);  // rewriting the same iteration replaces it
  EXPECT_EQ(archive_checkpoint_iterations(archive.path()), std::vector<int64_t>{20});
  const auto loaded = archive_read_checkpoint(archive.path(), 20);
  ASSERT_EQ(loaded.size(), 2u);
  for (const auto& [name, tensor] : loaded) {
    const auto& want = name == "net.0.weight" ? params[0].second : params[1].second;
    EXPECT_TRUE(torch::equal(tensor, want)) << name;
  }
  EXPECT_EQ(archive_string_attribute(archive.path(), "config"), header.config_yaml);
  EXPECT_EQ(archive_string_attribute(archive.path(), "srm_dist_version"), "9.9.9");
  EXPECT_EQ(archive_string_attribute(archive.path(), "format"), "srm-dist-archive/1");
}

}  // namespace
}  // namespace srm
