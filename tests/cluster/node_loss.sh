#!/bin/bash
# One simulated host's ranks are killed mid-run: the job ends within a bounded time with a
# message naming a lost rank; the next submission resumes from the last checkpoint and finishes.
source "$(dirname "$0")/lib.sh"
testbed_up --slurm
start=$(date +%s)
job=$(submit "$WORK/run" --set train.iterations=500 --set output.checkpoint_every=50) || fail "sbatch"
wait_for 'has_checkpoint "$WORK/run"' 600 || fail "no checkpoint"
victims=()
for pid in $(ip netns pids h2); do [ "$(cat /proc/"$pid"/comm 2>/dev/null)" = "srm-dist" ] && victims+=("$pid"); done
[ ${#victims[@]} -eq 2 ] || fail "expected 2 srm-dist ranks on h2, found ${#victims[@]}"
say "killing h2's ranks: ${victims[*]}"
killed=$(date +%s)
kill -KILL "${victims[@]}"
wait_for '[ -z "$(squeue -h -j "$job" 2>/dev/null)" ]' 120 || fail "job $job still running 120 s after the loss"
ended=$(( $(date +%s) - killed ))
say "job ended ${ended} s after the loss"
grep -Eq "process rank [23] .* exited on signal 9" "$WORK/$job.out" || fail "no message naming the lost rank"
grep -E "process rank [23] " "$WORK/$job.out" | head -1
[[ "$(status_of "$WORK/run")" == running* ]] || fail "status should still say running"
job2=$(submit "$WORK/run" --set train.iterations=500 --set output.checkpoint_every=50) || fail "resubmission"
wait_for '[ "$(status_of "$WORK/run")" = "complete at iteration 500" ]' 600 || fail "not finished"
grep -o "resuming from .*" "$WORK/$job2.out" | head -1
continuous_run "$WORK/run/archive.h5" 500 || fail "the archive is not one continuous run"
say "lost host: ended in ${ended} s, resumed and finished; wall time $(( $(date +%s) - start )) s"
