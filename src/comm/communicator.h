// Collective operations between the ranks of a data-parallel job. Callers see only this
// interface; which backend runs (single process, MPI on CPU tensors, NCCL on CUDA tensors) is
// decided in make_communicator() alone, so no caller needs an #ifdef.
#pragma once

#include <ATen/core/Tensor.h>

#include <stdexcept>
#include <string>

namespace srm {

enum class ReduceOp { Sum, Max };

class CommError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class Communicator {
 public:
  virtual ~Communicator() = default;
  virtual int rank() const = 0;
  virtual int world_size() const = 0;
  virtual std::string backend_name() const = 0;
  // The device whose tensors this backend reduces (CPU for single/MPI, a GPU for NCCL).
  virtual bool wants_cuda_tensors() const = 0;

  // In place over all ranks. `tensor`: contiguous float32, float64 or int64 on the backend's
  // device. Every rank must call with the same shape and dtype.
  virtual void all_reduce(at::Tensor& tensor, ReduceOp op) = 0;
  // In place: every rank receives root's values.
  virtual void broadcast(at::Tensor& tensor, int root) = 0;
  virtual void barrier() = 0;
};

}  // namespace srm
