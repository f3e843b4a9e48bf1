// The process's MPI lifetime (RAII, owned by main) and what it knows about the job: rank,
// world size, node-local rank, host name. MPI is initialised only when a launcher (mpirun,
// srun) started the process; a plain `srm-dist ...` runs as one rank without touching MPI.
#pragma once

#include <string>
#include <thread>
#include <vector>

namespace srm {

class MpiSession {
 public:
  // Initialises MPI when launched by mpirun/srun (see launched_by_mpi()).
  MpiSession(int* argc, char*** argv);
  ~MpiSession();
  MpiSession(const MpiSession&) = delete;
  MpiSession& operator=(const MpiSession&) = delete;

  bool active() const { return active_; }
  int rank() const { return rank_; }
  int world_size() const { return world_size_; }
  int local_rank() const { return local_rank_; }   // rank among the ranks of this host
  int local_size() const { return local_size_; }
  const std::string& host() const { return host_; }

  // Every rank's `value` (any length), in rank order, on every rank (one string per rank).
  std::vector<std::string> all_gather(const std::string& value) const;

  // Ends the whole job (all ranks) with `code`; with MPI inactive, exits this process. Safe
  // from any thread: MPI_Abort where MPI granted MPI_THREAD_MULTIPLE or on the thread that
  // initialised MPI, else _Exit (the launcher then ends the other ranks).
  [[noreturn]] void abort(int code) const;
  // Prints "[rank R@host] srm-dist: MESSAGE" (plain "srm-dist: MESSAGE" for one rank) to
  // stderr and ends the job with `code` at once, without unwinding.
  [[noreturn]] void fail_job(const std::string& message, int code = 1) const;

  // True when the environment shows an MPI launcher (Open MPI, PMIx, PMI, Slurm's srun).
  static bool launched_by_mpi();
  // Throws std::runtime_error when this process is one task of a multi-task Slurm step
  // (`srun -n 8 srm-dist` without --mpi=pmix/pmi2) but no launcher information reached it:
  // each task would otherwise run as its own rank 0 into the same run directory.
  void refuse_unconnected_slurm_tasks() const;

 private:
  bool active_ = false;
  int rank_ = 0, world_size_ = 1, local_rank_ = 0, local_size_ = 1;
  int thread_level_ = 0;  // what MPI_Init_thread provided
  std::thread::id init_thread_;
  std::string host_;
};

// "Open MPI v4.1.4, ..." (empty when MPI is inactive).
std::string mpi_library_version();

}  // namespace srm
