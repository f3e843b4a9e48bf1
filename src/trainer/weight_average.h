// train.ema: an exponential moving average of the model's parameters,
//   ema <- decay * ema + (1 - decay) * theta   after every optimizer step,
// started at the initial parameters (no bias correction, as CDRL / Energy Matching keep it).
// With spectral normalisation the average keeps its own power-iteration vectors u, v for its
// own weights (one step per update, from the model's vectors at the start), so the averaged
// model is normalised by its own sigma. Every rank updates its own copy from identical
// parameters, so the copies stay identical (the replica checksum covers them). The generator
// commands and evaluation sample from it.
#pragma once

#include <ATen/core/Tensor.h>

#include <vector>

#include "model/energy_net.h"
#include "util/named_tensors.h"

namespace srm {

class WeightAverage {
 public:
  // Copies the model's current parameters (on their device) as the average's start.
  WeightAverage(EnergyNet& energy, double decay);

  void update();  // one step of the average toward the current parameters

  // The averaged tensors, in named_parameters() order, then the average's spectral-norm vectors
  // (on the model's device); targets(): the model's tensors they stand for, in the same order.
  const std::vector<at::Tensor>& tensors() const { return averaged_; }
  const std::vector<at::Tensor>& targets() const { return targets_; }
  // name -> CPU float32 copy (parameter and buffer keys), for checkpoints and archive snapshots.
  NamedTensors to_cpu() const;
  // Replaces the average (restored from a checkpoint); throws std::runtime_error when the
  // names or shapes do not fit the model.
  void load(const NamedTensors& stored);

  double decay() const { return decay_; }

 private:
  struct Normalised {
    size_t weight, u, v;  // positions in averaged_
  };
  double decay_;
  size_t parameters_ = 0;  // averaged_[0, parameters_) are parameters, the rest u, v vectors
  std::vector<std::string> names_;
  std::vector<at::Tensor> targets_, averaged_;
  std::vector<Normalised> normalised_;
};

// While alive, each of `targets` (the model's tensors) holds the matching entry of `values`
// (e.g. the EMA's); they are restored bit for bit on destruction. For evaluation in training.
class ParametersSwappedIn {
 public:
  ParametersSwappedIn(const std::vector<at::Tensor>& targets, const std::vector<at::Tensor>& values);
  ~ParametersSwappedIn();
  ParametersSwappedIn(const ParametersSwappedIn&) = delete;
  ParametersSwappedIn& operator=(const ParametersSwappedIn&) = delete;

 private:
  std::vector<at::Tensor> targets_, saved_;
};

}  // namespace srm
