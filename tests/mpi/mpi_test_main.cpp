// main() of the multi-rank test binary, run by ctest under mpirun with 2 and 3 ranks. Every
// rank runs every test; ranks other than 0 print only failures. The binary fails (and so
// mpirun fails) when any rank fails.
#include <gtest/gtest.h>

#include "mpi/mpi_test_session.h"

namespace srm::test {

const MpiSession* session_for_tests = nullptr;

const MpiSession& mpi_session() { return *session_for_tests; }

}  // namespace srm::test

int main(int argc, char** argv) {
  srm::MpiSession session(&argc, &argv);
  srm::test::session_for_tests = &session;
  ::testing::InitGoogleTest(&argc, argv);
  if (!session.active()) {
    fprintf(stderr, "srm_mpi_tests must be started by mpirun (-np 2 or more)\n");
    return 1;
  }
  if (session.rank() != 0) GTEST_FLAG_SET(brief, true);
  const int failed = RUN_ALL_TESTS() != 0 ? 1 : 0;
  int any_failed = 0;
  MPI_Allreduce(&failed, &any_failed, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
  return any_failed;
}
