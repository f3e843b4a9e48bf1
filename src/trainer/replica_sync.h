// Keeps the model replicas of all ranks identical: rank 0's parameters broadcast at start (and
// after every restore), and a cheap periodic checksum that stops the run if they drift.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <vector>

#include "comm/communicator.h"
#include "model/energy_net.h"

namespace srm {

class ReplicaDrift : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// One flat broadcast from rank 0 of every parameter and buffer (spectral norm's u, v).
void broadcast_parameters(EnergyNet& energy, Communicator& comm);

// Position-weighted float64 sum of all parameters, buffers and `extra` tensors (the EMA
// weights), so a reordering or a change of any element changes it. Identical replicas give
// bit-identical checksums.
double parameter_checksum(EnergyNet& energy, const std::vector<at::Tensor>& extra = {});

// Compares checksums across ranks (max and min in one all-reduce); throws ReplicaDrift naming
// the iteration and both values when they differ.
void check_replicas(EnergyNet& energy, Communicator& comm, int64_t iteration, const std::vector<at::Tensor>& extra = {});

}  // namespace srm
