// The backend choice of make_communicator() in a one-process job, in both build flavours:
// with the NCCL backend (SRM_NCCL=ON/AUTO with NCCL found) and without it (SRM_NCCL=OFF).
#include <gtest/gtest.h>

#include "comm/make_communicator.h"

namespace srm {
namespace {

const MpiSession& one_process_session() {
  static int argc = 1;
  static char name[] = "srm_unit_tests";
  static char* argv_storage[] = {name, nullptr};
  static char** argv = argv_storage;
  static const MpiSession session(&argc, &argv);  // no launcher in the environment: MPI stays off
  return session;
}

TEST(CommunicatorChoice, AutoIsSingleForOneRankOnTheCpu) {
  const auto comm = make_communicator("auto", one_process_session(), c10::Device(c10::kCPU));
  EXPECT_EQ(comm->backend_name(), "single");
  EXPECT_EQ(comm->device(), c10::Device(c10::kCPU));
  EXPECT_EQ(comm->world_size(), 1);
}

TEST(CommunicatorChoice, NcclIsRefusedWithTheReasonOfThisBuild) {
  try {
    make_communicator("nccl", one_process_session(), c10::Device(c10::kCPU));
    FAIL() << "no error";
  } catch (const CommError& e) {
    const std::string expected = nccl_available() ? "dist.backend = nccl needs train.device = cuda"
                                                  : "this build has no NCCL backend (configured with SRM_NCCL=OFF";
    EXPECT_NE(std::string(e.what()).find(expected), std::string::npos) << e.what();
  }
  EXPECT_EQ(nccl_version().empty(), !nccl_available());
}

TEST(CommunicatorChoice, MpiWithoutALauncherAndUnknownBackendsAreRefused) {
  EXPECT_THROW(make_communicator("mpi", one_process_session(), c10::Device(c10::kCPU)), CommError);
  EXPECT_THROW(make_communicator("gloo", one_process_session(), c10::Device(c10::kCPU)), CommError);
}

}  // namespace
}  // namespace srm
