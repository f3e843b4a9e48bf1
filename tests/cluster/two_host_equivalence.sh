#!/bin/bash
# 2 hosts x 2 ranks over TCP (veth + bridge) must end bit-identical to 4 ranks on one host.
source "$(dirname "$0")/lib.sh"
testbed_up
common=(--config "$SRC/configs/rings.yaml" --set train.iterations=200 --set train.threads=1)
start=$(date +%s)
say "4 ranks on hosts h1, h2 (TCP across the bridge)"
timeout 300 mpirun --hostfile "$STATE/hostfile" -np 4 --bind-to none "$BIN" "${common[@]}" \
  --set output.dir="$WORK/two_hosts" > "$WORK/two_hosts.log" 2>&1 || { tail -20 "$WORK/two_hosts.log"; fail "2-host run"; }
grep -q "world size 4 | backend mpi" "$WORK/two_hosts.log" || fail "not a 4-rank MPI run"
say "4 ranks on this host (shared memory)"
env -u OMPI_MCA_plm -u OMPI_MCA_plm_rsh_agent -u OMPI_MCA_btl -u OMPI_MCA_btl_tcp_if_include \
  -u OMPI_MCA_oob_tcp_if_include timeout 300 mpirun --oversubscribe --bind-to none -np 4 "$BIN" "${common[@]}" \
  --set output.dir="$WORK/one_host" > "$WORK/one_host.log" 2>&1 || { tail -20 "$WORK/one_host.log"; fail "1-host run"; }
same_parameters "$WORK/two_hosts/archive.h5" "$WORK/one_host/archive.h5" 200 || fail "the runs differ"
say "identical; wall time $(( $(date +%s) - start )) s"
