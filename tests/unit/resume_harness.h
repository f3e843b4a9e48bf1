// In-process training runs for the resume tests: a small rings config whose 12 iterations
// cross an epoch and anneal in their second half, and train(), which runs it (resuming when
// config.output.resume says so) and optionally stops it by a signal after a given iteration.
#pragma once

#include <torch/torch.h>

#include <csignal>
#include <functional>
#include <optional>

#include "checkpoint/checkpoint_file.h"
#include "checkpoint/checkpoint_store.h"
#include "comm/single_process_communicator.h"
#include "data/toy_2d.h"
#include "io/run_archive.h"
#include "io/run_outputs.h"
#include "model/energy_factory.h"
#include "tiny_rings_config.h"
#include "trainer/trainer.h"

namespace srm::test {

inline Config small_config(const std::string& dir) {
  // Batch 16 of 200 points: 12 batches per epoch, so the 12 iterations cross into the next epoch.
  Config c = test::tiny_rings_config(16, 2, 5, 12, 16);
  c.train.data_noise = 0.05;
  c.train.anneal_start = 0.5;  // lr and noise change every iteration in the second half
  c.output.dir = dir;
  c.output.log_every = 5;
  c.output.sample_every = 4;
  c.output.checkpoint_every = 4;
  c.output.samples_kept = 8;
  return c;
}

struct RunResult {
  TrainingSummary summary;
  std::vector<IterationMetrics> metrics;
};

// The rings of 200 points every run of small_config trains on.
inline Toy2d small_rings() { return Toy2d(ToyKind::Rings, 200, 0.02, 3); }

// Trains `config` (resuming when config.output.resume says so) on `data` (default
// small_rings()); stops after iteration stop_after if > 0.
inline RunResult train(const Config& config, int64_t stop_after, const Dataset* data_override = nullptr) {
  const Toy2d rings = small_rings();
  const Dataset& data = data_override ? *data_override : rings;
  torch::manual_seed(11);
  auto energy = make_energy_net(config.model, data.example_shape());
  std::optional<TrainingCheckpoint> resume;
  if (config.output.resume != "never") {
    const CheckpointStore store(checkpoint_dir_of(config.output.dir), 3);
    resume = read_checkpoint_file(store.complete_files().at(0));
  }
  ArchiveHeader header;
  header.config_yaml = "test";
  header.example_shape = {2};
  header.sample_init = config.sampler.init;
  const RunOutputs outputs(config.output, header, resume ? resume->iteration : -1);
  SingleProcessCommunicator comm;
  Trainer trainer(config, data, energy, torch::kCPU, comm, &outputs, nullptr);
  if (resume) trainer.set_resume_point(&*resume);
  int64_t polls = 0;
  trainer.set_stop_request([&polls, stop_after] { return ++polls >= stop_after && stop_after > 0 ? SIGUSR1 : 0; });
  RunResult run{trainer.run(), {}};
  run.metrics = archive_read_metrics(outputs.archive().path());
  return run;
}

// Trains make(dir + "/whole") to the end, and make(dir + "/parts") stopped after `stop_after`
// and resumed; expects the resumed run to start there and end torch::equal to the whole one
// (every tensor of TrainingSummary::final_parameters). Returns the whole run.
inline RunResult expect_bit_identical_resume(const std::function<Config(const std::string&)>& make,
                                             const std::string& dir, int64_t stop_after) {
  const RunResult whole = train(make(dir + "/whole"), 0);
  Config parts = make(dir + "/parts");
  train(parts, stop_after);
  parts.output.resume = "require";
  const RunResult second = train(parts, 0);
  EXPECT_EQ(second.summary.first_iteration, stop_after);
  EXPECT_EQ(whole.summary.final_parameters.size(), second.summary.final_parameters.size());
  for (size_t i = 0; i < std::min(whole.summary.final_parameters.size(), second.summary.final_parameters.size()); ++i)
    EXPECT_TRUE(torch::equal(whole.summary.final_parameters[i].second, second.summary.final_parameters[i].second))
        << whole.summary.final_parameters[i].first;
  return whole;
}

}  // namespace srm::test
