// Backend choice (see make_communicator.h). The only file that knows which backends exist.
#include "comm/make_communicator.h"

#include <fmt/format.h>

#include "comm/mpi_communicator.h"
#include "comm/single_process_communicator.h"
#if SRM_WITH_NCCL
#include "comm/nccl_communicator.h"
#endif

namespace srm {

bool nccl_available() { return SRM_WITH_NCCL != 0; }

std::string nccl_version() {
#if SRM_WITH_NCCL
  return nccl_version_string();
#else
  return "";
#endif
}

std::unique_ptr<Communicator> make_communicator(const std::string& backend, const MpiSession& session,
                                                const c10::Device& device) {
  std::string chosen = backend;
  if (chosen == "auto") {
    if (session.world_size() == 1)
      chosen = "single";
    else
      chosen = device.is_cuda() && nccl_available() ? "nccl" : "mpi";
  }
  if (chosen == "single") {
    if (session.world_size() != 1)
      throw CommError(fmt::format("dist.backend = single, but the job has {} ranks: use auto, mpi or nccl",
                                  session.world_size()));
    return std::make_unique<SingleProcessCommunicator>();
  }
  if (chosen == "mpi") {
    if (device.is_cuda())
      throw CommError("dist.backend = mpi reduces CPU tensors; with train.device = cuda use nccl or auto");
    return std::make_unique<MpiCommunicator>(session);
  }
  if (chosen == "nccl") {
#if SRM_WITH_NCCL
    if (!device.is_cuda()) throw CommError("dist.backend = nccl needs train.device = cuda (or auto with a GPU)");
    return std::make_unique<NcclCommunicator>(session, device.index());
#else
    throw CommError("dist.backend = nccl, but this build has no NCCL (LibTorch without CUDA)");
#endif
  }
  throw CommError("dist.backend: unknown backend \"" + backend + "\"");
}

}  // namespace srm
