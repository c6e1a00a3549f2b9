#!/usr/bin/env bash
# Runs MailMesh's whole test suite against real servers: installs what is missing
# (scripts/install-deps.sh), starts the test servers (scripts/test-servers.sh up), runs
# `dotnet test MailMesh.sln -c Release` with MAILMESH_TEST_SERVERS=required (a test whose server
# is unreachable fails instead of skipping), always stops the servers, and ends with one line:
#
#   tests: N passed, N failed, N skipped
#
# Extra arguments go to `dotnet test` (e.g. --filter "FullyQualifiedName~Imap").
# MAILMESH_KEEP_SERVERS=1 leaves the servers running afterwards.
set -euo pipefail

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$REPO_ROOT"
export MAILMESH_RUN_DIR=${MAILMESH_RUN_DIR:-/tmp/mailmesh-test-servers}
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

log() { printf 'test.sh: %s\n' "$*"; }
t_start=$(date +%s)

# One run at a time per run dir: two runs would share (and stop) each other's servers.
exec 9>"${MAILMESH_RUN_DIR%/}.lock"
if ! flock -n 9; then
  log "another scripts/test.sh run holds ${MAILMESH_RUN_DIR%/}.lock; waiting for it (at most 60 min)"
  flock -w 3600 9 || { log "ERROR: gave up waiting for ${MAILMESH_RUN_DIR%/}.lock"; exit 1; }
fi

t0=$(date +%s)
bash scripts/install-deps.sh 9>&-
t_install=$(( $(date +%s) - t0 ))

# Servers that were already running (a developer's own `scripts/test-servers.sh up`) are used
# and left running; the ones this run starts are stopped at the end.
mapfile -t started < <(bash scripts/test-servers.sh status 9>&- | awk '$2 == "stopped" { print $1 }' || true)
stop_servers() {
  if [ "${MAILMESH_KEEP_SERVERS:-0}" = 1 ]; then
    log "MAILMESH_KEEP_SERVERS=1: leaving the test servers running (stop: scripts/test-servers.sh down)"
  elif [ ${#started[@]} -gt 0 ]; then
    bash scripts/test-servers.sh down "${started[@]}" 9>&- || log "WARNING: stopping the test servers failed"
  else
    log "the test servers were running before this run; leaving them running"
  fi
}
trap stop_servers EXIT

t0=$(date +%s)
bash scripts/test-servers.sh up 9>&-
t_servers=$(( $(date +%s) - t0 ))
# shellcheck disable=SC1091
. "$MAILMESH_RUN_DIR/env.sh"
export MAILMESH_TEST_SERVERS=required

results=$(mktemp -d "${TMPDIR:-/tmp}/mailmesh-test-results.XXXXXX")
output="$results/dotnet-test.log"
log "dotnet test MailMesh.sln -c Release (output also in $output)"
t0=$(date +%s)
set +e
dotnet test MailMesh.sln -c Release --blame-hang-timeout 15m "$@" 9>&- 2>&1 | tee "$output"
status=${PIPESTATUS[0]}
set -e
t_tests=$(( $(date +%s) - t0 ))

# One summary line per test assembly, e.g.
#   Passed!  - Failed:     0, Passed:    32, Skipped:     0, Total:    32, Duration: 7 s - X.Tests.dll (net10.0)
read -r passed failed skipped assemblies < <(
  sed -E 's/\x1b\[[0-9;]*m//g' "$output" | awk '
    /(Passed|Failed)! +- +Failed: +[0-9]+, +Passed: +[0-9]+, +Skipped: +[0-9]+/ {
      line = $0
      sub(/.*Failed: +/, "", line); f += line + 0
      line = $0; sub(/.*Passed: +/, "", line); p += line + 0
      line = $0; sub(/.*Skipped: +/, "", line); s += line + 0
      n++
    }
    END { printf "%d %d %d %d\n", p, f, s, n }')

# Stop the servers before the summary so that the summary stays the last line.
trap - EXIT
stop_servers

log "timings: install-deps ${t_install}s, servers up ${t_servers}s, dotnet test ${t_tests}s, total $(( $(date +%s) - t_start ))s; ${assemblies} test assemblies ran"
clean_output() { sed -E 's/\x1b\[[0-9;]*m//g' "$output"; }
broken=$(clean_output | grep -E ': error [A-Z]+[0-9]+:' | grep -oE '\[[^]]+\.(csproj|sln)' | tr -d '[' | sed "s|^$REPO_ROOT/||" | sort -u || true)
if [ -n "$broken" ]; then
  log "projects that did not build:"
  printf '%s\n' "$broken" | sed 's/^/  /'
fi
if [ "$failed" -gt 0 ]; then
  log "failed tests:"
  clean_output | sed -nE 's/^ +Failed ([^ ]+) \[.*/  \1/p' | sort -u | head -n 100 || true
fi
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
  log "dotnet test exited with $status without a failed test: a build error, a crashed or hung test host (see the errors above)"
fi
echo "tests: $passed passed, $failed failed, $skipped skipped"
if [ "$status" -ne 0 ] || [ "$failed" -ne 0 ]; then
  exit 1
fi
