#!/usr/bin/env bash
# The module's tests, in two go test runs at once: the library, CLI, emulator and examples with the race detector;
# the spec tooling (api/cmd/..., api/internal/...: single-goroutine pipelines run at build time, in no shipped
# binary, whose tests mostly build copies of the module in subprocesses) without it. The whole verbose output is kept
# and scanned for secrets (scripts/scan-secrets.sh); on failure all of it is printed, on success one line per package.
# go test's own vet pass is off: make test runs the full go vet ./... (test files included) just before. The timeout is
# 30 minutes, not go test's default 10: a cold machine builds whole copies of the module in the spec tooling's tests.
set -uo pipefail
cd "$(dirname "$0")/.."
race_log=$(mktemp)
plain_log=$(mktemp)
log=$(mktemp)
plain_pid=
cleanup() {
  if [ -n "$plain_pid" ]; then kill "$plain_pid" 2>/dev/null; fi
  rm -f "$race_log" "$plain_log" "$log"
}
trap cleanup EXIT

# The race detector needs cgo, hence a C compiler (go env CC, gcc by default). Without one go says only
# "-race requires cgo"; say what is missing and run the tests without it rather than not at all.
race=-race
cc=$(go env CC)
cc=${cc%% *}
if [ "$(go env CGO_ENABLED)" != 1 ] || ! command -v "$cc" >/dev/null 2>&1; then
  no_race="scripts/test.sh: WARNING: the race detector needs cgo, i.e. CGO_ENABLED=1 and a C compiler (here CGO_ENABLED=$(go env CGO_ENABLED), C compiler '$cc' $(command -v "$cc" >/dev/null 2>&1 && echo found || echo 'not found')): the tests run WITHOUT -race. For the full run install one (Debian/Ubuntu: apt-get install gcc libc6-dev) and leave CGO_ENABLED unset."
  echo "$no_race" >&2
  race=
fi

# The race detector waits a second at every test binary's exit (atexit_sleep_ms: goroutines still running after the
# last test get time to race). Our tests stop what they start in their cleanups, so that second would only be lost
# time, once a package. A GORACE of your own is kept.
export GORACE="${GORACE:-atexit_sleep_ms=0}"

spec_pkgs=$(go list ./api/cmd/... ./api/internal/...) || exit 1
race_pkgs=$(go list ./... | grep -vxF "$spec_pkgs") || exit 1
# Slowest first: go test -p runs packages in the order given, so a long package started last is a tail while the other
# CPU idles (with the emulator's package last, 49 s instead of 39 s here). The order is the last successful run's
# times, kept in bin/test-durations.txt (git-ignored; a package it does not list yet goes first, one without tests
# last).
durations=bin/test-durations.txt
if [ -s "$durations" ]; then
  ordered=$(echo "$race_pkgs" | awk 'FILENAME == ARGV[1] { t[$2] = $1; next } { print ($1 in t ? t[$1] : 1e9), $1 }' "$durations" - |
    sort -s -k1,1gr | cut -d' ' -f2)
  # The same packages, only reordered; anything else (a damaged file) keeps go list's order.
  if [ "$(echo "$ordered" | sort)" = "$(echo "$race_pkgs" | sort)" ]; then race_pkgs=$ordered; fi
fi
echo "go test ${race:+$race }./... but the spec tooling, and go test ./api/cmd/... ./api/internal/... alongside" \
  "(the first run on a cold machine builds the race runtime and every package: a few minutes)"
# shellcheck disable=SC2086 # the package lists are one import path a line
go test -vet=off -count=1 -timeout 30m -v $spec_pkgs >"$plain_log" 2>&1 &
plain_pid=$!
# shellcheck disable=SC2086
go test $race -vet=off -count=1 -timeout 30m -v $race_pkgs >"$race_log" 2>&1
status=$?
wait "$plain_pid"
plain_status=$?
plain_pid=
[ "$status" -ne 0 ] || status=$plain_status
cat "$race_log" "$plain_log" >"$log"
if [ "$status" -ne 0 ]; then
  grep -Ev '^(=== (RUN|PAUSE|CONT|NAME) |\s*--- PASS: )' "$log"
  echo "go test failed (exit $status)" >&2
  exit "$status"
fi
grep -hE '^(ok|\?|FAIL)\s' "$log" | sort -b -k2,2
mkdir -p bin && awk -F '\t' '/^ok  \t/ && $3 ~ /^[0-9.]+s$/ { sub(/s$/, "", $3); print $3, $2 } /^\?   \t/ { print 0, $2 }' "$log" >"$durations.tmp" &&
  if [ -s "$durations.tmp" ]; then mv "$durations.tmp" "$durations"; else rm -f "$durations.tmp"; fi
bash scripts/scan-secrets.sh "$log" || exit 1
if [ -z "$race" ]; then echo "$no_race" >&2; fi
