// The training-time long-run check (train.longrun_every; the anatomy paper's test, Nijkamp et
// al. 2020, as `srm-dist longrun` runs it after training): every longrun_every iterations all
// ranks run their share of train.longrun_chains chains from p0 through the run's K sampler steps
// and then train.longrun_steps more, and compare the mean energy there with the observed batch's.
// A long-run energy above the data's is the oversaturation sign (the learned density puts more
// mass off the data than on it). The chains draw from generators of their own, seeded by
// (train.seed, iteration, rank): training's random streams and parameters are untouched, so a run
// with the check is bit-identical to one without.
#pragma once

#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>

#include <cstdint>
#include <string>
#include <vector>

#include "comm/communicator.h"
#include "config/config.h"
#include "io/longrun_table.h"
#include "model/energy_net.h"

namespace srm {

// Collective (two all-reduces); the row is complete on every rank. `observed` is this rank's
// shard of the iteration's batch (without data noise).
LongrunRow longrun_check(EnergyNet& energy, const Config& config, const std::vector<int64_t>& example_shape,
                         const at::Tensor& observed, int64_t iteration, const c10::Device& device,
                         Communicator& comm);

// The log line of a check: the energies and the verdict: diverged (a non-finite field), rises
// above the data's (oversaturation), or stays at or below it.
std::string describe_longrun(const LongrunRow& row);

}  // namespace srm
