// Persistent chains: the replay buffer draws distinct entries, restarts chains from p0 at the
// configured rate (binomial tolerance), writes final states back with their ages, and refuses a
// buffer smaller than an iteration's chains; a persistent run keeps every rank's buffer in its
// checkpoints and resumes bit-identically.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "io/hdf5_handle.h"
#include "io/hdf5_objects.h"
#include "unit/resume_harness.h"
#include "sampler/replay_buffer.h"
#include "test_support.h"
#include "util/random.h"

namespace srm {
namespace {

TEST(ReplayBuffer, RestartsChainsAtTheConfiguredRateFromTheScaledUniformP0) {
  ReplayBuffer buffer(1000, {2}, torch::kFloat, 0.3, 0.5);  // p0 uniform on [-0.5, 0.5]
  NoiseStream noise(make_generator(torch::kCPU, 1));
  buffer.initialise(noise);
  EXPECT_LE(buffer.states().abs().max().item<float>(), 0.5f);
  EXPECT_GT(buffer.states().abs().max().item<float>(), 0.49f);
  int64_t restarts = 0;
  const int draws = 10;
  for (int i = 0; i < draws; ++i) {
    buffer.write_back(buffer.draw(1000, noise));
    restarts += buffer.last_restarts();
  }
  // 10,000 coins of p = 0.3: standard deviation sqrt(0.21 / 10,000) = 0.0046; 4 of them.
  EXPECT_NEAR(static_cast<double>(restarts) / (draws * 1000), 0.3, 0.0183);
  // Chains written back unchanged: every entry, restarted or not, is still a p0 draw.
  EXPECT_LE(buffer.states().abs().max().item<float>(), 0.5f);
}

TEST(ReplayBuffer, DrawsDistinctEntriesAndWritesBackWithAges) {
  ReplayBuffer buffer(8, {3}, torch::kFloat, 0.0, 1.0);
  NoiseStream noise(make_generator(torch::kCPU, 2));
  buffer.initialise(noise);
  const auto before = buffer.states().clone();
  EXPECT_LE(before.abs().max().item<double>(), 1.0);  // uniform p0
  const auto starts = buffer.draw(8, noise);          // every entry once, in a random order
  EXPECT_TRUE(torch::equal(std::get<0>(starts.sum(1).sort()), std::get<0>(before.sum(1).sort())));
  EXPECT_FALSE(torch::equal(starts, before));
  buffer.write_back(starts + 1);
  EXPECT_TRUE(torch::allclose(buffer.states().sum(), before.sum() + 24));
  EXPECT_TRUE(torch::equal(buffer.ages(), torch::ones({8}, torch::kLong)));
  buffer.write_back(buffer.draw(3, noise));
  EXPECT_EQ(buffer.ages().sum().item<int64_t>(), 8 + 3);
  EXPECT_EQ(buffer.ages().max().item<int64_t>(), 2);
  // With every chain restarted, the written entries are one short run old.
  ReplayBuffer always(4, {1}, torch::kFloat, 1.0, 1.0);
  always.initialise(noise);
  always.write_back(always.draw(4, noise));
  always.write_back(always.draw(4, noise));
  EXPECT_TRUE(torch::equal(always.ages(), torch::ones({4}, torch::kLong)));
  EXPECT_EQ(always.last_restarts(), 4);
  try {
    buffer.draw(9, noise);
    ADD_FAILURE() << "a draw of 9 from 8 entries was accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("sampler.buffer_size = 8 is smaller than the 9 chains"), std::string::npos);
  }
}

Config persistent(const std::string& dir) {
  Config c = test::small_config(dir);
  c.sampler.init = "persistent";
  c.sampler.buffer_size = 40;
  c.sampler.reinit_prob = 0.2;
  return c;
}

TEST(PersistentChains, BufferIsCheckpointedAndResumesBitIdentically) {
  test::TempDir dir;
  test::expect_bit_identical_resume(persistent, dir.path().string(), 7);
  const CheckpointStore store(checkpoint_dir_of(dir.file("whole")), 3);
  const TrainingCheckpoint c = read_checkpoint_file(store.complete_files().at(0));
  ASSERT_TRUE(c.buffer_states.defined());
  EXPECT_EQ(c.buffer_states.sizes(), (std::vector<int64_t>{1, 40, 2}));
  // 12 iterations of 16 chains from 40 entries: every age is at most 12, and the entries drawn
  // (16 of 40 each time) have been through 16 * 12 short runs in all, less the restarts' resets.
  EXPECT_LE(c.buffer_ages.max().item<double>(), 12.0);
  EXPECT_GT(c.buffer_ages.sum().item<double>(), 0.0);
  EXPECT_LE(c.buffer_ages.sum().item<double>(), 16.0 * 12);
  // Written back: at least the last iteration's 16 entries have run (age >= 1).
  EXPECT_GE((c.buffer_ages >= 1).sum().item<int64_t>(), 16);
  // Sample batches say where their chains started.
  const H5Id file = open_hdf5_file(dir.file("whole") + "/archive.h5", H5F_ACC_RDONLY, "archive");
  const H5Id samples = open_group(file.get(), "samples");
  EXPECT_EQ(read_string_attribute(samples.get(), "init"), "persistent");
}

}  // namespace
}  // namespace srm
