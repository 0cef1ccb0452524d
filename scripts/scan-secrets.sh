#!/usr/bin/env bash
# scan-secrets.sh LOG: fail when LOG (the test suite's verbose output) holds a secret: a literal from
# scripts/test-secrets.txt, an emulator link-token (standard base64 of its JSON, about 190 characters: any run of 128
# base64 characters), or an emulator bearer token (JWT-shaped, starting with its fixed header).
set -uo pipefail
log=$1
list="$(dirname "$0")/test-secrets.txt"
found=0
patterns=$(grep -v '^#' "$list" | grep -v '^$')
if grep -m 5 -nF "$patterns" "$log"; then found=1; fi
if grep -m 5 -nE '[A-Za-z0-9+/]{128}' "$log"; then found=1; fi
if grep -m 5 -nE 'eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0\.[A-Za-z0-9_-]+' "$log"; then found=1; fi
if [ "$found" = 1 ]; then
  echo "secret scan: the test output above leaks a secret (key, client secret, link-token or bearer token)" >&2
  exit 1
fi
echo "secret scan: no test secret, link-token or bearer token in $(wc -l <"$log") lines of test output"
