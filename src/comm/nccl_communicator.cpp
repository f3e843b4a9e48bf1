// NCCL backend (see nccl_communicator.h for the failure semantics).
//
// Why each wait looks the way it does (NCCL user guide, "Fault tolerance" and "Non-blocking
// communicators"):
// - A blocking NCCL communicator can stall the host inside ncclCommInitRank or a collective
//   when a peer is gone, where nothing else can run. With config.blocking = 0 every call
//   returns at once (possibly ncclInProgress) and the communicator's state is read with
//   ncclCommGetAsyncError until it is ncclSuccess; that poll is where the deadline applies.
// - A collective that was enqueued can still fail or never complete on the GPU. Instead of
//   letting the host block later in a device synchronisation (`.item()`, a copy to the CPU)
//   until dist.timeout, each collective records an event and polls it together with
//   ncclCommGetAsyncError, so an asynchronous error or a stalled peer is seen within the
//   deadline. The collectives are therefore synchronous with the host; srm-dist reduces one
//   flat gradient per iteration, so nothing is lost to missing overlap.
// - On any error the communicator is ncclCommAbort'ed: unlike ncclCommDestroy, abort never
//   waits for outstanding operations or peers. The failure handler then ends the job at once.
// - The destructor finalizes (polled, under the deadline) and destroys after a clean run, and
//   aborts when it runs during stack unwinding (an exception elsewhere: peers may already be
//   gone) or when finalizing fails or times out.
#include "comm/nccl_communicator.h"

#include <ATen/ATen.h>
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>
#include <cuda_runtime_api.h>
#include <fmt/format.h>
#include <mpi.h>
#include <nccl.h>

#include <chrono>
#include <exception>
#include <thread>

namespace srm {

struct NcclCommunicator::State {
  ncclComm_t comm = nullptr;
  cudaEvent_t done = nullptr;
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

class Deadline {
 public:
  explicit Deadline(double seconds)
      : unlimited_(seconds <= 0),
        end_(std::chrono::steady_clock::now() +
             std::chrono::duration_cast<std::chrono::steady_clock::duration>(std::chrono::duration<double>(seconds))) {}
  bool passed() const { return !unlimited_ && std::chrono::steady_clock::now() > end_; }

