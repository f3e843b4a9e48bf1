# Environment shared by the Slurm scripts (sourced, not run). Edit the site-specific lines.
#
# NCCL (GPU all-reduce)
#   NCCL_DEBUG=WARN            INFO prints the chosen transports (NVLink/P2P, IB, sockets): use
#                              it once per new cluster to check that P2P/NVLink is used in a node
#   NCCL_SOCKET_IFNAME         the NIC for NCCL's bootstrap and socket transport (e.g. ib0, eth0)
#   NCCL_IB_HCA                which InfiniBand HCAs to use (e.g. mlx5_0,mlx5_1); unset = all
#   NCCL_P2P_LEVEL             leave unset: NCCL picks NVLink/P2P itself when every rank sees
#                              all GPUs of its node (the scripts bind GPUs per rank in srm-dist,
#                              not with cgroups, for exactly that reason)
# Open MPI (bootstrap and the NCCL id exchange only; gradients go over NCCL)
#   OMPI_MCA_btl=^openib       silence the deprecated openib transport's warnings
#   OMPI_MCA_pml=ob1           plain point-to-point; MPI carries almost no data here
# CPU threads
#   OMP_NUM_THREADS            CPU threads per rank (data loading, HDF5, PNG): cpus-per-task
export NCCL_DEBUG=${NCCL_DEBUG:-WARN}
# export NCCL_SOCKET_IFNAME=ib0
# export NCCL_IB_HCA=mlx5_0,mlx5_1
export OMPI_MCA_btl=${OMPI_MCA_btl:-^openib}
export OMPI_MCA_pml=${OMPI_MCA_pml:-ob1}
export OMP_NUM_THREADS=${SLURM_CPUS_PER_TASK:-8}

# Where srm-dist is installed (a build folder or an install prefix).
SRM_DIST=${SRM_DIST:-$SLURM_SUBMIT_DIR/build/src/srm-dist}

srm_print_resources() {
  echo "job $SLURM_JOB_ID ($SLURM_JOB_NAME): $SLURM_JOB_NUM_NODES node(s) [$SLURM_JOB_NODELIST]," \
       "$SLURM_NTASKS ranks, $SLURM_CPUS_PER_TASK CPUs per rank"
  echo "config: $SRM_CONFIG; binary: $SRM_DIST; run directory: $SRM_RUN_DIR"
  timeout 60 srun --ntasks-per-node=1 --ntasks="$SLURM_JOB_NUM_NODES" bash -c \
    'echo "  $(hostname): $(nvidia-smi -L 2>/dev/null | wc -l) GPU(s)"' || true
}

# Preemption and the time limit. The scripts ask Slurm for SIGUSR1 to the batch shell ahead of
# the limit (--signal=B:USR1@180) and run srm-dist with output.resume=auto in a directory named
# by the job id, which a requeued job keeps. srm_launch forwards SIGUSR1 and SIGTERM (what
# preemption and scancel send) from the batch shell to the launcher (srun and mpirun both pass
# them on to the ranks). Every rank then stops at the same step boundary, a checkpoint is
# written, srm-dist exits 0 with "interrupted ..." in <run dir>/status, and
# srm_requeue_if_interrupted requeues the job, which resumes from that checkpoint.
srm_launch() {
  "$@" &
  local pid=$! status
  trap 'kill -USR1 '"$pid"' 2>/dev/null' USR1
  trap 'kill -TERM '"$pid"' 2>/dev/null' TERM
  while :; do
    wait "$pid"
    status=$?
    kill -0 "$pid" 2>/dev/null || break  # wait also returns when a trapped signal arrives
  done
  trap - USR1 TERM
  return "$status"
}

srm_requeue_if_interrupted() {
  local status
  status=$(head -n 1 "$SRM_RUN_DIR/status" 2>/dev/null || true)
  echo "run status: ${status:-none}"
  if [[ "$status" == interrupted* ]]; then
    echo "requeueing job $SLURM_JOB_ID to continue from its checkpoint"
    scontrol requeue "$SLURM_JOB_ID"
  fi
}

# mpirun -x for the NCCL variables that are set (an unset one only draws a warning).
srm_mpirun_exports() {
  local v
  for v in NCCL_DEBUG NCCL_SOCKET_IFNAME NCCL_IB_HCA OMP_NUM_THREADS; do
    [ -n "${!v:-}" ] && printf -- '-x\n%s\n' "$v"
  done
}
