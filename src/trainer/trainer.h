// The training loop of Algorithm 1 on one rank of a data-parallel job: this rank's shard of
// each global batch from the BatchPlan, TrainStep per iteration with gradients averaged over
// ranks, annealing, diagnostics with the divergence check, replica checks, the progress line,
// and the periodic samples / metrics / checkpoints handed to RunOutputs (rank 0 only).
// Stabilisers (train.ema, energy_l2, grad_clip, warmup, weight_decay) are options of the step
// and the loop; with train.on_divergence = rewind a divergence sends every rank back to its
// in-memory copy of the newest checkpoint's state (the same on all ranks), with the learning
// rate scaled and the batches since then skipped, recorded in the archive's /rewinds.
// It can start from a checkpoint and stop early, checkpointing, when any rank is signalled.
// Everything is injected; with the single-process communicator it is the 1-process trainer.
#pragma once

#include <c10/core/Device.h>

#include <cstdio>
#include <functional>
#include <memory>

#include "checkpoint/training_checkpoint.h"
#include "comm/communicator.h"
#include "config/config.h"
#include "data/dataset.h"
#include "eval/evaluation_record.h"
#include "io/run_outputs.h"
#include "model/energy_net.h"
#include "trainer/iteration_metrics.h"
#include "trainer/phase_timer.h"
#include "trainer/train_step.h"

namespace srm {

struct TrainingSummary {
  int64_t first_iteration = 0;  // 0 for a new run, the checkpoint's iteration when resumed
  int stop_signal = 0;          // the signal that ended the run early (0: ran to completion)
  IterationMetrics last;
  at::Tensor last_samples;  // x- of the final iteration (this rank's shard), on the CPU
  // On the CPU: the parameters, then the buffers (spectral norm's u, v), then with train.ema
  // the averaged parameters as "ema/<name>".
  NamedTensors final_parameters;
  double seconds = 0;
  double writer_busy_seconds = 0;  // time the background writer spent on this run's files
};

class Trainer {
 public:
  // outputs may be null (no files written: ranks other than 0); progress may be null (silent).
  Trainer(const Config& config, const Dataset& data, std::shared_ptr<EnergyNet> energy,
          c10::Device device, Communicator& comm, const RunOutputs* outputs, std::FILE* progress);

  TrainingSummary run();

  // Called after every iteration with its number (the progress watchdog's heartbeat).
  void set_heartbeat(std::function<void(int64_t)> heartbeat) { heartbeat_ = std::move(heartbeat); }

  // Continue from this checkpoint (already validated against the config and model) instead of
  // from iteration 0. The pointer must stay valid until run() returns.
  void set_resume_point(const TrainingCheckpoint* checkpoint) { resume_ = checkpoint; }

  // Polled once per iteration: a signal number when this rank was asked to stop, else 0.
  // Ranks agree (the maximum over ranks), write a checkpoint at that step boundary and return.
  void set_stop_request(std::function<int()> stop_request) { stop_request_ = std::move(stop_request); }

  // Attach a timer (bench): every phase of every iteration after the first is charged to it.
  void set_phase_timer(PhaseTimer* timer) { timer_ = timer; }

  // Every `every` iterations, after that iteration's checkpoint, all ranks call `evaluate`
  // (training-time FID/KID, trainer/training_evaluation.h); rank 0's record goes to RunOutputs.
  void set_evaluation(int64_t every, std::function<EvaluationRecord(int64_t)> evaluate) {
    evaluate_every_ = every;
    evaluate_ = std::move(evaluate);
  }

 private:
  Config config_;
  const Dataset& data_;
  std::shared_ptr<EnergyNet> energy_;
  c10::Device device_;
  Communicator& comm_;
  const RunOutputs* outputs_;
  std::FILE* progress_;
  PhaseTimer* timer_ = nullptr;
  std::function<void(int64_t)> heartbeat_;
  std::function<int()> stop_request_;
  int64_t evaluate_every_ = 0;
  std::function<EvaluationRecord(int64_t)> evaluate_;
  const TrainingCheckpoint* resume_ = nullptr;

  int agreed_stop_signal();
};

// "name -> tensor" for every parameter, in named_parameters() order and naming.
NamedTensors named_parameters_of(EnergyNet& energy);

}  // namespace srm
