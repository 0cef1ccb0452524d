# atlas-linktoken: the two commands a newcomer runs are `make demo` and `make test`.
GO ?= go
OAPI_CODEGEN = $(GO) run github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen

.PHONY: demo test fmt-check vet lint generate check-generated update-spec bench bench-smoke fuzz

## demo: start the local Atlas emulator and create a link-token with the CLI against it (no Atlas account needed)
demo:
	@bash scripts/demo.sh

## test: formatting, vet, staticcheck, generated code up to date, every test (the race detector on all but the spec
## tooling; the whole output scanned for secrets: scripts/test.sh), each benchmark once
test: fmt-check vet lint check-generated
	@bash scripts/test.sh
	@$(MAKE) --no-print-directory bench-smoke

## bench-smoke: the benchmark module's tests, and every benchmark run once so the harness cannot rot
bench-smoke:
	cd bench && $(GO) vet ./... && $(GO) test -count=1 -bench . -benchtime=1x ./...

## bench: the benchmarks, 5 runs each, as one table with the targets; then the CLI against curl --digest; then
## start-up: a fresh process creating one link-token, and atlas version against a minimal cobra program
BENCH_COUNT ?= 5
bench:
	@out=$$(mktemp) && trap 'rm -f "$$out"' EXIT && \
	(cd bench && $(GO) test -run '^$$' -bench . -benchmem -count=$(BENCH_COUNT) ./...) > "$$out" && \
	(cd bench && $(GO) run ./benchtable) < "$$out"
	@bash bench/cli_vs_curl.sh
	@bash bench/startup.sh

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed on:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...

## lint: staticcheck (version pinned; fetched through the Go module proxy on first use), settings in staticcheck.conf
STATICCHECK = $(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2
lint:
	@echo "staticcheck ./... (the first run builds it: about a minute)"
	@$(STATICCHECK) ./... && (cd bench && $(STATICCHECK) ./...)

## generate: regenerate gen/ from api/openapi.yaml (the client with oapi-codegen, the operation table and help with
## api/cmd/genmeta)
generate:
	$(GO) generate ./...

## check-generated: fail when regenerating would change gen/ (generates into a temporary directory)
check-generated:
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
	sed "s#^output: .*#output: $$tmp/atlas.gen.go#" api/oapi-codegen.yaml > "$$tmp/config.yaml" && \
	$(OAPI_CODEGEN) -config "$$tmp/config.yaml" api/openapi.yaml && \
	mkdir -p "$$tmp/source" && sed "s#^output: .*#output: $$tmp/source/source.gen.go#" api/source/oapi-codegen.yaml > "$$tmp/source.yaml" && \
	$(OAPI_CODEGEN) -config "$$tmp/source.yaml" api/source/openapi.yaml && \
	$(GO) run ./api/cmd/genmeta -spec api/openapi.yaml -spec api/source/openapi.yaml -out "$$tmp" && \
	stale=0 && for f in atlas.gen.go source/source.gen.go operations.gen.go help/help.gen.go; do \
		diff -u "gen/$$f" "$$tmp/$$f" || stale=1; done && \
	if [ $$stale -ne 0 ]; then echo "gen/ is stale: run 'make generate' and commit the result"; exit 1; fi && \
	echo "gen/ is up to date with api/openapi.yaml"

## update-spec UPSTREAM=path/to/v2.yaml [ALLOW_BREAKING=ID,ID] [DRY_RUN=1]: re-trim api/openapi.yaml from a new
## upstream spec and regenerate gen/, atomically (in a temporary copy; replaced only when trim, the change report,
## generate, build and vet all succeed). The report comes before generating, against the committed api/openapi.yaml,
## and goes on top of api/CHANGES.txt; each breaking change passes only when accepted by its ID (a line of
## api/accepted-breaking.txt, or ALLOW_BREAKING). DRY_RUN=1 prints the report and changes nothing.
update-spec:
	@DRY_RUN="$(DRY_RUN)" bash scripts/update-spec.sh "$(UPSTREAM)" "$(ALLOW_BREAKING)"

## fuzz: run every fuzz target for FUZZTIME each (the seed corpora also run in make test)
FUZZTIME ?= 30s
FUZZ_TARGETS = ./pkg/atlastest:FuzzAuthorizationHeader ./pkg/atlas:FuzzCheckResponse ./internal/cli:FuzzCheckBody ./internal/bodycheck:FuzzCheck \
	./internal/cli:FuzzOutputTemplate ./internal/cli:FuzzRequestBody ./internal/cli:FuzzRedactDump ./api/internal/trim:FuzzTrim
fuzz:
	@for t in $(FUZZ_TARGETS); do pkg=$${t%%:*}; name=$${t##*:}; \
		echo "== $$name ($$pkg, $(FUZZTIME))"; \
		$(GO) test -run '^$$' -fuzz "^$$name$$" -fuzztime $(FUZZTIME) "$$pkg" 2>&1 | grep -E 'elapsed: [0-9]+s, execs|^(ok|FAIL|---)|panic|Failing input' | tail -4 || exit 1; \
	done
