#!/bin/sh
# Open MPI's remote-launch agent for the namespace test bed (instead of ssh):
#   netns_agent.sh HOST COMMAND...   HOST: a test-bed address (10.231.0.N) or node name (hN)
# runs COMMAND inside that host's network namespace.
host=$1
shift
case "$host" in
  10.231.0.*) ns="h${host##*.}" ;;
  h[0-9]*) ns="$host" ;;
  *) echo "netns_agent.sh: unknown test-bed host '$host'" >&2; exit 1 ;;
esac
exec ip netns exec "$ns" sh -c "$*"
