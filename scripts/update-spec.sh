#!/usr/bin/env bash
# update-spec.sh UPSTREAM [ALLOW_BREAKING]: re-cut api/openapi.yaml from an upstream Atlas spec and regenerate gen/,
# atomically. Everything happens in a temporary copy of the module: trim, generate, build and vet, then the change
# report (oasdiff) between the committed document and the new one. api/openapi.yaml, gen/ and api/CHANGES.txt are
# replaced only when every step succeeded; otherwise the tree is left untouched and the failed step is named.
# Breaking changes fail the update unless ALLOW_BREAKING is non-empty (make update-spec ... ALLOW_BREAKING=1).
set -uo pipefail
cd "$(dirname "$0")/.."
upstream=${1:-}
allow=${2:-}
if [ -z "$upstream" ]; then
  echo "usage: make update-spec UPSTREAM=path/to/v2.yaml [ALLOW_BREAKING=1]" >&2
  exit 2
fi
if [ ! -f "$upstream" ]; then
  echo "update-spec: upstream file $upstream does not exist" >&2
  exit 2
fi
upstream=$(cd "$(dirname "$upstream")" && pwd)/$(basename "$upstream")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() {
  echo "update-spec: step '$1' failed (output above); api/openapi.yaml, gen/ and api/CHANGES.txt are unchanged" >&2
  exit 1
}
# The module's files, without .git, into the work copy.
tar --exclude=./.git --exclude=./bin -cf - . | tar -xf - -C "$work" || fail "copy the module"
echo "update-spec: 1/4 trim $upstream"
(cd "$work" && go run ./api/cmd/trimspec -upstream "$upstream") || fail "trim"
echo "update-spec: 2/4 generate gen/ (oapi-codegen, and the operation table with api/cmd/genmeta)"
(cd "$work" && go generate ./...) || fail "generate"
echo "update-spec: 3/4 build and vet the module with the new gen/"
# Every package but the commands (and those of test files only, such as examples) is compiled, and vet type-checks
# all of them, tests included; linking the commands' binaries (most of a go build ./...'s time) would check nothing
# more of the generated code.
(cd "$work" && pkgs=$(go list -f '{{if and (ne .Name "main") .GoFiles}}{{.ImportPath}}{{end}}' ./...) && go build $pkgs && go vet ./...) ||
  fail "build and vet"
echo "update-spec: 4/4 change report"
go run ./api/cmd/specdiff -old api/openapi.yaml -new "$work/api/openapi.yaml" -report "$work/api/CHANGES.txt" \
  -old-name "the committed api/openapi.yaml" -new-name "its trim of $(basename "$(dirname "$upstream")")/$(basename "$upstream") (sha256 $(sha256sum "$upstream" | cut -c1-12)…)" \
  ${allow:+-allow-breaking} ||
  fail "change report (breaking changes are refused unless ALLOW_BREAKING=1)"
cp "$work/api/openapi.yaml" api/openapi.yaml && cp "$work/gen/atlas.gen.go" gen/atlas.gen.go &&
  cp "$work/gen/operations.gen.go" gen/operations.gen.go && cp "$work/gen/source/source.gen.go" gen/source/source.gen.go && cp "$work/gen/help/help.gen.go" gen/help/help.gen.go &&
  cp "$work/api/CHANGES.txt" api/CHANGES.txt ||
  fail "replace the files"
echo "update-spec: done; api/openapi.yaml and gen/ updated, change report in api/CHANGES.txt"
