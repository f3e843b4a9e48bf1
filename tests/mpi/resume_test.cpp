// Stop and resume across ranks: a signal seen by one rank only stops every rank at the same
// step boundary; the checkpoint holds every rank's generator; continuing from it on the same
// number of ranks ends bit-identical to the uninterrupted W-rank run.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <csignal>
#include <filesystem>
#include <unistd.h>

#include "checkpoint/checkpoint_file.h"
#include "comm/mpi_communicator.h"
#include "config/config.h"
#include "config/config_loader.h"
#include "data/toy_2d.h"
#include "io/run_outputs.h"
#include "model/energy_factory.h"
#include "mpi/mpi_test_session.h"
#include "tiny_rings_config.h"
#include "trainer/trainer.h"

namespace srm {
namespace {

Config resume_config(const std::string& dir) {
  Config c = test::tiny_rings_config(16, 2, 4, 9, 11);  // batch 11: uneven shards over 2 and 3 ranks
  c.output.dir = dir;
  c.output.checkpoint_every = 100;  // only the stop writes one
  c.output.sample_every = 100;
  return c;
}

// A run directory every rank agrees on (rank 0 names it).
std::string shared_dir(const std::string& tag) {
  const auto& session = test::mpi_session();
  const std::string mine = (std::filesystem::temp_directory_path() /
                            ("srm-mpi-resume-" + tag + "-" + std::to_string(::getpid()))).string();
  return session.all_gather(mine).front();
}

// stop_rank / stop_after: that rank alone reports a signal from its stop_after-th poll on.
TrainingSummary train(const Config& config, MpiCommunicator& comm, int stop_rank, int64_t stop_after,
                      const TrainingCheckpoint* resume) {
  const Toy2d data(ToyKind::Rings, 300, 0.02, 3);
  torch::manual_seed(21);
  auto energy = make_energy_net(config.model, data.example_shape());
  ArchiveHeader header;
  header.world_size = comm.world_size();
  header.example_shape = {2};
  std::unique_ptr<RunOutputs> outputs;
  if (comm.rank() == 0) outputs = std::make_unique<RunOutputs>(config.output, header, resume ? resume->iteration : -1);
  comm.barrier();
  Trainer trainer(config, data, energy, torch::kCPU, comm, outputs.get(), nullptr);
  if (resume) trainer.set_resume_point(resume);
  int64_t polls = 0;
  const bool signalled = comm.rank() == stop_rank;
  trainer.set_stop_request([&] { return signalled && ++polls >= stop_after ? SIGTERM : 0; });
  return trainer.run();
}

// `extra`: --set overrides on the resume config (the stabilisers, persistent chains).
void expect_bit_identical_resume(const std::vector<std::string>& extra, const std::string& tag) {
  MpiCommunicator comm(test::mpi_session());
  const int last_rank = comm.world_size() - 1;
  const std::string whole_dir = shared_dir(tag + "-whole");
  Config config = resume_config(whole_dir);
  for (const auto& o : extra) apply_override(config, o);
  const TrainingSummary whole = train(config, comm, -1, 0, nullptr);

  config.output.dir = shared_dir(tag + "-parts");
  const TrainingSummary first = train(config, comm, last_rank, 4, nullptr);
  EXPECT_EQ(first.stop_signal, SIGTERM) << "rank " << comm.rank() << " did not learn of the stop";
  EXPECT_EQ(first.last.iteration, 4) << "rank " << comm.rank() << " stopped at another step";
  comm.barrier();
  const CheckpointStore store(checkpoint_dir_of(config.output.dir), 3);
  const TrainingCheckpoint checkpoint = read_checkpoint_file(store.path_for(4));
  EXPECT_EQ(checkpoint.world_size, comm.world_size());
  EXPECT_EQ(checkpoint.rng_states.size(0), comm.world_size());
  for (int a = 0; a < comm.world_size(); ++a)
    for (int b = a + 1; b < comm.world_size(); ++b)
      EXPECT_FALSE(torch::equal(checkpoint.rng_states[a], checkpoint.rng_states[b])) << "ranks " << a << ", " << b;
  if (config.sampler.init == "persistent") {  // every rank's own buffer, a row each
    ASSERT_TRUE(checkpoint.buffer_states.defined());
    EXPECT_EQ(checkpoint.buffer_states.size(0), comm.world_size());
    EXPECT_FALSE(torch::equal(checkpoint.buffer_states[0], checkpoint.buffer_states[comm.world_size() - 1]));
  }
  comm.barrier();  // every rank has read the checkpoint before rank 0 reopens the run

  const TrainingSummary second = train(config, comm, -1, 0, &checkpoint);
  EXPECT_EQ(second.first_iteration, 4);
  EXPECT_EQ(second.last.iteration, 9);
  for (size_t i = 0; i < whole.final_parameters.size(); ++i)
    EXPECT_TRUE(torch::equal(whole.final_parameters[i].second, second.final_parameters[i].second))
        << whole.final_parameters[i].first << " on rank " << comm.rank();
  EXPECT_TRUE(torch::equal(whole.last_samples, second.last_samples)) << "rank " << comm.rank();
  comm.barrier();
  if (comm.rank() == 0) {
    std::filesystem::remove_all(whole_dir);
    std::filesystem::remove_all(config.output.dir);
  }
}

TEST(MultiRankResume, OneRanksSignalStopsAllAndTheResumedRunIsBitIdentical) { expect_bit_identical_resume({}, "plain"); }

// Every stabiliser and persistent chains: EMA, spectral norm's u, v and every rank's replay
// buffer come back from the checkpoint, so the resumed W-rank run is bit-identical too.
TEST(MultiRankResume, StabilisersAndPersistentChainsResumeBitIdentically) {
  expect_bit_identical_resume({"train.ema=0.9", "model.spectral_norm=true", "train.energy_l2=0.1", "train.grad_clip=0.05",
                               "train.warmup=3", "train.weight_decay=0.001", "train.on_divergence=rewind",
                               "sampler.init=persistent", "sampler.buffer_size=20", "sampler.reinit_prob=0.2"},
                              "stabilisers");
}

}  // namespace
}  // namespace srm
