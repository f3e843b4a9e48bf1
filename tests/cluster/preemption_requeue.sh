#!/bin/bash
# The job gets its warning signal (SIGUSR1 to the batch shell, as --signal=B:USR1@180 sends it,
# here sent at once with scancel), checkpoints at a step boundary, requeues itself, resumes
# from that checkpoint and finishes; the archive shows one continuous run.
source "$(dirname "$0")/lib.sh"
testbed_up --slurm
start=$(date +%s)
job=$(submit "$WORK/run" --set train.iterations=600 --set output.checkpoint_every=100) || fail "sbatch"
wait_for 'has_checkpoint "$WORK/run"' 600 || fail "no first checkpoint"
say "signalling job $job (SIGUSR1 to the batch shell)"
scancel --batch --signal=USR1 "$job"
wait_for '[[ "$(status_of "$WORK/run")" == "running from iteration "[1-9]* ]]' 600 || fail "no resumed attempt"
say "resumed: $(status_of "$WORK/run")"
wait_for '[ "$(status_of "$WORK/run")" = "complete at iteration 600" ]' 600 || fail "not finished"
grep -q "interrupted at iteration" "$WORK/$job.out" || fail "no interruption recorded"
grep -q "requeueing job $job" "$WORK/$job.out" || fail "the script did not requeue"
continuous_run "$WORK/run/archive.h5" 600 || fail "the archive is not one continuous run"
say "preempted, requeued, resumed, finished; wall time $(( $(date +%s) - start )) s"
