#!/usr/bin/env bash
# Runs srm-dist with N ranks on this machine (data-parallel over MPI on CPU, or NCCL with one
# GPU per rank):
#
#   launch/run_local.sh -n 2 configs/rings.yaml [--set key=value ...] [-- extra mpirun args]
#
# It prints the resources it uses, gives each rank cores/N CPU threads, and adds the Open MPI
# flags this needs (--oversubscribe when ranks > cores, --allow-run-as-root as root).
# Environment: SRM_BIN (default build/src/srm-dist), SRM_COMMAND (train | bench, default train).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bin=${SRM_BIN:-$root/build/src/srm-dist}
command=${SRM_COMMAND:-train}
ranks=1
if [ "${1:-}" = "-n" ]; then ranks=$2; shift 2; fi
if [ $# -lt 1 ] || [ "${1:-}" = "-h" ] || [ "${1:-}" = "--help" ]; then sed -n '2,10p' "$0"; exit 2; fi
config=$1; shift
[ -x "$bin" ] || { echo "run_local.sh: $bin not built (run launch/setup.sh)" >&2; exit 1; }
[ -f "$config" ] || { echo "run_local.sh: config '$config' not found" >&2; exit 1; }
case "$ranks" in ''|*[!0-9]*|0) echo "run_local.sh: -n needs a positive number of ranks" >&2; exit 2 ;; esac

srm_args=() mpi_args=()
while [ $# -gt 0 ]; do
  if [ "$1" = "--" ]; then shift; mpi_args=("$@"); break; fi
  srm_args+=("$1"); shift
done

cores=$(nproc)
threads=$(( cores / ranks )); [ "$threads" -ge 1 ] || threads=1
gpus=$(nvidia-smi -L 2>/dev/null | wc -l || true)
echo "run_local: $ranks rank(s) on $(hostname): $cores cores ($threads threads per rank), ${gpus:-0} GPU(s); config $config"

if [ "$ranks" -eq 1 ]; then
  exec "$bin" "$command" --config "$config" --set train.threads="$threads" "${srm_args[@]}"
fi
flags=(--bind-to none)
[ "$ranks" -gt "$cores" ] && flags+=(--oversubscribe)
[ "$(id -u)" -eq 0 ] && flags+=(--allow-run-as-root)
exec mpirun -np "$ranks" "${flags[@]}" "${mpi_args[@]}" \
  "$bin" "$command" --config "$config" --set train.threads="$threads" "${srm_args[@]}"
