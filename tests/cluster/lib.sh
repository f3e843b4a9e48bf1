# Shared by the cluster test-bed scenarios (sourced). Each scenario brings the test bed up
# (idempotent), or exits 77 (ctest: skipped) with the reason when this machine cannot host it.
set -uo pipefail
SRC=${SRM_SOURCE_DIR:?}
BIN=${SRM_DIST_BINARY:?}
STATE=${SRM_TESTBED_DIR:-/tmp/srm-testbed}
WORK=$(mktemp -d /tmp/srm-cluster-test-XXXXXX)
trap 'rm -rf "$WORK"' EXIT

skip() { echo "SKIPPED: $*"; exit 77; }
# On failure: the reason, then what Slurm and the jobs said.
fail() {
  echo "FAILED: $*"
  if [ -n "${SLURM_CONF:-}" ]; then
    squeue 2>&1 | head -20
    sinfo -N 2>&1 | head -10
    tail -30 "$STATE/slurm/log/slurmctld.log" 2>/dev/null
  fi
  for out in "$WORK"/*.out; do [ -f "$out" ] && { echo "== $out"; tr '\r' '\n' < "$out" | grep -v '^train ' | tail -40; }; done
  exit 1
}
has_checkpoint() { compgen -G "$1/checkpoints/ckpt_*.h5" > /dev/null; }
say() { echo "[$(date +%H:%M:%S)] $*"; }

testbed_up() {
  [ "$(id -u)" -eq 0 ] || skip "the test bed needs root (network namespaces, Slurm daemons)"
  if ! ip netns list >/dev/null 2>&1 || ! ip netns add srm-probe 2>/dev/null; then
    skip "this machine does not allow network namespaces (ip netns add failed)"
  fi
  ip netns del srm-probe
  bash "$SRC/cluster/testbed/testbed_up.sh" "$@" || fail "testbed_up.sh failed"
  # shellcheck disable=SC1091
  source "$STATE/mpi.env"
}

# Waits until `condition` (a shell expression) holds, polling every second, at most $2 s.
wait_for() {
  local condition=$1 limit=$2
  for _ in $(seq "$limit"); do eval "$condition" && return 0; sleep 1; done
  return 1
}

status_of() { head -n 1 "$1/status" 2>/dev/null; }

# The final parameter snapshots of two archives are bit-identical (Debian's h5py).
same_parameters() {
  /usr/bin/python3 - "$1" "$2" "$3" <<'PY'
import sys, h5py, numpy as np
a, b, it = sys.argv[1], sys.argv[2], int(sys.argv[3])
ga = h5py.File(a, "r")[f"checkpoints/iter_{it:08d}"]
gb = h5py.File(b, "r")[f"checkpoints/iter_{it:08d}"]
worst = max(float(np.abs(ga[k][()] - gb[k][()]).max()) for k in ga)
print(f"max |difference| over {len(ga)} tensors: {worst}")
sys.exit(0 if worst == 0 else 1)
PY
}

# metrics rows 1..N exactly once, and the resumed_at attribute.
continuous_run() {
  /usr/bin/python3 - "$1" "$2" <<'PY'
import sys, h5py, numpy as np
f = h5py.File(sys.argv[1], "r")
it = f["metrics"]["iteration"]
n = int(sys.argv[2])
print("resumed_at:", np.atleast_1d(f.attrs.get("resumed_at", [])).tolist(), "metrics rows:", len(it))
sys.exit(0 if len(it) == n and (it == np.arange(1, n + 1)).all() and "resumed_at" in f.attrs else 1)
PY
}

# Submits the multi-node script to the test bed with small settings; prints the job id.
submit_once() {
  local run_dir=$1
  shift
  (cd "$SRC" && SRM_DIST="$BIN" SRM_LAUNCHER=mpirun SRM_RUN_DIR="$run_dir" sbatch --parsable --nodes=2 \
     --ntasks-per-node=2 --cpus-per-task=1 --gpus-per-node=0 --time=15 --output="$WORK/%j.out" \
     cluster/srm_dist_multinode.sbatch configs/rings.yaml --set train.threads=1 "$@")
}

# submit_once, then waits until srm-dist has started (rank 0's first log line is in the job output).
# Should Open MPI's orted still fail to start on a test-bed host ("ORTE was unable to reliably
# start one or more daemons", before srm-dist runs; mpi.env's rtc_hwloc_vmhole=none removed the
# segfault that caused it), that job is submitted once more, saying so. Any other early end is
# left to the scenario to report.
submit() {
  local job attempt
  for attempt in 1 2; do
    job=$(submit_once "$@") || return 1
    for _ in $(seq 1 120); do
      grep -q "rank 0\] " "$WORK/$job.out" 2>/dev/null && { echo "$job"; return 0; }
      [ -z "$(squeue -h -j "$job" 2>/dev/null)" ] && break
      sleep 1
    done
    if [ "$attempt" = 1 ] && grep -q "ORTE was unable to reliably start" "$WORK/$job.out" 2>/dev/null; then
      echo "[$(date +%T)] job $job: Open MPI's daemons failed to start (orted crash); submitting again" >&2
      continue
    fi
    break
  done
  echo "$job"
}
