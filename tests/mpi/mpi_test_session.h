// The MPI session of the multi-rank test binary (created in its main()).
#pragma once

#include <mpi.h>

#include "comm/mpi_session.h"

namespace srm::test {

const MpiSession& mpi_session();

}  // namespace srm::test
