#!/usr/bin/env bash
# A real single-node SLURM cluster on this machine, for the workflow's tests.
#
#   tests/slurm/cluster.sh up      install (Debian packages), configure, start; idempotent
#   tests/slurm/cluster.sh down    stop exactly the daemons `up` started
#
#
# Partitions GPU and C1Mitad1 like the users' cluster; the node has two fake GPUs
# (character devices made with mknod) so `GresTypes=gpu` is real. There is no
# accounting database: clients must use squeue, and MinJobAge keeps finished
# jobs visible to it. Everything lives under $NLPBENCH_SLURM_DIR; the default
# config path /etc/slurm/slurm.conf (where srun inside a job looks: slurmd does
# not pass SLURM_CONF on) is a symlink to it, made by `up` and removed by
# `down`. A machine with its own /etc/slurm/slurm.conf is left alone. Needs root.
set -euo pipefail

DIR=${NLPBENCH_SLURM_DIR:-/tmp/nlpbench-slurm}
CONF=$DIR/etc/slurm.conf
ETC=/etc/slurm
HERE=$(cd "$(dirname "$0")" && pwd)

need_root() {
  [ "$(id -u)" -eq 0 ] || { echo "cluster.sh: needs root (it starts munged, slurmctld, slurmd)" >&2; exit 3; }
}

write_config() {
  mkdir -p "$DIR"/{etc,state,spool,log,run,dev}
  for i in 0 1; do [ -e "$DIR/dev/fakegpu$i" ] || mknod "$DIR/dev/fakegpu$i" c 1 3; done
  local cpus mem
  cpus=$(( $(nproc) > 8 ? $(nproc) : 8 ))  # slots for 8 one-CPU jobs at once, whatever the machine
  mem=$(( $(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 * 3 / 4 ))
  sed -e "s|@DIR@|$DIR|g" -e "s|@CPUS@|$cpus|g" -e "s|@MEM@|$mem|g" "$HERE/slurm.conf.in" > "$CONF"
  echo "NodeName=localhost Name=gpu File=$DIR/dev/fakegpu[0-1]" > "$DIR/etc/gres.conf"
  mkdir -p "$ETC"
  for f in slurm.conf gres.conf; do
    if [ -e "$ETC/$f" ] && [ "$(readlink "$ETC/$f")" != "$DIR/etc/$f" ]; then
      echo "cluster.sh: $ETC/$f exists and is not this test cluster's; not touching a real cluster" >&2
      exit 4
    fi
    ln -sfn "$DIR/etc/$f" "$ETC/$f"
  done
}

munge_ok() { munge -n </dev/null 2>/dev/null | unmunge >/dev/null 2>&1; }

start_munge() {
  if munge_ok; then return; fi
  mkdir -p /run/munge /var/log/munge /var/lib/munge /etc/munge
  chown -R munge:munge /run/munge /var/log/munge /var/lib/munge /etc/munge 2>/dev/null || true
  [ -s /etc/munge/munge.key ] || runuser -u munge -- /usr/sbin/mungekey --create 2>/dev/null \
    || runuser -u munge -- /usr/sbin/create-munge-key -f 2>/dev/null || true
  runuser -u munge -- /usr/sbin/munged
  touch "$DIR/run/started-munged"
  wait_for 10 munged munge_ok
}

wait_for() {  # seconds, description, command...
  local n=$1 what=$2; shift 2
  for _ in $(seq "$n"); do "$@" >/dev/null 2>&1 && return 0; sleep 1; done
  echo "cluster.sh: $what did not come up; see $DIR/log/" >&2
  return 1
}

node_idle() { sinfo -h -N -o '%T' | grep -Eq '^(idle|mixed|allocated)'; }

up() {
  need_root
  if scontrol ping 2>/dev/null | grep -q UP && node_idle; then echo "cluster up ($CONF)"; return; fi
  bash "$HERE/../../tools/apt-install.sh" slurmctld slurmd slurm-client munge
  write_config
  start_munge
  pgrep -f "slurmctld -f $CONF" >/dev/null || slurmctld -f "$CONF"
  wait_for 30 slurmctld scontrol ping
  pgrep -f "slurmd -f $CONF" >/dev/null || slurmd -f "$CONF" -N localhost
  wait_for 30 "the node" node_idle || { scontrol update nodename=localhost state=resume || true; wait_for 10 "the node" node_idle; }
  echo "cluster up ($CONF)"
}

down() {
  for daemon in slurmd slurmctld; do
    pkill -f "$daemon -f $CONF" 2>/dev/null || true
    # a daemon still saving its state holds its port: wait, so a new `up` can start
    for _ in $(seq 30); do pgrep -f "$daemon -f $CONF" >/dev/null || break; sleep 0.5; done
  done
  if [ -e "$DIR/run/started-munged" ]; then pkill -x munged 2>/dev/null || true; rm -f "$DIR/run/started-munged"; fi
  for f in slurm.conf gres.conf; do
    [ "$(readlink "$ETC/$f" 2>/dev/null)" = "$DIR/etc/$f" ] && rm -f "$ETC/$f"
  done
  echo "cluster down"
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  *) echo "usage: $0 up|down" >&2; exit 2 ;;
esac
