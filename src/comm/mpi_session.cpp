// MPI session (see mpi_session.h).
#include "comm/mpi_session.h"

#include <fmt/format.h>
#include <mpi.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <stdexcept>

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
  // The progress watchdog's thread may call MPI_Abort while the main thread is inside a
  // collective, and NCCL's failure handler runs wherever the error is seen: ask for
  // MPI_THREAD_MULTIPLE. Where it is not provided, abort() falls back to _Exit off the init
  // thread, and the collectives themselves only ever run on the main thread (FUNNELED).
  int provided = 0;
  mpi_check(MPI_Init_thread(argc, argv, MPI_THREAD_MULTIPLE, &provided), "MPI_Init_thread");
  if (provided < MPI_THREAD_FUNNELED)
    throw CommError(fmt::format("MPI_Init_thread provided thread level {}; srm-dist needs at least "
                                "MPI_THREAD_FUNNELED", provided));
  thread_level_ = provided;
  init_thread_ = std::this_thread::get_id();
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
  // Lengths first, then the bytes with MPI_Allgatherv: strings of any length arrive whole.
  if (value.size() > static_cast<size_t>(std::numeric_limits<int>::max()))
    throw CommError("all_gather: a string of more than 2^31 bytes");
  const int length = static_cast<int>(value.size());
  std::vector<int> lengths(static_cast<size_t>(world_size_)), offsets(static_cast<size_t>(world_size_));
  mpi_check(MPI_Allgather(&length, 1, MPI_INT, lengths.data(), 1, MPI_INT, MPI_COMM_WORLD), "MPI_Allgather");
  int64_t total = 0;
  for (int r = 0; r < world_size_; ++r) {
    offsets[static_cast<size_t>(r)] = static_cast<int>(total);
    total += lengths[static_cast<size_t>(r)];
    if (total > std::numeric_limits<int>::max()) throw CommError("all_gather: more than 2^31 bytes in all");
  }
  std::string all(static_cast<size_t>(total), '\0');
  mpi_check(MPI_Allgatherv(value.data(), length, MPI_CHAR, all.data(), lengths.data(), offsets.data(), MPI_CHAR,
                           MPI_COMM_WORLD),
            "MPI_Allgatherv");
  std::vector<std::string> out;
  for (int r = 0; r < world_size_; ++r)
    out.push_back(all.substr(static_cast<size_t>(offsets[static_cast<size_t>(r)]),
                             static_cast<size_t>(lengths[static_cast<size_t>(r)])));
  return out;
}

void MpiSession::abort(int code) const {
  if (active_ && (thread_level_ >= MPI_THREAD_MULTIPLE || std::this_thread::get_id() == init_thread_))
    MPI_Abort(MPI_COMM_WORLD, code);
  std::_Exit(code);
}

void MpiSession::fail_job(const std::string& message, int code) const {
  if (world_size_ > 1)
    std::fprintf(stderr, "[rank %d@%s] srm-dist: %s\n", rank_, host_.c_str(), message.c_str());
  else
    std::fprintf(stderr, "srm-dist: %s\n", message.c_str());
  std::fflush(stderr);
  abort(code);
}

void MpiSession::refuse_unconnected_slurm_tasks() const {
  if (active_) return;
  const char* tasks = std::getenv("SLURM_STEP_NUM_TASKS");
  if (tasks == nullptr || std::atol(tasks) <= 1) return;
  const char* task = std::getenv("SLURM_PROCID");
  throw std::runtime_error(fmt::format(
      "this process is task {} of a Slurm step of {} tasks, but MPI was not initialised (no PMI/PMIx "
      "information reached it): every task would train as its own rank 0 into one run directory. Start it with "
      "`srun --mpi=pmix` (or --mpi=pmi2), or with mpirun inside the allocation (cluster/*.sbatch)",
      task ? task : "?", tasks));
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
