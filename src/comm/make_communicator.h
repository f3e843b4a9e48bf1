// The one place that chooses the communication backend (dist.backend):
//   auto:   single for one rank; NCCL when training on CUDA (and built with NCCL); MPI otherwise
//   single: one rank only;  mpi: CPU tensors over MPI;  nccl: CUDA tensors over NCCL
#pragma once

#include <c10/core/Device.h>

#include <memory>
#include <string>

#include "comm/communicator.h"
#include "comm/mpi_session.h"

namespace srm {

// `device` is the rank's device from select_device(); the communicator reduces tensors on it.
std::unique_ptr<Communicator> make_communicator(const std::string& backend, const MpiSession& session,
                                                const c10::Device& device, CommFailurePolicy policy = {});

// The failure policy of a real job: an NCCL error or a collective stalled past
// `timeout_seconds` (dist.timeout) ends the whole job at once through session.fail_job().
CommFailurePolicy job_failure_policy(const MpiSession& session, double timeout_seconds);

// Whether this build has the NCCL backend, and NCCL's version ("" when not).
bool nccl_available();
std::string nccl_version();

}  // namespace srm
