#!/bin/bash
# The Slurm scripts' default launcher, srun, on the test bed. First a plain `srun -n 2 srm-dist`
# without PMI: every task must refuse (it would train as its own rank 0 into one directory).
# Then cluster/srm_dist_multinode.sbatch with its default `srun --mpi=pmix ... --cpus-per-task`
# line runs to completion, with MPI initialised through PMIx. One node: Slurm's PMIx plugin
# makes a per-step folder in /tmp, which the test bed's hosts share (they are network
# namespaces of one machine), so a step across two of them collides with itself. Whether srun
# inherits --cpus-per-task cannot be told apart here: Debian's Slurm 22.05.8 reports the same
# step CPUs with and without the flag (checked with scontrol show step), so that is not asserted.
source "$(dirname "$0")/lib.sh"
testbed_up --slurm

say "PMI-less srun: every task must refuse"
out=$(cd "$WORK" && timeout 120 srun -N 1 -n 2 --mpi=none "$BIN" --config "$SRC/configs/rings.yaml" \
        --set train.iterations=5 --set output.dir="$WORK/pmi-less" 2>&1)
status=$?
echo "$out" | tail -4
[ $status -ne 0 ] || fail "srun -n 2 without PMI exited 0"
[ "$(echo "$out" | grep -c 'of a Slurm step of 2 tasks, but MPI was not initialised')" -eq 2 ] \
  || fail "not every task refused"
[ ! -e "$WORK/pmi-less/archive.h5" ] || fail "a refused task created a run"

srun --mpi=list 2>&1 | grep -q pmix || skip "this Slurm has no PMIx plugin (srun --mpi=list)"
say "srun --mpi=pmix launcher: 1 node x 1 rank x 2 CPUs"
wrapper="$WORK/srm-dist-wrapper"
cat > "$wrapper" <<WRAP
#!/bin/bash
echo "task \${SLURM_PROCID:-?} started by srun (PMIX_RANK=\${PMIX_RANK:-unset})"
exec "$BIN" "\$@"
WRAP
chmod +x "$wrapper"
job=$(cd "$SRC" && SRM_DIST="$wrapper" SRM_RUN_DIR="$WORK/run" sbatch --parsable --nodes=1 --ntasks-per-node=1 \
        --cpus-per-task=2 --gpus-per-node=0 --time=15 --output="$WORK/%j.out" \
        cluster/srm_dist_multinode.sbatch configs/rings.yaml --set train.threads=1 --set train.iterations=100) \
  || fail "sbatch refused the script"
say "submitted job $job"
wait_for '[ "$(status_of "$WORK/run")" = "complete at iteration 100" ]' 300 || fail "job $job did not complete"
wait_for '[ -z "$(squeue -h -j "$job" 2>/dev/null)" ]' 60 || fail "job $job still listed"
grep -q "world size 1 | backend single | LibTorch [^|]* | Open MPI" "$WORK/$job.out" \
  || fail "MPI was not initialised through PMIx"
grep -q 'started by srun (PMIX_RANK=0)' "$WORK/$job.out" || fail "the task was not started through PMIx"
say "job $job complete over srun --mpi=pmix"
