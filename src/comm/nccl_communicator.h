// The NCCL backend: collectives on CUDA tensors of the rank's one GPU, on that GPU's current
// stream. MPI is used only to share the NCCL unique id. Compiled whenever the build has NCCL
// (so CI compiles it without a GPU); constructed only by make_communicator().
//
// Failure semantics (NCCL's documented fault-tolerance practice): the communicator is
// non-blocking, so no NCCL call can hang the host; every wait on an NCCL result polls
// ncclCommGetAsyncError against a deadline; an error or a missed deadline aborts the
// communicator (ncclCommAbort, which never waits for peers) and hands the message to the
// failure handler, which ends the job before any unwinding (MPI_Abort).
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "comm/communicator.h"
#include "comm/mpi_session.h"

namespace srm {

class NcclCommunicator : public Communicator {
 public:
  // `device` must be a CUDA device with an index: the GPU this rank owns.
  NcclCommunicator(const MpiSession& session, const c10::Device& device, CommFailurePolicy policy);
  ~NcclCommunicator() override;
  int rank() const override { return rank_; }
  int world_size() const override { return world_size_; }
  std::string backend_name() const override { return "nccl"; }
  c10::Device device() const override { return device_; }
  void all_reduce(at::Tensor& tensor, ReduceOp op) override;
  void broadcast(at::Tensor& tensor, int root) override;
  void barrier() override;

 private:
  struct State;
  std::unique_ptr<State> state_;
  int rank_, world_size_;
  c10::Device device_;
  std::string host_;
  CommFailurePolicy policy_;

  void check_tensor(const at::Tensor& tensor, const char* op) const;
  // Polls until the communicator leaves ncclInProgress (non-blocking calls), or fails.
  void await_communicator(const char* what);
  // Waits for the work just enqueued on the current stream to finish, polling for NCCL errors.
  void await_stream(const char* what);
  [[noreturn]] void fail(const std::string& message);
};

// "2.30.7" (the NCCL this process loaded).
std::string nccl_version_string();

}  // namespace srm
