#!/usr/bin/env bash
# Every job's shell runs its command through this, so its log keeps every attempt:
#   bash scripts/logged.sh LOG ATTEMPT COMMAND...
# Snakemake deletes a job's declared LOG before each attempt, so an attempt writes
# LOG.attemptN (undeclared: it survives), under a header, and on exit LOG is rebuilt
# from this run's attempts, in order. Attempt 1 drops an earlier run's files; once an
# attempt succeeds LOG holds them all and they go. A job killed outright (node crash,
# SIGKILL) leaves its file for the retry to gather.
#
# The job dies with the workflow (nlpbench.core.lifetime): this shell re-executes itself
# once under a parent-death signal, so it gets SIGTERM when Snakemake (or whoever started
# it) ends; the command runs under one too, so it ends with this shell, even a SIGKILLed one.
set -uo pipefail
lifetime=$(dirname "$0")/../src/nlpbench/core/lifetime.py  # stdlib only: -I, whatever the job's PYTHONPATH
if [ "${NLPBENCH_JOB_PID:-}" != "$$" ]; then
  export NLPBENCH_JOB_PID=$$
  exec python3 -I "$lifetime" "$PPID" bash "$0" "$@"
fi
log=$1 attempt=$2
shift 2
out=$log.attempt$attempt

finish() {
  local rc=$?
  cat "$log".attempt[0-9]* > "$log" 2>/dev/null
  [ "$rc" -ne 0 ] || rm -f "$log".attempt[0-9]*
  exit "$rc"
}
# On SIGTERM (scancel, a dying Snakemake) or SIGINT, stop the command before the log is rebuilt.
stop() {
  [ -z "${child:-}" ] || { kill -TERM "$child" 2>/dev/null; wait "$child"; }
  exit "$1"
}
trap finish EXIT
trap 'stop 143' TERM
trap 'stop 130' INT

[ "$attempt" -gt 1 ] || rm -f "$log".attempt[0-9]*
echo "== attempt $attempt: $(date '+%F %T') on $(hostname)${SLURM_JOB_ID:+, SLURM job $SLURM_JOB_ID} ==" > "$out"
# In the background, as bash runs a trap only between commands: `wait` returns on a signal.
python3 -I "$lifetime" "$$" "$@" >> "$out" 2>&1 &
child=$!
wait "$child"
