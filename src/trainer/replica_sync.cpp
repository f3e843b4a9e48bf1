// Replica broadcast and checksum (see replica_sync.h).
#include "trainer/replica_sync.h"

#include <ATen/ATen.h>
#include <fmt/format.h>
#include <torch/csrc/autograd/grad_mode.h>

namespace srm {
namespace {

std::vector<at::Tensor> model_state(EnergyNet& energy) {
  std::vector<at::Tensor> state = energy.parameters();
  for (const auto& b : energy.buffers()) state.push_back(b);
  return state;
}

}  // namespace

void broadcast_parameters(EnergyNet& energy, Communicator& comm) {
  const torch::NoGradGuard no_grad;
  auto parameters = model_state(energy);
  std::vector<at::Tensor> pieces;
  for (const auto& p : parameters) pieces.push_back(p.detach().reshape({-1}));
  at::Tensor flat = at::cat(pieces);
  comm.broadcast(flat, 0);
  int64_t offset = 0;
  for (auto& p : parameters) {
    p.detach().copy_(flat.narrow(0, offset, p.numel()).view_as(p));
    offset += p.numel();
  }
}

double parameter_checksum(EnergyNet& energy, const std::vector<at::Tensor>& extra) {
  double sum = 0;
  int64_t index = 0;
  std::vector<at::Tensor> state = model_state(energy);
  state.insert(state.end(), extra.begin(), extra.end());
  for (const auto& p : state) {
    const at::Tensor flat = p.detach().reshape({-1}).to(at::kCPU, at::kDouble);
    const at::Tensor position = at::arange(1, flat.numel() + 1, flat.options()).add_(static_cast<double>(index));
    sum += (flat * position).sum().item<double>();
    index += flat.numel();
  }
  return sum;
}

void check_replicas(EnergyNet& energy, Communicator& comm, int64_t iteration, const std::vector<at::Tensor>& extra) {
  const double mine = parameter_checksum(energy, extra);
  at::Tensor both = at::tensor({mine, -mine}, at::kDouble).to(comm.device());
  comm.all_reduce(both, ReduceOp::Max);
  both = both.cpu();
  const double high = both[0].item<double>(), low = -both[1].item<double>();
  if (high != low)
    throw ReplicaDrift(fmt::format("model replicas differ across ranks at iteration {}: parameter checksums range "
                                   "from {:.17g} to {:.17g} (rank {} has {:.17g}). The ranks no longer train the "
                                   "same model; check for non-deterministic kernels or a faulty node.",
                                   iteration, low, high, comm.rank(), mine));
}

}  // namespace srm
