// The MPI backend: collectives on CPU tensors over MPI_COMM_WORLD (the CPU data-parallel
// path, and the way multi-rank logic is tested on machines without GPUs).
#pragma once

#include "comm/communicator.h"
#include "comm/mpi_session.h"

namespace srm {

class MpiCommunicator : public Communicator {
 public:
  explicit MpiCommunicator(const MpiSession& session);
  int rank() const override { return rank_; }
  int world_size() const override { return world_size_; }
  std::string backend_name() const override { return "mpi"; }
  c10::Device device() const override { return c10::Device(c10::kCPU); }
  void all_reduce(at::Tensor& tensor, ReduceOp op) override;
  void broadcast(at::Tensor& tensor, int root) override;
  void barrier() override;

 private:
  int rank_, world_size_;
};

}  // namespace srm
