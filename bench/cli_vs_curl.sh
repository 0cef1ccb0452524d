#!/usr/bin/env bash
# Wall time of one CLI createLinkToken invocation against the emulator, next to curl --digest doing the same
# request, each run RUNS times (default 31) alternately; prints the medians and their ratio (target: CLI ≤ 2.5× curl).
# Loopback only: the emulator runs on 127.0.0.1 with a free port.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-31}
command -v curl >/dev/null || { echo "curl is not installed"; exit 1; }
work=$(mktemp -d)
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
go build -o "$work/atlas" ./cmd/atlas
go build -o "$work/atlas-emulator" ./cmd/atlas-emulator
"$work/atlas-emulator" --addr 127.0.0.1:0 >"$work/out" 2>/dev/null &
pid=$!
for _ in $(seq 1 100); do url=$(sed -n '1s/^listening on //p' "$work/out"); [ -n "$url" ] && break; sleep 0.1; done
[ -n "$url" ] || { echo "emulator did not start"; exit 1; }
org=4888442a3354817a7320eb61 pub=emulatorpub priv=5d6c2a0e-7b1f-4c3a-9e8d-0f1a2b3c4d5e
echo '{"accessListIps":["203.0.113.7"]}' >"$work/body.json"
export XDG_CONFIG_HOME="$work/config" MONGODB_ATLAS_OPS_MANAGER_URL="$url" \
  MONGODB_ATLAS_PUBLIC_API_KEY="$pub" MONGODB_ATLAS_PRIVATE_API_KEY="$priv"
cli() { "$work/atlas" api cloudMigrationService createLinkToken --orgId "$org" --file "$work/body.json" </dev/null >/dev/null; }
curl_digest() {
  curl -sf --digest -u "$pub:$priv" -H 'Accept: application/vnd.atlas.2023-01-01+json' \
    -H 'Content-Type: application/vnd.atlas.2023-01-01+json' --data-binary @"$work/body.json" \
    "$url/api/atlas/v2/orgs/$org/liveMigrations/linkTokens" >/dev/null
}
cli; curl_digest # warm the page cache
now() { date +%s%N; }
: >"$work/cli.t"; : >"$work/curl.t"
for _ in $(seq 1 "$RUNS"); do
  t=$(now); cli; echo $(( $(now) - t )) >>"$work/cli.t"
  t=$(now); curl_digest; echo $(( $(now) - t )) >>"$work/curl.t"
done
median() { sort -n "$1" | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
c=$(median "$work/cli.t"); k=$(median "$work/curl.t")
awk -v c="$c" -v k="$k" -v n="$RUNS" 'BEGIN {
  printf "runs: %d each\nCLI median:  %.2f ms\ncurl median: %.2f ms\nratio: %.2fx (target <= 2.5x): %s\n", n, c/1e6, k/1e6, c/k, (c/k <= 2.5 ? "met" : "MISSED") }'
