// MPI backend (see mpi_communicator.h).
#include "comm/mpi_communicator.h"

#include <ATen/ATen.h>
#include <fmt/format.h>
#include <mpi.h>

namespace srm {
namespace {

MPI_Datatype mpi_type(const at::Tensor& t) {
  switch (t.scalar_type()) {
    case at::kFloat: return MPI_FLOAT;
    case at::kDouble: return MPI_DOUBLE;
    case at::kLong: return MPI_INT64_T;
    default: throw CommError(fmt::format("MPI backend: unsupported dtype {}", c10::toString(t.scalar_type())));
  }
}

void check_tensor(const at::Tensor& t, const char* op) {
  if (!t.is_cpu() || !t.is_contiguous())
    throw CommError(fmt::format("MPI {}: needs a contiguous CPU tensor (got {} {})", op,
                                t.device().str(), t.is_contiguous() ? "contiguous" : "strided"));
}

void check(int code, const char* what, int rank) {
  if (code != MPI_SUCCESS) throw CommError(fmt::format("{} failed on rank {} (MPI error {})", what, rank, code));
}

}  // namespace

MpiCommunicator::MpiCommunicator(const MpiSession& session)
    : rank_(session.rank()), world_size_(session.world_size()) {
  if (!session.active()) throw CommError("dist.backend = mpi, but the process was not started by mpirun or srun");
}

void MpiCommunicator::all_reduce(at::Tensor& tensor, ReduceOp op) {
  check_tensor(tensor, "all_reduce");
  check(MPI_Allreduce(MPI_IN_PLACE, tensor.data_ptr(), static_cast<int>(tensor.numel()), mpi_type(tensor),
                      op == ReduceOp::Sum ? MPI_SUM : MPI_MAX, MPI_COMM_WORLD),
        "MPI_Allreduce", rank_);
}

void MpiCommunicator::broadcast(at::Tensor& tensor, int root) {
  check_tensor(tensor, "broadcast");
  if (root < 0 || root >= world_size_)
    throw CommError(fmt::format("broadcast: root {} out of range for {} ranks", root, world_size_));
  check(MPI_Bcast(tensor.data_ptr(), static_cast<int>(tensor.numel()), mpi_type(tensor), root, MPI_COMM_WORLD),
        "MPI_Bcast", rank_);
}

void MpiCommunicator::barrier() { check(MPI_Barrier(MPI_COMM_WORLD), "MPI_Barrier", rank_); }

}  // namespace srm
