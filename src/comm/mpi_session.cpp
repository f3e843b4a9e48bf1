// MPI session (see mpi_session.h).
#include "comm/mpi_session.h"

#include <fmt/format.h>
#include <mpi.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

#include "comm/communicator.h"

namespace srm {
namespace {

void mpi_check(int code, const char* what) {
  if (code == MPI_SUCCESS) return;
  char text[MPI_MAX_ERROR_STRING];
  int length = 0;
  MPI_Error_string(code, text, &length);
  throw CommError(fmt::format("{}: {}", what, std::string(text, static_cast<size_t>(length))));
}

std::string host_name() {
  char name[256] = {0};
  gethostname(name, sizeof name - 1);
  return name;
}

}  // namespace

bool MpiSession::launched_by_mpi() {
  // mpirun (Open MPI), srun --mpi=pmix (PMIx), srun --mpi=pmi2 and MPICH/Hydra (PMI). Slurm's
  // own SLURM_PROCID is deliberately not enough: a batch script's shell has it too.
  for (const char* var : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK", "PMI_SIZE", "MPI_LOCALNRANKS"})
    if (std::getenv(var) != nullptr) return true;
  return false;
}

MpiSession::MpiSession(int* argc, char*** argv) : host_(host_name()) {
  if (!launched_by_mpi()) return;
  int provided = 0;
  mpi_check(MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided), "MPI_Init_thread");
  active_ = true;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
  MPI_Comm_size(MPI_COMM_WORLD, &world_size_);
  MPI_Comm node;
  mpi_check(MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, rank_, MPI_INFO_NULL, &node),
            "MPI_Comm_split_type");
  MPI_Comm_rank(node, &local_rank_);
  MPI_Comm_size(node, &local_size_);
  MPI_Comm_free(&node);
}

MpiSession::~MpiSession() {
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (active_ && !finalized) MPI_Finalize();
}

std::vector<std::string> MpiSession::all_gather(const std::string& value) const {
  if (!active_) return {value};
  constexpr int kWidth = 256;
  std::vector<char> mine(kWidth, '\0'), all(static_cast<size_t>(kWidth) * world_size_, '\0');
  std::strncpy(mine.data(), value.c_str(), kWidth - 1);
  mpi_check(MPI_Allgather(mine.data(), kWidth, MPI_CHAR, all.data(), kWidth, MPI_CHAR, MPI_COMM_WORLD),
            "MPI_Allgather");
  std::vector<std::string> out;
  for (int r = 0; r < world_size_; ++r) out.emplace_back(all.data() + static_cast<size_t>(r) * kWidth);
  return out;
}

void MpiSession::abort(int code) const {
  if (active_) MPI_Abort(MPI_COMM_WORLD, code);
  std::_Exit(code);
}

std::string mpi_library_version() {
  int initialized = 0;
  MPI_Initialized(&initialized);
  if (!initialized) return "";
  char text[MPI_MAX_LIBRARY_VERSION_STRING];
  int length = 0;
  MPI_Get_library_version(text, &length);
  std::string version(text, static_cast<size_t>(length));
  const auto end = version.find_first_of(",\n");
  return end == std::string::npos ? version : version.substr(0, end);
}

}  // namespace srm
