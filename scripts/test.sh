#!/usr/bin/env bash
# The module's tests with the race detector. The whole verbose output is kept and scanned for secrets
# (scripts/scan-secrets.sh); on failure all of it is printed, on success one line per package.
set -uo pipefail
cd "$(dirname "$0")/.."
log=$(mktemp)
trap 'rm -f "$log"' EXIT
go test -race -count=1 -v ./... >"$log" 2>&1
status=$?
if [ "$status" -ne 0 ]; then
  grep -Ev '^(=== (RUN|PAUSE|CONT|NAME) |\s*--- PASS: )' "$log"
  echo "go test failed (exit $status)" >&2
  exit "$status"
fi
grep -E '^(ok|\?|FAIL)\s' "$log"
bash scripts/scan-secrets.sh "$log"
