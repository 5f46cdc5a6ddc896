#!/usr/bin/env bash
# Every job's shell runs its command through this, so its log keeps every attempt:
#   bash scripts/logged.sh LOG ATTEMPT COMMAND...
# Snakemake deletes a job's declared LOG before each attempt, so an attempt writes
# LOG.attemptN (undeclared: it survives), under a header, and on exit LOG is rebuilt
# from this run's attempts, in order. Attempt 1 drops an earlier run's files; once an
# attempt succeeds LOG holds them all and they go. A job killed outright (node crash,
# SIGKILL) leaves its file for the retry to gather.
set -uo pipefail
log=$1 attempt=$2
shift 2
out=$log.attempt$attempt

finish() {
  local rc=$?
  cat "$log".attempt[0-9]* > "$log" 2>/dev/null
  [ "$rc" -ne 0 ] || rm -f "$log".attempt[0-9]*
  exit "$rc"
}
trap finish EXIT
trap 'exit 143' TERM  # after the command (which SLURM signals too) has stopped
trap 'exit 130' INT

[ "$attempt" -gt 1 ] || rm -f "$log".attempt[0-9]*
echo "== attempt $attempt: $(date '+%F %T') on $(hostname)${SLURM_JOB_ID:+, SLURM job $SLURM_JOB_ID} ==" > "$out"
"$@" >> "$out" 2>&1
