#!/bin/bash
# cluster/srm_dist_multinode.sbatch submitted with sbatch, as a user would, across the two
# simulated nodes (mpirun launcher; no GPUs), runs to completion.
source "$(dirname "$0")/lib.sh"
testbed_up --slurm
start=$(date +%s)
job=$(submit "$WORK/run" --set train.iterations=300) || fail "sbatch refused the script"
say "submitted job $job"
wait_for '[ "$(status_of "$WORK/run")" = "complete at iteration 300" ]' 300 || fail "job $job did not complete"
wait_for '[ -z "$(squeue -h -j "$job" 2>/dev/null)" ]' 60 || fail "job $job still listed"
grep -q "job $job (srm-dist): 2 node(s) \[h\[1-2\]\], 4 ranks" "$WORK/$job.out" || fail "not 2 nodes x 2 ranks"
say "job $job complete on h[1-2]; wall time $(( $(date +%s) - start )) s"
