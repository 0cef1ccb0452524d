#!/usr/bin/env bash
# update-spec.sh UPSTREAM [ALLOW_BREAKING]: re-cut api/openapi.yaml from an upstream Atlas spec and regenerate gen/,
# atomically. Everything happens in a temporary copy of the module:
#   1. trim (api/cmd/trimspec: upstream's code-generator extensions removed, wrong inputs refused),
#   2. the change report (api/cmd/specdiff), BEFORE generating, so that it explains whatever fails next: against
#      the committed api/openapi.yaml (git show HEAD:api/openapi.yaml; the working file outside a git tree), each
#      breaking change refused unless accepted by its ID (api/accepted-breaking.txt, or ALLOW_BREAKING=ID,ID), and
#      refused when the gen-overlay pins or pkg/atlas/versions.go's typed versions name what upstream removed,
#   3. generate gen/, 4. build and vet.
# api/openapi.yaml, gen/, api/gen-overlay.yaml (x-enum-varnames kept on their values) and api/CHANGES.txt (this
# update's dated entry on top of the committed ones) are replaced only when every step succeeded; otherwise the tree
# is left untouched and the failed step is named. DRY_RUN=1 stops after the report and changes nothing;
# UPDATE_SPEC_DATE=YYYY-MM-DD dates the entry (default: today, UTC).
set -uo pipefail
cd "$(dirname "$0")/.."
upstream=${1:-}
allow=${2:-}
dry_run=${DRY_RUN:-}
if [ -z "$upstream" ]; then
  echo "usage: make update-spec UPSTREAM=path/to/v2.yaml [ALLOW_BREAKING=ID,ID] [DRY_RUN=1]" >&2
  exit 2
fi
if [ ! -f "$upstream" ]; then
  echo "update-spec: upstream file $upstream does not exist" >&2
  exit 2
fi
upstream=$(cd "$(dirname "$upstream")" && pwd)/$(basename "$upstream")
root=$(pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() {
  echo "update-spec: step '$1' failed (output above); api/openapi.yaml, gen/, api/gen-overlay.yaml and api/CHANGES.txt are unchanged" >&2
  exit 1
}
# The module's files, without .git, into the work copy.
mkdir "$work/mod"
tar --exclude=./.git --exclude=./bin -cf - . | tar -xf - -C "$work/mod" || fail "copy the module"
# The report is against the last committed document, and this update's entry goes on top of the committed ones.
if git rev-parse --is-inside-work-tree >/dev/null 2>&1 && git cat-file -e HEAD:./api/openapi.yaml 2>/dev/null; then
  git show HEAD:./api/openapi.yaml >"$work/base.yaml" || fail "read the committed api/openapi.yaml"
  git show HEAD:./api/CHANGES.txt >"$work/history.txt" 2>/dev/null || : >"$work/history.txt"
  base_name="the api/openapi.yaml committed at $(git rev-parse --short HEAD)"
else
  cp api/openapi.yaml "$work/base.yaml" || fail "read api/openapi.yaml"
  cp api/CHANGES.txt "$work/history.txt" 2>/dev/null || : >"$work/history.txt"
  base_name="the working api/openapi.yaml (no git tree)"
fi
sum=$(sha256sum "$upstream" | cut -d' ' -f1)
echo "update-spec: 1/4 trim $upstream"
(cd "$work/mod" && go run ./api/cmd/trimspec -upstream "$upstream" -stripped "$work/stripped.txt") || fail "trim"
echo "update-spec: 2/4 change report (before generating: it explains what fails next)"
(cd "$work/mod" && go run ./api/cmd/specdiff -old "$work/base.yaml" -old-name "$base_name" -new api/openapi.yaml \
  -current "$root/api/openapi.yaml" -history "$work/history.txt" -previous "$root/api/CHANGES.txt" -report api/CHANGES.txt \
  -upstream-name "$(basename "$upstream")" -upstream-sha "$sum" -stripped "$work/stripped.txt" \
  -accept api/accepted-breaking.txt -allow "$allow" -gen-overlay api/gen-overlay.yaml -typed-versions pkg/atlas/versions.go \
  ${UPDATE_SPEC_DATE:+-date "$UPDATE_SPEC_DATE"}) ||
  fail "change report (breaking changes pass one by one: api/accepted-breaking.txt or ALLOW_BREAKING=ID,ID)"
if [ -n "$dry_run" ]; then
  echo "update-spec: DRY_RUN: stopped after the report; nothing was generated or replaced"
  exit 0
fi
echo "update-spec: 3/4 generate gen/ (oapi-codegen, and the operation table with api/cmd/genmeta)"
(cd "$work/mod" && go generate ./...) || fail "generate"
files="api/openapi.yaml api/gen-overlay.yaml api/CHANGES.txt gen/atlas.gen.go gen/operations.gen.go gen/source/source.gen.go gen/help/help.gen.go"
changed=
for f in $files; do
  if [ -f "$work/mod/$f" ] && ! cmp -s "$work/mod/$f" "$f"; then changed="$changed $f"; fi
done
if [ -z "$changed" ]; then
  # The same upstream again: every file update-spec writes already holds what it would write, so this update
  # changes nothing there is to build, vet or replace (make test checks the rest of the tree).
  echo "update-spec: done; nothing to replace: api/openapi.yaml, gen/, api/gen-overlay.yaml and api/CHANGES.txt already match $(basename "$upstream")"
  exit 0
fi
echo "update-spec: 4/4 build and vet the module with the new gen/"
# go vet type-checks every package, tests included, and compiles every package another one imports (their export
# data), the generated ones and the library first; a separate go build of the same packages (a whole second load of
# the module and its dependencies) or linking the commands would check nothing more of the generated code.
(cd "$work/mod" && go vet ./...) || fail "build and vet"
for f in $changed; do
  cp "$work/mod/$f" "$f.update-spec.tmp" && mv "$f.update-spec.tmp" "$f" || fail "replace $f"
done
echo "update-spec: done; replaced:$changed (the change report is at the top of api/CHANGES.txt)"
