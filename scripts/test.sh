#!/usr/bin/env bash
# The module's tests with the race detector. The whole verbose output is kept and scanned for secrets
# (scripts/scan-secrets.sh); on failure all of it is printed, on success one line per package.
set -uo pipefail
cd "$(dirname "$0")/.."
log=$(mktemp)
trap 'rm -f "$log"' EXIT

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

# shellcheck disable=SC2086 # $race: empty or -race
go test $race -count=1 -v ./... >"$log" 2>&1
status=$?
if [ "$status" -ne 0 ]; then
  grep -Ev '^(=== (RUN|PAUSE|CONT|NAME) |\s*--- PASS: )' "$log"
  echo "go test failed (exit $status)" >&2
  exit "$status"
fi
grep -E '^(ok|\?|FAIL)\s' "$log"
bash scripts/scan-secrets.sh "$log" || exit 1
if [ -z "$race" ]; then echo "$no_race" >&2; fi
