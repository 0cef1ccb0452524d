#!/usr/bin/env bash
# Start-up cost of a fresh process, two rows, each RUNS (default 31) alternating runs after one warm-up run of
# each, medians measured by bench/startup/cputime:
#   1. wall time of a process creating one link-token against the emulator: ours (pkg/atlas) against bare
#      (net/http + icholy/digest); target ours <= 1.5x bare.
#   2. CPU time (user+sys) of `atlas version` against `cobramin version`, a minimal cobra program; target <= 2x.
# Every program is built from source here, so the numbers are those of pkg/atlas and cmd/atlas as they are now.
# Loopback only: the emulator runs on 127.0.0.1 with a free port. Each run is stopped after 30 s.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-31}
work=$(mktemp -d)
pid= child=
cleanup() {
  for p in $child $pid; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
go build -o "$work/atlas" ./cmd/atlas
go build -o "$work/atlas-emulator" ./cmd/atlas-emulator
(cd bench && go build -o "$work/" ./startup/...)
"$work/atlas-emulator" --addr 127.0.0.1:0 >"$work/out" 2>/dev/null &
pid=$!
url=
for _ in $(seq 1 100); do url=$(sed -n '1s/^listening on //p' "$work/out"); [ -n "$url" ] && break; sleep 0.1; done
[ -n "$url" ] || { echo "emulator did not start"; exit 1; }
# The emulator's demo identity; the config and cache directories are empty ones of this run.
export MONGODB_ATLAS_OPS_MANAGER_URL="$url" MONGODB_ATLAS_ORG_ID=4888442a3354817a7320eb61 \
  MONGODB_ATLAS_PUBLIC_API_KEY=emulatorpub MONGODB_ATLAS_PRIVATE_API_KEY=5d6c2a0e-7b1f-4c3a-9e8d-0f1a2b3c4d5e \
  XDG_CONFIG_HOME="$work/config" XDG_CACHE_HOME="$work/cache"
# measure runs cputime in the background and waits for it, so that a signal to this script is handled at once.
measure() { "$work/cputime" "$@" & child=$!; wait "$child"; child=; }
echo "Start-up 1: a fresh process creating one link-token (wall time; target ours <= 1.5x bare)"
measure -runs "$RUNS" -metric wall -target 1.5 "$work/ours" -- "$work/bare"
echo "Start-up 2: atlas version against a minimal cobra program (CPU time, user+sys; target <= 2x)"
measure -runs "$RUNS" -metric cpu -target 2 "$work/atlas" version -- "$work/cobramin" version
