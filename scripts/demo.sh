#!/usr/bin/env bash
# make demo: start the local Atlas emulator on a free loopback port, create a link-token with the CLI against it, and
# stop the emulator. No Atlas account, no network: the demo credentials below exist only in the emulator.
set -euo pipefail
cd "$(dirname "$0")/.."

ORG_ID=4888442a3354817a7320eb61
PUBLIC_KEY=demopublickey
PRIVATE_KEY=demo-private-key-not-a-secret

work=$(mktemp -d)
emulator_pid=
cleanup() {
  if [ -n "$emulator_pid" ]; then kill -TERM "$emulator_pid" 2>/dev/null || true; wait "$emulator_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

echo "building the CLI and the emulator (the first run on a cold machine downloads the modules and compiles them: a minute or two)"
go build -o "$work/atlas" ./cmd/atlas
go build -o "$work/atlas-emulator" ./cmd/atlas-emulator

"$work/atlas-emulator" --addr 127.0.0.1:0 --org-id "$ORG_ID" --public-key "$PUBLIC_KEY" --private-key "$PRIVATE_KEY" \
  >"$work/emulator.out" 2>"$work/emulator.log" &
emulator_pid=$!
url=
for _ in $(seq 1 100); do # up to 10 s for "listening on URL"
  url=$(sed -n '1s/^listening on //p' "$work/emulator.out")
  [ -n "$url" ] && break
  kill -0 "$emulator_pid" 2>/dev/null || { cat "$work/emulator.log" >&2; exit 1; }
  sleep 0.1
done
[ -n "$url" ] || { echo "emulator did not start" >&2; exit 1; }
echo "emulator: $url (org $ORG_ID)"

echo '{"accessListIps": ["203.0.113.7", "198.51.100.0/24"]}' > "$work/body.json"
echo "\$ atlas api cloudMigrationService createLinkToken --orgId $ORG_ID --file body.json --output '{{.linkToken}}'"
# A throw-away config directory, so no real Atlas CLI profile on this machine is read.
env XDG_CONFIG_HOME="$work/config" HOME="$work" \
  MONGODB_ATLAS_OPS_MANAGER_URL="$url" \
  MONGODB_ATLAS_PUBLIC_API_KEY="$PUBLIC_KEY" \
  MONGODB_ATLAS_PRIVATE_API_KEY="$PRIVATE_KEY" \
  "$work/atlas" api cloudMigrationService createLinkToken --orgId "$ORG_ID" --file "$work/body.json" \
  --output '{{.linkToken}}' </dev/null
echo
echo "emulator log:"
sed 's/^/  /' "$work/emulator.log"
