// train.ema: an exponential moving average of the model's parameters,
//   ema <- decay * ema + (1 - decay) * theta   after every optimizer step,
// started at the initial parameters (no bias correction, as CDRL / Energy Matching keep it).
// Every rank updates its own copy from identical parameters, so the copies stay identical
// (the replica checksum covers them). The generator commands and evaluation sample from it.
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

  // The averaged tensors, in named_parameters() order (on the model's device).
  const std::vector<at::Tensor>& tensors() const { return averaged_; }
  // name -> CPU float32 copy, for checkpoints and archive snapshots.
  NamedTensors to_cpu() const;
  // Replaces the average (restored from a checkpoint); throws std::runtime_error when the
  // names or shapes do not fit the model.
  void load(const NamedTensors& stored);

  double decay() const { return decay_; }

 private:
  EnergyNet& energy_;
  double decay_;
  std::vector<at::Tensor> averaged_;
};

// While alive, the model computes with `weights` (e.g. the EMA) instead of its own parameters;
// the parameters are restored bit for bit on destruction. For evaluation inside training.
class ParametersSwappedIn {
 public:
  ParametersSwappedIn(EnergyNet& energy, const std::vector<at::Tensor>& weights);
  ~ParametersSwappedIn();
  ParametersSwappedIn(const ParametersSwappedIn&) = delete;
  ParametersSwappedIn& operator=(const ParametersSwappedIn&) = delete;

 private:
  std::vector<at::Tensor> parameters_, saved_;
};

}  // namespace srm
