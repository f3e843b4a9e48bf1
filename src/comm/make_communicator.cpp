// Backend choice (see make_communicator.h). The only file that knows which backends exist.
#include "comm/make_communicator.h"

#include <fmt/format.h>

#include "comm/mpi_communicator.h"
#include "comm/single_process_communicator.h"
#if SRM_WITH_NCCL
#include <utility>

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

CommFailurePolicy job_failure_policy(const MpiSession& session, double timeout_seconds) {
  CommFailurePolicy policy;
  policy.timeout_seconds = timeout_seconds;
  policy.on_fatal = [&session](const std::string& message) { session.fail_job("error: " + message); };
  return policy;
}

std::unique_ptr<Communicator> make_communicator(const std::string& backend, const MpiSession& session,
                                                const c10::Device& device, CommFailurePolicy policy) {
  std::string chosen = backend;
  if (chosen == "auto") {
    if (session.world_size() == 1)
      chosen = "single";
    else if (!device.is_cuda())
      chosen = "mpi";
    else if (nccl_available())
      chosen = "nccl";
    else
      throw CommError(fmt::format("{} ranks train on CUDA, but this build has no NCCL backend (SRM_NCCL=OFF or NCCL "
                                  "not found); rebuild with NCCL or use train.device=cpu", session.world_size()));
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
    return std::make_unique<NcclCommunicator>(session, device, std::move(policy));
#else
    (void)policy;
    throw CommError("dist.backend = nccl, but this build has no NCCL backend (configured with SRM_NCCL=OFF, or no "
                    "NCCL found: a CPU-only LibTorch, or the LibTorch zip without nccl.h; see the README)");
#endif
  }
  throw CommError("dist.backend: unknown backend \"" + backend + "\"");
}

}  // namespace srm
