// The NCCL backend: collectives on CUDA tensors, on the current CUDA stream of the rank's GPU.
// MPI is used only to share the NCCL unique id. Compiled whenever LibTorch has CUDA (so CI
// compiles it without a GPU); constructed only by make_communicator().
#pragma once

#include <memory>

#include "comm/communicator.h"
#include "comm/mpi_session.h"

namespace srm {

class NcclCommunicator : public Communicator {
 public:
  NcclCommunicator(const MpiSession& session, int device_index);
  ~NcclCommunicator() override;
  int rank() const override { return rank_; }
  int world_size() const override { return world_size_; }
  std::string backend_name() const override { return "nccl"; }
  bool wants_cuda_tensors() const override { return true; }
  void all_reduce(at::Tensor& tensor, ReduceOp op) override;
  void broadcast(at::Tensor& tensor, int root) override;
  void barrier() override;

 private:
  struct State;
  std::unique_ptr<State> state_;
  int rank_, world_size_, device_index_;
  std::string host_;
};

// "2.30.7" (the NCCL this process loaded).
std::string nccl_version_string();

}  // namespace srm
