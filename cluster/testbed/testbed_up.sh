#!/bin/bash
# Starts the one-machine cluster test bed (idempotent; run as root):
#   - N simulated hosts h1..hN (default 2) as network namespaces with addresses 10.231.0.N/24,
#     joined by veth links to the bridge srmtb0 (10.231.0.254) in the root namespace;
#   - Open MPI launching across them through cluster/testbed/netns_agent.sh (no ssh);
#   - with --slurm: munge, slurmctld (root namespace) and one slurmd per host (Debian's slurm-wlm),
#     partition "testbed" over h1..hN, 2 CPUs each.
# State (configs, logs, pid files, the hostfile) goes to $SRM_TESTBED_DIR (default /tmp/srm-testbed).
# Only addresses in 10.231.0.0/24 that this script creates are used. Stop with testbed_down.sh.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
hosts=${SRM_TESTBED_HOSTS:-2}
state=${SRM_TESTBED_DIR:-/tmp/srm-testbed}
with_slurm=0
[ "${1:-}" = "--slurm" ] && with_slurm=1
[ "$(id -u)" -eq 0 ] || { echo "testbed_up.sh: needs root (network namespaces)" >&2; exit 1; }
mkdir -p "$state"

# Packages -------------------------------------------------------------------------------------
need=(iproute2)
[ $with_slurm -eq 1 ] && need+=(slurmctld slurmd slurm-client munge)
missing=()
for p in "${need[@]}"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  echo "testbed: installing ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Network: bridge + one namespace per host -----------------------------------------------------
if ! ip link show srmtb0 >/dev/null 2>&1; then
  ip link add srmtb0 type bridge
  ip addr add 10.231.0.254/24 dev srmtb0
fi
ip link set srmtb0 up
: > "$state/hostfile"
for n in $(seq 1 "$hosts"); do
  if ! ip netns list | grep -qw "h$n"; then
    ip netns add "h$n"
    ip link add "srmtb-h$n" type veth peer name eth0 netns "h$n"
    ip link set "srmtb-h$n" master srmtb0 up
    ip netns exec "h$n" ip addr add "10.231.0.$n/24" dev eth0
    ip netns exec "h$n" ip link set eth0 up
    ip netns exec "h$n" ip link set lo up
  fi
  echo "10.231.0.$n slots=2" >> "$state/hostfile"
done
for n in $(seq 1 "$hosts"); do
  ip -n "h$n" -4 addr show eth0 | grep -q "10.231.0.$n/24" ||
    { echo "testbed: h$n has no address 10.231.0.$n on eth0" >&2; exit 1; }
done
chmod +x "$here/netns_agent.sh"
cat > "$state/mpi.env" <<ENV
# Source this: mpirun then launches on the test-bed hosts through the namespace agent.
export OMPI_MCA_plm=rsh
export OMPI_MCA_plm_rsh_agent=$here/netns_agent.sh
export OMPI_MCA_btl=tcp,self
export OMPI_MCA_btl_tcp_if_include=10.231.0.0/24
export OMPI_MCA_oob_tcp_if_include=10.231.0.0/24
# Open MPI 4.1's orted otherwise segfaults now and then while starting on a test-bed host
# (hwloc_shmem_topology_write, mapping the topology into a guessed hole of its address space;
# 5 of 30 launches here): "none" skips that shared-memory copy of the topology.
export OMPI_MCA_rtc_hwloc_vmhole=none
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
ENV
echo "testbed: $hosts hosts up (hostfile $state/hostfile; source $state/mpi.env before mpirun)"
[ $with_slurm -eq 1 ] || exit 0

# Slurm ----------------------------------------------------------------------------------------
if ! pgrep -x munged >/dev/null; then
  [ -f /etc/munge/munge.key ] || /usr/sbin/mungekey --create >/dev/null 2>&1 || true
  mkdir -p /run/munge && chown munge:munge /run/munge
  su -s /bin/sh munge -c /usr/sbin/munged
fi
munge -n | unmunge >/dev/null || { echo "testbed: munge does not work" >&2; exit 1; }
mkdir -p "$state/slurm/spool" "$state/slurm/log" "$state/slurm/run"
node_lines=""
for n in $(seq 1 "$hosts"); do node_lines+="NodeName=h$n NodeAddr=10.231.0.$n CPUs=2 RealMemory=1000 State=UNKNOWN"$'\n'; done
cat > "$state/slurm/slurm.conf" <<CONF
ClusterName=srmtestbed
SlurmctldHost=$(hostname)(10.231.0.254)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
MpiDefault=none
MailProg=/bin/true
ReturnToService=2
SlurmctldTimeout=30
SlurmdTimeout=30
InactiveLimit=0
KillWait=30
StateSaveLocation=$state/slurm/spool/ctld
SlurmdSpoolDir=$state/slurm/spool/%n
SlurmctldPidFile=$state/slurm/run/slurmctld.pid
SlurmdPidFile=$state/slurm/run/slurmd-%n.pid
SlurmctldLogFile=$state/slurm/log/slurmctld.log
SlurmdLogFile=$state/slurm/log/slurmd-%n.log
$node_lines
PartitionName=testbed Nodes=h[1-$hosts] Default=YES MaxTime=INFINITE State=UP
CONF
cat > "$state/slurm/cgroup.conf" <<CONF
CgroupPlugin=cgroup/v1
CgroupAutomount=no
IgnoreSystemd=yes
CONF
export SLURM_CONF=$state/slurm/slurm.conf
pidfile_alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }
# A controller started afresh forgets the jobs of an earlier bed (-c): one torn down mid-job
# would otherwise be recovered with its nodes still allocated, and no node would come up idle.
pidfile_alive "$state/slurm/run/slurmctld.pid" || slurmctld -c -f "$SLURM_CONF"
for n in $(seq 1 "$hosts"); do
  pidfile_alive "$state/slurm/run/slurmd-h$n.pid" || ip netns exec "h$n" slurmd -f "$SLURM_CONF" -N "h$n"
done
for _ in $(seq 60); do
  idle=$(sinfo -h -N -o '%T' 2>/dev/null | grep -c idle || true)
  [ "$idle" -ge "$hosts" ] && break
  sleep 1
done
sinfo -N
[ "$idle" -ge "$hosts" ] || { echo "testbed: slurm nodes not idle after 60 s (logs in $state/slurm/log)" >&2; exit 1; }
echo "export SLURM_CONF=$SLURM_CONF" >> "$state/mpi.env"
echo "testbed: slurm up (export SLURM_CONF=$SLURM_CONF)"
