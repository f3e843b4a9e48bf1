// Checkpoint files and the checkpoint folder: exact round trip, atomic saves that keep the last
// N, and every way a checkpoint can be unusable (truncated, a flipped bit, an interrupted write,
// wrong world size, wrong config, wrong model) detected with a message naming the file, with
// the newest good checkpoint chosen instead.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <csignal>
#include <filesystem>
#include <fstream>

#include "checkpoint/checkpoint_file.h"
#include "checkpoint/checkpoint_store.h"
#include "checkpoint/resume_selection.h"
#include "config/config_loader.h"
#include "config/resume_compatibility.h"
#include "io/hdf5_objects.h"
#include "io/run_outputs.h"
#include "model/energy_factory.h"
#include "test_support.h"
#include "trainer/training_state.h"
#include "util/stop_signal.h"

namespace srm {
namespace {

namespace fs = std::filesystem;

TrainingCheckpoint sample_checkpoint(int64_t iteration, int world = 2) {
  TrainingCheckpoint c;
  c.iteration = iteration;
  c.world_size = world;
  c.config_yaml = "train:\n  seed: 7\n";
  c.version = "test";
  // named_parameters() order is not name order: net.10 sorts before net.2.
  c.parameters = {{"net.2.weight", torch::randn({3, 4})}, {"net.10.bias", torch::randn({5})},
                  {"a", torch::randn({2, 2, 2})}};
  for (const auto& p : c.parameters) c.adam.push_back({iteration, torch::randn(p.second.sizes()), torch::rand(p.second.sizes())});
  c.rng_states = torch::randint(0, 256, {world, 40}, torch::kByte);
  c.epoch = 3;
  c.batch_in_epoch = 9;
  return c;
}

void expect_equal(const TrainingCheckpoint& a, const TrainingCheckpoint& b) {
  EXPECT_EQ(a.iteration, b.iteration);
  EXPECT_EQ(a.world_size, b.world_size);
  EXPECT_EQ(a.config_yaml, b.config_yaml);
  EXPECT_EQ(a.epoch, b.epoch);
  EXPECT_EQ(a.batch_in_epoch, b.batch_in_epoch);
  ASSERT_EQ(a.parameters.size(), b.parameters.size());
  for (size_t i = 0; i < a.parameters.size(); ++i) {
    EXPECT_EQ(a.parameters[i].first, b.parameters[i].first);
    EXPECT_TRUE(torch::equal(a.parameters[i].second, b.parameters[i].second));
    EXPECT_EQ(a.adam[i].step, b.adam[i].step);
    EXPECT_TRUE(torch::equal(a.adam[i].exp_avg, b.adam[i].exp_avg));
    EXPECT_TRUE(torch::equal(a.adam[i].exp_avg_sq, b.adam[i].exp_avg_sq));
  }
  EXPECT_TRUE(torch::equal(a.rng_states, b.rng_states));
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}

// Flips one byte inside the stored data of /parameters/<name> (located through HDF5's chunk index).
void flip_byte_in_dataset(const std::string& path, const std::string& name) {
  haddr_t address = 0;
  {
    const H5Id file = open_hdf5_file(path, H5F_ACC_RDONLY, "checkpoint");
    const H5Id dataset(H5Dopen2(file.get(), ("parameters/" + name).c_str(), H5P_DEFAULT), "open");
    hsize_t size = 0;
    unsigned mask = 0;
    const H5Id space(H5Dget_space(dataset.get()), "space");
    ASSERT_GE(H5Dget_chunk_info(dataset.get(), space.get(), 0, nullptr, &mask, &address, &size), 0);
    ASSERT_EQ(size, 3u * 4u * 4u + 4u);  // 12 floats and the 4-byte checksum
  }
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  f.seekg(static_cast<std::streamoff>(address) + 5);
  char byte = 0;
  f.read(&byte, 1);
  byte = static_cast<char>(byte ^ 0x10);
  f.seekp(static_cast<std::streamoff>(address) + 5);
  f.write(&byte, 1);
}

TEST(CheckpointFile, RoundTripIsExactAndKeepsParameterOrder) {
  test::TempDir dir;
  const auto written = sample_checkpoint(120);
  write_checkpoint_file(dir.file("c.h5"), written);
  expect_equal(read_checkpoint_file(dir.file("c.h5")), written);
}

TEST(CheckpointFile, TruncatedFileIsRejectedNamingIt) {
  test::TempDir dir;
  write_checkpoint_file(dir.file("c.h5"), sample_checkpoint(5));
  fs::resize_file(dir.file("c.h5"), fs::file_size(dir.file("c.h5")) / 2);
  const std::string message = error_of([&] { read_checkpoint_file(dir.file("c.h5")); });
  // No .sha256 beside it (written outside a store): the child-process probe reports it.
  EXPECT_NE(message.find("checkpoint \"" + dir.file("c.h5") + "\" is damaged or not HDF5"), std::string::npos)
      << message;
}

TEST(CheckpointFile, FlippedBitIsCaughtByTheChecksum) {
  test::TempDir dir;
  write_checkpoint_file(dir.file("c.h5"), sample_checkpoint(5));
  flip_byte_in_dataset(dir.file("c.h5"), "net.2.weight");
  const std::string message = error_of([&] { read_checkpoint_file(dir.file("c.h5")); });
  EXPECT_NE(message.find("net.2.weight (checksum or storage error)"), std::string::npos) << message;
  EXPECT_NE(message.find(dir.file("c.h5")), std::string::npos) << message;
}

TEST(CheckpointFile, OtherHdf5FileIsNotACheckpoint) {
  test::TempDir dir;
  create_hdf5_file(dir.file("x.h5"), "file");
  EXPECT_EQ(error_of([&] { read_checkpoint_file(dir.file("x.h5")); }),
            "\"" + dir.file("x.h5") + "\" is an HDF5 file but not an srm-dist checkpoint (no format "
            "\"srm-dist-checkpoint/1\")");
}

TEST(CheckpointStore, KeepsTheLastNAndMarksTheLatest) {
  test::TempDir dir;
  const CheckpointStore store(dir.file("ck"), 2);
  for (int64_t it : {10, 20, 30}) store.save(sample_checkpoint(it));
  const auto files = store.complete_files();
  ASSERT_EQ(files.size(), 2u);
  EXPECT_EQ(files[0], store.path_for(30));
  EXPECT_EQ(files[1], store.path_for(20));
  EXPECT_EQ(store.latest_marker(), "ckpt_00000030.h5");
  for (const auto& entry : fs::directory_iterator(dir.file("ck")))
    EXPECT_EQ(entry.path().string().find(".partial"), std::string::npos) << entry.path();
}

TEST(CheckpointStore, InterruptedWriteLeavesThePreviousCheckpointUsable) {
  test::TempDir dir;
  const CheckpointStore store(dir.file("ck"), 3);
  const auto first = sample_checkpoint(10);
  store.save(first);
  // A crash in step 1 of the next save leaves a partial temporary file behind: a copy cut short.
  write_checkpoint_file(dir.file("full.h5"), sample_checkpoint(20));
  const std::string partial = dir.file("ck/.ckpt_00000020.h5.partial");
  fs::copy_file(dir.file("full.h5"), partial);
  fs::resize_file(partial, fs::file_size(partial) / 3);
  std::vector<std::string> rejections;
  const auto found = store.newest_usable([](const TrainingCheckpoint&, const std::string&) {}, rejections);
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->path, store.path_for(10));
  expect_equal(found->checkpoint, first);
  EXPECT_TRUE(rejections.empty());  // the partial file is never a candidate
  store.save(sample_checkpoint(30));  // the next save clears the stale partial file
  EXPECT_FALSE(fs::exists(partial));
}

TEST(CheckpointStore, CorruptNewestFallsBackToThePreviousOne) {
  test::TempDir dir;
  const CheckpointStore store(dir.file("ck"), 3);
  store.save(sample_checkpoint(10));
  store.save(sample_checkpoint(20));
  fs::resize_file(store.path_for(20), 1000);
  std::vector<std::string> rejections;
  const auto found = store.newest_usable([](const TrainingCheckpoint&, const std::string&) {}, rejections);
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->checkpoint.iteration, 10);
  ASSERT_EQ(rejections.size(), 1u);
  EXPECT_NE(rejections[0].find(store.path_for(20)), std::string::npos) << rejections[0];
}

