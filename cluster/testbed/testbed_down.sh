#!/bin/bash
# Stops the test bed of testbed_up.sh (idempotent): Slurm daemons by their pid files, the host
# namespaces and the bridge. munged is left running (other users of the machine may need it).
set -uo pipefail
hosts=${SRM_TESTBED_HOSTS:-2}
state=${SRM_TESTBED_DIR:-/tmp/srm-testbed}
[ "$(id -u)" -eq 0 ] || { echo "testbed_down.sh: needs root" >&2; exit 1; }
for pidfile in "$state"/slurm/run/*.pid; do
  pid=$(cat "$pidfile" 2>/dev/null) || continue
  kill "$pid" 2>/dev/null
  for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  rm -f "$pidfile"
done
for n in $(seq 1 "$hosts"); do
  if ip netns list | grep -qw "h$n"; then
    for pid in $(ip netns pids "h$n" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null; done
    ip netns del "h$n"
  fi
  ip link del "srmtb-h$n" 2>/dev/null
done
ip link del srmtb0 2>/dev/null
echo "testbed: down"
exit 0
