// Collective operations between the ranks of a data-parallel job. Callers see only this
// interface; which backend runs (single process, MPI on CPU tensors, NCCL on CUDA tensors) is
// decided in make_communicator() alone, so no caller needs an #ifdef.
#pragma once

#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>

#include <functional>
#include <stdexcept>
#include <string>

namespace srm {

enum class ReduceOp { Sum, Max };

class CommError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// What a backend does when a collective fails or stalls (used by NCCL; MPI's own error
// handling ends the job, and the progress watchdog covers its hangs).
struct CommFailurePolicy {
  // Longest wait for one collective (and for the communicator's creation), in seconds; 0 = none.
  double timeout_seconds = 1800;
  // Receives the message of a fatal error and should not return (it ends the job). When empty,
  // the error is thrown as CommError instead.
  std::function<void(const std::string&)> on_fatal;
};

class Communicator {
 public:
  virtual ~Communicator() = default;
  virtual int rank() const = 0;
  virtual int world_size() const = 0;
  virtual std::string backend_name() const = 0;
  // The one device whose tensors this backend reduces: the CPU for single and MPI, the rank's
  // GPU (with its index) for NCCL. Callers create the tensors they reduce on exactly this
  // device (`.to(comm.device())`); a backend refuses a tensor on any other device.
  virtual c10::Device device() const = 0;

  // In place over all ranks. `tensor`: contiguous float32, float64 or int64 on device().
  // Every rank must call with the same shape and dtype.
  virtual void all_reduce(at::Tensor& tensor, ReduceOp op) = 0;
  // In place: every rank receives root's values.
  virtual void broadcast(at::Tensor& tensor, int root) = 0;
  virtual void barrier() = 0;
};

}  // namespace srm