Config rings_config(const std::string& dir) {
  Config c;
  c.data.dataset = "rings";
  c.model.mlp_hidden = 8;
  c.model.mlp_layers = 1;
  c.output.dir = dir;
  c.output.resume = "require";
  return c;
}

// A checkpoint of `config`'s model as the trainer would write it.
TrainingCheckpoint checkpoint_for(Config config, int64_t iteration, int world) {
  auto energy = make_energy_net(config.model, {2});
  TrainingCheckpoint c;
  c.iteration = iteration;
  c.world_size = world;
  c.config_yaml = to_yaml(config);
  for (const auto& item : energy->named_parameters()) c.parameters.emplace_back(item.key(), item.value().detach().clone());
  c.rng_states = torch::zeros({world, 8}, torch::kByte);
  return c;
}

TEST(ResumeSelection, RejectsWrongWorldSizeConfigAndModelThenFallsBack) {
  test::TempDir dir;
  Config config = rings_config(dir.file("run"));
  const CheckpointStore store(checkpoint_dir_of(config.output.dir), 5);
  store.save(checkpoint_for(config, 10, 2));  // good
  store.save(checkpoint_for(config, 20, 3));  // written by 3 ranks
  Config other = config;
  other.sampler.steps = 50;
  store.save(checkpoint_for(other, 30, 2));  // different sampler
  Config wider = config;
  wider.model.mlp_hidden = 16;
  TrainingCheckpoint wrong_shape = checkpoint_for(wider, 40, 2);
  wrong_shape.config_yaml = to_yaml(config);  // config claims to match; the tensors do not
  store.save(wrong_shape);

  auto energy = make_energy_net(config.model, {2});
  std::vector<std::string> rejections;
  const auto found = select_resume_checkpoint(config, 2, *energy, rejections);
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->checkpoint.iteration, 10);
  ASSERT_EQ(rejections.size(), 3u);
  EXPECT_NE(rejections[0].find("checkpoint \"" + store.path_for(40) + "\" does not fit the configured model: it "
                               "holds net.0.weight (16, 2), the model has net.0.weight (8, 2)"), std::string::npos)
      << rejections[0];
  EXPECT_NE(rejections[1].find("checkpoint \"" + store.path_for(30) + "\" was written with a different config "
                               "(sampler.steps: checkpoint 50, this run 100)"), std::string::npos) << rejections[1];
  EXPECT_NE(rejections[2].find("checkpoint \"" + store.path_for(20) + "\" was written by a job of 3 ranks; this "
                               "job has 2"), std::string::npos) << rejections[2];
}