 private:
  bool unlimited_;
  std::chrono::steady_clock::time_point end_;
};

// Short sleeps between polls: a collective of a few MB takes tens of microseconds or more.
void pause_briefly() { std::this_thread::sleep_for(std::chrono::microseconds(20)); }

}  // namespace

std::string nccl_version_string() {
  int v = 0;
  ncclGetVersion(&v);
  return fmt::format("{}.{}.{}", v / 10000, (v % 10000) / 100, v % 100);
}

NcclCommunicator::NcclCommunicator(const MpiSession& session, const c10::Device& device, CommFailurePolicy policy)
    : state_(std::make_unique<State>()), rank_(session.rank()), world_size_(session.world_size()), device_(device),
      host_(session.host()), policy_(std::move(policy)) {
  if (!device_.is_cuda() || !device_.has_index())
    throw CommError(fmt::format("[rank {}@{}] the NCCL backend needs a CUDA device with an index, got {}", rank_,
                                host_, device_.str()));
  ncclUniqueId id;
  if (rank_ == 0 && ncclGetUniqueId(&id) != ncclSuccess)
    throw CommError(fmt::format("[rank 0@{}] ncclGetUniqueId failed", host_));
  if (session.active() && MPI_Bcast(&id, sizeof id, MPI_BYTE, 0, MPI_COMM_WORLD) != MPI_SUCCESS)
    throw CommError(fmt::format("[rank {}@{}] sharing the NCCL id over MPI failed", rank_, host_));
  const c10::cuda::CUDAGuard guard(device_.index());
  ncclConfig_t config = NCCL_CONFIG_INITIALIZER;
  config.blocking = 0;
  const ncclResult_t result = ncclCommInitRankConfig(&state_->comm, world_size_, id, rank_, &config);
  if (result != ncclSuccess && result != ncclInProgress)
    fail(fmt::format("ncclCommInitRankConfig on {}: {}", device_.str(), ncclGetErrorString(result)));
  await_communicator("ncclCommInitRankConfig");
  if (cudaEventCreateWithFlags(&state_->done, cudaEventDisableTiming) != cudaSuccess)
    fail("cudaEventCreateWithFlags failed");
}

NcclCommunicator::~NcclCommunicator() {
  if (!state_) return;
  try {
    const c10::cuda::CUDAGuard guard(device_.index());
    if (state_->comm) {
      bool finalized = false;
      if (std::uncaught_exceptions() == 0) {
        // A clean end: finalize (non-blocking here: it may report ncclInProgress) and wait for it
        // under the same deadline as every other wait.
        const ncclResult_t started = ncclCommFinalize(state_->comm);
        if (started == ncclSuccess || started == ncclInProgress) {
          const Deadline deadline(policy_.timeout_seconds);
          ncclResult_t state = ncclInProgress;
          while (ncclCommGetAsyncError(state_->comm, &state) == ncclSuccess && state == ncclInProgress &&
                 !deadline.passed())
            pause_briefly();
          finalized = state == ncclSuccess;
        }
      }
      // Unwinding after an error, or a finalize that failed or timed out: abort, which never
      // waits for peers. Otherwise destroy frees the finalized communicator's local resources.
      if (finalized)
        ncclCommDestroy(state_->comm);
      else
        ncclCommAbort(state_->comm);
    }
    if (state_->done) cudaEventDestroy(state_->done);
  } catch (...) {
    // A destructor must not throw (a sticky CUDA error can make the guard throw).
  }
}

void NcclCommunicator::fail(const std::string& message) {
  const std::string text = fmt::format("[rank {}@{}] NCCL: {}", rank_, host_, message);
  if (state_ && state_->comm) {
    ncclCommAbort(state_->comm);
    state_->comm = nullptr;
  }
  if (policy_.on_fatal) policy_.on_fatal(text);
  throw CommError(text);
}

void NcclCommunicator::check_tensor(const at::Tensor& tensor, const char* op) const {
  if (tensor.device() != device_ || !tensor.is_contiguous())
    throw CommError(fmt::format("[rank {}@{}] NCCL {} needs a contiguous tensor on {} (this rank's GPU), got {} {}",
                                rank_, host_, op, device_.str(), tensor.device().str(),
                                tensor.is_contiguous() ? "contiguous" : "strided"));
}

void NcclCommunicator::await_communicator(const char* what) {
  const Deadline deadline(policy_.timeout_seconds);
  for (;;) {
    if (!state_->comm) fail(fmt::format("{}: the communicator was already aborted", what));
    ncclResult_t state = ncclSuccess;
    const ncclResult_t queried = ncclCommGetAsyncError(state_->comm, &state);
    if (queried != ncclSuccess) fail(fmt::format("{}: ncclCommGetAsyncError: {}", what, ncclGetErrorString(queried)));
    if (state == ncclSuccess) return;
    if (state != ncclInProgress) fail(fmt::format("{}: {}", what, ncclGetErrorString(state)));
    if (deadline.passed())
      fail(fmt::format("{}: not finished after {} s (dist.timeout); a peer rank is gone or stalled", what,
                       policy_.timeout_seconds));
    pause_briefly();
  }
}

void NcclCommunicator::await_stream(const char* what) {
  const auto stream = c10::cuda::getCurrentCUDAStream(device_.index());
  if (cudaEventRecord(state_->done, stream.stream()) != cudaSuccess) fail(fmt::format("{}: cudaEventRecord failed", what));
  const Deadline deadline(policy_.timeout_seconds);
  for (;;) {
    const cudaError_t status = cudaEventQuery(state_->done);
    if (status == cudaSuccess) return;
    if (status != cudaErrorNotReady) fail(fmt::format("{}: CUDA error {}", what, cudaGetErrorString(status)));
    ncclResult_t async = ncclSuccess;
    ncclCommGetAsyncError(state_->comm, &async);
    if (async != ncclSuccess && async != ncclInProgress)
      fail(fmt::format("{}: asynchronous error: {}", what, ncclGetErrorString(async)));
    if (deadline.passed())
      fail(fmt::format("{}: not complete after {} s (dist.timeout); a peer rank is gone or stalled", what,
                       policy_.timeout_seconds));
    pause_briefly();
  }
}

void NcclCommunicator::all_reduce(at::Tensor& tensor, ReduceOp op) {
  check_tensor(tensor, "all_reduce");
  const c10::cuda::CUDAGuard guard(device_.index());
  const auto stream = c10::cuda::getCurrentCUDAStream(device_.index());
  const ncclResult_t result = ncclAllReduce(tensor.data_ptr(), tensor.data_ptr(), tensor.numel(), nccl_type(tensor),
                                            op == ReduceOp::Sum ? ncclSum : ncclMax, state_->comm, stream.stream());
  if (result != ncclSuccess && result != ncclInProgress)
    fail(fmt::format("ncclAllReduce: {}", ncclGetErrorString(result)));
  await_communicator("ncclAllReduce");
  await_stream("ncclAllReduce");
}

void NcclCommunicator::broadcast(at::Tensor& tensor, int root) {
  check_tensor(tensor, "broadcast");
  const c10::cuda::CUDAGuard guard(device_.index());
  const auto stream = c10::cuda::getCurrentCUDAStream(device_.index());
  const ncclResult_t result = ncclBroadcast(tensor.data_ptr(), tensor.data_ptr(), tensor.numel(), nccl_type(tensor),
                                            root, state_->comm, stream.stream());
  if (result != ncclSuccess && result != ncclInProgress)
    fail(fmt::format("ncclBroadcast: {}", ncclGetErrorString(result)));
  await_communicator("ncclBroadcast");
  await_stream("ncclBroadcast");
}

void NcclCommunicator::barrier() {
  auto one = at::ones({1}, at::TensorOptions().device(device_));
  all_reduce(one, ReduceOp::Sum);
}

}  // namespace srm
