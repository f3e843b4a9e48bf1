// NCCL backend (see nccl_communicator.h). Every NCCL error, including asynchronous ones found
// by polling ncclCommGetAsyncError while waiting, becomes a CommError naming rank and host.
#include "comm/nccl_communicator.h"

#include <ATen/ATen.h>
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>
#include <cuda_runtime_api.h>
#include <fmt/format.h>
#include <mpi.h>
#include <nccl.h>

namespace srm {

struct NcclCommunicator::State {
  ncclComm_t comm = nullptr;
};

namespace {

ncclDataType_t nccl_type(const at::Tensor& t) {
  switch (t.scalar_type()) {
    case at::kFloat: return ncclFloat32;
    case at::kDouble: return ncclFloat64;
    case at::kLong: return ncclInt64;
    case at::kBFloat16: return ncclBfloat16;
    default: throw CommError(fmt::format("NCCL backend: unsupported dtype {}", c10::toString(t.scalar_type())));
  }
}

}  // namespace

std::string nccl_version_string() {
  int v = 0;
  ncclGetVersion(&v);
  return fmt::format("{}.{}.{}", v / 10000, (v % 10000) / 100, v % 100);
}

NcclCommunicator::NcclCommunicator(const MpiSession& session, int device_index)
    : state_(std::make_unique<State>()), rank_(session.rank()), world_size_(session.world_size()),
      device_index_(device_index), host_(session.host()) {
  ncclUniqueId id;
  if (rank_ == 0 && ncclGetUniqueId(&id) != ncclSuccess)
    throw CommError(fmt::format("[rank 0@{}] ncclGetUniqueId failed", host_));
  if (session.active() && MPI_Bcast(&id, sizeof id, MPI_BYTE, 0, MPI_COMM_WORLD) != MPI_SUCCESS)
    throw CommError(fmt::format("[rank {}@{}] sharing the NCCL id over MPI failed", rank_, host_));
  const c10::cuda::CUDAGuard guard(static_cast<c10::DeviceIndex>(device_index));
  const ncclResult_t result = ncclCommInitRank(&state_->comm, world_size_, id, rank_);
  if (result != ncclSuccess)
    throw CommError(fmt::format("[rank {}@{}] ncclCommInitRank on GPU {}: {}", rank_, host_, device_index,
                                ncclGetErrorString(result)));
}

NcclCommunicator::~NcclCommunicator() {
  if (state_ && state_->comm) ncclCommDestroy(state_->comm);
}

void NcclCommunicator::all_reduce(at::Tensor& tensor, ReduceOp op) {
  if (!tensor.is_cuda() || !tensor.is_contiguous())
    throw CommError(fmt::format("[rank {}@{}] NCCL all_reduce needs a contiguous CUDA tensor", rank_, host_));
  const auto stream = c10::cuda::getCurrentCUDAStream(tensor.device().index());
  const ncclResult_t result = ncclAllReduce(tensor.data_ptr(), tensor.data_ptr(), tensor.numel(), nccl_type(tensor),
                                            op == ReduceOp::Sum ? ncclSum : ncclMax, state_->comm, stream.stream());
  if (result != ncclSuccess)
    throw CommError(fmt::format("[rank {}@{}] ncclAllReduce: {}", rank_, host_, ncclGetErrorString(result)));
}

void NcclCommunicator::broadcast(at::Tensor& tensor, int root) {
  if (!tensor.is_cuda() || !tensor.is_contiguous())
    throw CommError(fmt::format("[rank {}@{}] NCCL broadcast needs a contiguous CUDA tensor", rank_, host_));
  const auto stream = c10::cuda::getCurrentCUDAStream(tensor.device().index());
  const ncclResult_t result = ncclBroadcast(tensor.data_ptr(), tensor.data_ptr(), tensor.numel(), nccl_type(tensor),
                                            root, state_->comm, stream.stream());
  if (result != ncclSuccess)
    throw CommError(fmt::format("[rank {}@{}] ncclBroadcast: {}", rank_, host_, ncclGetErrorString(result)));
}

void NcclCommunicator::barrier() {
  auto one = at::ones({1}, at::TensorOptions().device(at::kCUDA, device_index_));
  all_reduce(one, ReduceOp::Sum);
  const auto stream = c10::cuda::getCurrentCUDAStream(static_cast<c10::DeviceIndex>(device_index_));
  // Wait, but poll for asynchronous NCCL errors so a dead peer cannot hang us silently.
  while (cudaStreamQuery(stream.stream()) == cudaErrorNotReady) {
    ncclResult_t async = ncclSuccess;
    ncclCommGetAsyncError(state_->comm, &async);
    if (async != ncclSuccess)
      throw CommError(fmt::format("[rank {}@{}] NCCL asynchronous error: {}", rank_, host_, ncclGetErrorString(async)));
  }
}

}  // namespace srm