TEST(ResumeSelection, RequireWithoutCheckpointFailsAutoStartsFresh) {
  test::TempDir dir;
  Config config = rings_config(dir.file("run"));
  auto energy = make_energy_net(config.model, {2});
  std::vector<std::string> rejections;
  const std::string message = error_of([&] { select_resume_checkpoint(config, 1, *energy, rejections); });
  EXPECT_NE(message.find("output.resume = require (--resume) but \"" + checkpoint_dir_of(config.output.dir) +
                         "\" holds no checkpoint"), std::string::npos) << message;
  config.output.resume = "auto";
  EXPECT_FALSE(select_resume_checkpoint(config, 1, *energy, rejections).has_value());
}

TEST(ResumeSelection, AllCheckpointsUnusableStopsInsteadOfStartingOver) {
  test::TempDir dir;
  Config config = rings_config(dir.file("run"));
  config.output.resume = "auto";
  const CheckpointStore store(checkpoint_dir_of(config.output.dir), 5);
  store.save(checkpoint_for(config, 10, 2));
  fs::resize_file(store.path_for(10), 500);
  auto energy = make_energy_net(config.model, {2});
  std::vector<std::string> rejections;
  const std::string message = error_of([&] { select_resume_checkpoint(config, 2, *energy, rejections); });
  EXPECT_NE(message.find("no usable checkpoint in \"" + store.dir() + "\" to resume from"), std::string::npos)
      << message;
}

TEST(ResumeCompatibility, OnlyRunShapingKeysConflict) {
  Config saved, now;
  now.train.iterations = saved.train.iterations * 2;  // extending a run is allowed
  now.output.log_every = 1;
  now.dist.timeout = 5;
  EXPECT_TRUE(resume_conflicts(saved, now).empty());
  now.train.lr = 0.5;
  now.data.dataset = "gmm";
  const auto conflicts = resume_conflicts(saved, now);
  ASSERT_EQ(conflicts.size(), 2u);
  EXPECT_EQ(conflicts[0], "data.dataset: checkpoint \"rings\", this run \"gmm\"");
  EXPECT_EQ(conflicts[1], "train.lr: checkpoint 0.0001, this run 0.5");
}

TEST(StopSignal, RecordsTheFirstSignalUntilReinstalled) {
  {
    const StopSignalGuard guard;
    EXPECT_EQ(guard.received(), 0);
    std::raise(SIGUSR1);
    std::raise(SIGTERM);
    EXPECT_EQ(guard.received(), SIGUSR1);
    EXPECT_EQ(stop_signal_name(guard.received()), "SIGUSR1");
  }
  const StopSignalGuard again;
  EXPECT_EQ(again.received(), 0);
  EXPECT_EQ(stop_signal_name(SIGTERM), "SIGTERM");
}

}  // namespace
}  // namespace srm
