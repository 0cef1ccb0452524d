package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// updateSpec runs `make update-spec`'s script in dir (a copy of the module) with ALLOW_BREAKING allow, and returns
// its output and exit code; env adds variables (DRY_RUN=1, UPDATE_SPEC_DATE=…).
func updateSpec(t *testing.T, dir, upstream, allow string, env ...string) (string, int) {
	t.Helper()
	abs, err := filepath.Abs(upstream)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("bash", "scripts/update-spec.sh", abs, allow)
	cmd.Dir = dir
	// Git looks no further up than the copy: a copy is in a git tree only when a test made it one.
	cmd.Env = copyEnv(append([]string{"GIT_CEILING_DIRECTORIES=" + filepath.Dir(dir)}, env...)...)
	out, err := cmd.CombinedOutput()
	code := 0
	if exitErr, ok := err.(*exec.ExitError); ok {
		code = exitErr.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return string(out), code
}

// updated are the files update-spec may replace.
var updated = []string{"api/openapi.yaml", "api/gen-overlay.yaml", "api/CHANGES.txt", "gen/atlas.gen.go", "gen/operations.gen.go", "gen/help/help.gen.go", "gen/source/source.gen.go"}

func snapshotOf(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	for _, f := range updated {
		data, _ := os.ReadFile(filepath.Join(dir, f))
		files[f] = data
	}
	return files
}

func unchanged(t *testing.T, dir string, before map[string][]byte) {
	t.Helper()
	for f, data := range snapshotOf(t, dir) {
		if !bytes.Equal(data, before[f]) {
			t.Errorf("%s changed although it should not have", f)
		}
	}
}

// edited writes the recorded upstream with edits applied (each old text must be there) to a temporary file.
func edited(t *testing.T, edits ...[2]string) string {
	t.Helper()
	data, err := os.ReadFile(recordedUpstream(t))
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	for _, e := range edits {
		if !strings.Contains(text, e[0]) {
			t.Skipf("the recorded upstream has no %q to edit", e[0])
		}
		text = strings.Replace(text, e[0], e[1], 1)
	}
	path := filepath.Join(t.TempDir(), "v2.yaml")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// breakingIDs are the IDs a report lists for its breaking changes.
func breakingIDs(report string) []string {
	var ids []string
	for _, m := range regexp.MustCompile(`(?m)^    - \[([^\]]+)\]`).FindAllStringSubmatch(report, -1) {
		if !slices.Contains(ids, m[1]) {
			ids = append(ids, m[1])
		}
	}
	return ids
}

// update-spec replaces nothing unless trim, the report, generate, build and vet all succeed, and names the step
// that failed.
func TestUpdateSpecIsAtomic(t *testing.T) {
	t.Parallel()
	upstream := recordedUpstream(t)
	if testing.Short() {
		t.Skip("builds copies of the module; skipped with -short")
	}
	for _, tc := range []struct {
		name, operations, overlay, step, message string
	}{
		// oapi-codegen's strict overlay refuses an action that selects nothing (a filter the report's pin check
		// leaves to it).
		{"generation fails", "", "x-go-name: TargetOrg\n  - target: $.components.schemas[?(@.x-nothing == true)]\n    update:\n      x-go-name: Nothing", "'generate'", ""},
		// A Go name the wrapper uses, renamed: trims, reports and generates, but pkg/atlas no longer builds.
		{"the wrapper no longer builds", "", "x-go-name: TargetOrganization", "'build and vet'", ""},
		// Dropping an operation a typed method calls is refused by the report, before generating: TestTypedVersions
		// (api/cmd/specdiff), and a dropped version by TestUpstreamRemovesAVersion.
		{"unknown operation", "createLinkToken\ndeleteLinkTokens deleteLinkToken\ncreateLinkTokn\n", "", "'trim'", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := copyModule(t)
			if tc.operations != "" {
				if err := os.WriteFile(filepath.Join(dir, "api", "operations.txt"), []byte(tc.operations), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			if tc.overlay != "" {
				path := filepath.Join(dir, "api", "gen-overlay.yaml")
				data, _ := os.ReadFile(path)
				if err := os.WriteFile(path, bytes.Replace(data, []byte("x-go-name: TargetOrg\n"), []byte(tc.overlay+"\n"), 1), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			before := snapshotOf(t, dir)
			out, code := updateSpec(t, dir, upstream, "")
			if code == 0 || !strings.Contains(out, "step "+tc.step) || !strings.Contains(out, "unchanged") || !strings.Contains(out, tc.message) {
				t.Errorf("exit %d, want a failure naming step %s and %q:\n%s", code, tc.step, tc.message, out)
			}
			unchanged(t, dir, before)
		})
	}
}

// From an older snapshot, committed, to the recorded upstream (whatever it is): the report comes before generating
// and is against the last commit; each breaking change is refused until accepted by its ID; the accepted update
// reproduces the committed document, and its dated entry (upstream file, hash, what changed, how each breaking
// change was accepted) goes on top of the committed api/CHANGES.txt, replacing an uncommitted one; re-running the
// update another day changes nothing.
func TestUpdateSpecAgainstTheLastCommit(t *testing.T) {
	t.Parallel()
	upstream := recordedUpstream(t)
	needUpstream(t, snapshot)
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("no git")
	}
	if testing.Short() {
		t.Skip("builds a copy of the module; skipped with -short")
	}
	dir := copyModule(t)
	if _, err := os.Lstat(filepath.Join(dir, ".git")); err == nil {
		t.Fatal("the copy has a .git: its git commands would act on the module's own repository")
	}
	git := func(args ...string) string {
		t.Helper()
		cmd := exec.Command("git", append([]string{"-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false"}, args...)...)
		cmd.Dir = dir
		// This repository only, whatever the environment says.
		cmd.Env = append(os.Environ(), "GIT_DIR="+filepath.Join(dir, ".git"), "GIT_WORK_TREE="+dir, "GIT_CEILING_DIRECTORIES="+filepath.Dir(dir))
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
		return strings.TrimSpace(string(out))
	}
	// The committed state: the 2025-08-26 snapshot's trim.
	older := filepath.Join(t.TempDir(), "operations.txt")
	if err := os.WriteFile(older, operationsIn(t, snapshot, filepath.Join(dir, "api", "operations.txt")), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := run([]string{"-upstream", snapshot, "-operations", older,
		"-overlay", filepath.Join(dir, "api", "overlay.yaml"), "-out", filepath.Join(dir, "api", "openapi.yaml")}); err != nil {
		t.Fatal(err)
	}
	git("init", "-q")
	git("add", "-A")
	git("commit", "-q", "-m", "older")
	head := git("rev-parse", "--short", "HEAD")
	// An entry of an update never committed, on top of the working api/CHANGES.txt.
	committed, _ := os.ReadFile(filepath.Join(dir, "api", "CHANGES.txt"))
	stale := bytes.Replace(committed, []byte("\n== "), []byte("\n== 2030-01-01 · upstream stale.yaml · sha256 0\nan update never committed\n\n== "), 1)
	if err := os.WriteFile(filepath.Join(dir, "api", "CHANGES.txt"), stale, 0o644); err != nil {
		t.Fatal(err)
	}

	before := snapshotOf(t, dir)
	out, code := updateSpec(t, dir, upstream, "", "UPDATE_SPEC_DATE=2030-01-02")
	ids := breakingIDs(out)
	if i, j := strings.Index(out, "2/4 change report"), strings.Index(out, "3/4 generate"); i < 0 || (j >= 0 && j < i) {
		t.Errorf("the report does not come before generating:\n%s", out)
	}
	if len(ids) == 0 && code != 0 { // no breaking change between these two: the update went through
		t.Fatalf("exit %d\n%s", code, out)
	}
	if len(ids) > 0 {
		sorted := slices.Sorted(slices.Values(ids))
		if code == 0 || !strings.Contains(out, "not accepted") || !strings.Contains(out, "ALLOW_BREAKING="+strings.Join(sorted, ",")) {
			t.Fatalf("breaking changes %v not refused (exit %d):\n%s", ids, code, out)
		}
		unchanged(t, dir, before)
		// ALLOW_BREAKING=1 and a partial acceptance are refused too: TestAcceptance (api/cmd/specdiff).
	}
	// Accepted one by one, half through the checked-in file, half through ALLOW_BREAKING.
	var file []string
	for _, id := range ids[:len(ids)/2] {
		file = append(file, id+"  # accepted by the test")
	}
	if err := os.WriteFile(filepath.Join(dir, "api", "accepted-breaking.txt"), []byte(strings.Join(file, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	allow := strings.Join(ids[len(ids)/2:], ",")
	out, code = updateSpec(t, dir, upstream, allow, "UPDATE_SPEC_DATE=2030-01-02")
	if code != 0 {
		t.Fatalf("accepted: exit %d\n%s", code, out)
	}
	spec, _ := os.ReadFile(filepath.Join(dir, "api", "openapi.yaml"))
	want, _ := os.ReadFile(filepath.Join(moduleRoot, "api", "openapi.yaml"))
	if !bytes.Equal(spec, want) {
		t.Error("the accepted update did not produce the committed document")
	}
	report, _ := os.ReadFile(filepath.Join(dir, "api", "CHANGES.txt"))
	sum := string(regexp.MustCompile(`[0-9a-f]{64}`).Find(spec))
	if !bytes.Contains(report, []byte("\n== 2030-01-02 · upstream "+filepath.Base(upstream)+" · sha256 "+sum+"\nAgainst the api/openapi.yaml committed at "+head+": ")) {
		t.Errorf("api/CHANGES.txt lacks this update's dated entry, against the last commit:\n%.900s", report)
	}
	if bytes.Contains(report, []byte("never committed")) || !bytes.HasSuffix(report, entriesOf(committed)) {
		t.Errorf("want this update's entry on top of the committed ones, the uncommitted one gone:\n%s", report)
	}
	for _, id := range ids {
		if !regexp.MustCompile(regexp.QuoteMeta("["+id+"]") + `.*— accepted \((api/accepted-breaking.txt|ALLOW_BREAKING)\)`).Match(report) {
			t.Errorf("api/CHANGES.txt does not show %s accepted", id)
		}
	}
	// Once more, another day: nothing changes.
	after := snapshotOf(t, dir)
	out, code = updateSpec(t, dir, upstream, allow, "UPDATE_SPEC_DATE=2030-01-05")
	if code != 0 {
		t.Fatalf("re-run: exit %d\n%s", code, out)
	}
	unchanged(t, dir, after)
}

// entriesOf is a CHANGES.txt without its preamble.
func entriesOf(data []byte) []byte {
	if i := bytes.Index(data, []byte("\n== ")); i >= 0 {
		return data[i:]
	}
	return nil
}

// Edits 1 and 3, in one update (each is a full generate and build): upstream lists an enum in another order, and
// adds a version, 2026-01-01, to createLinkToken. Both are handled: the report says so; api/gen-overlay.yaml's
// positional x-enum-varnames follow their values, so every generated constant keeps its value; the operation table
// lists the new version while the typed call stays on 2023-01-01.
func TestUpstreamReordersAnEnumAndAddsAVersion(t *testing.T) {
	t.Parallel()
	const enum = "                        - NEW\n                        - WORKING\n                        - FAILED\n                        - COMPLETE\n                        - EXPIRED\n"
	const reordered = "                        - COMPLETE\n                        - EXPIRED\n                        - FAILED\n                        - NEW\n                        - WORKING\n"
	const request = "                    application/vnd.atlas.2023-01-01+json:\n                        schema:\n                            $ref: '#/components/schemas/TargetOrgRequest'\n"
	const answer = "                        application/vnd.atlas.2023-01-01+json:\n                            schema:\n                                $ref: '#/components/schemas/TargetOrg'\n                            x-xgen-version: \"2023-01-01\"\n"
	upstream := edited(t, [2]string{enum, reordered},
		[2]string{request, request + strings.ReplaceAll(request, "2023-01-01", "2026-01-01") + "                        x-xgen-version: \"2026-01-01\"\n"},
		[2]string{answer, answer + strings.ReplaceAll(answer, "2023-01-01", "2026-01-01")})
	if testing.Short() {
		t.Skip("builds a copy of the module; skipped with -short")
	}
	dir := copyModule(t)
	out, code := updateSpec(t, dir, upstream, "")
	if code != 0 {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	for _, w := range []string{"enums: enum LiveMigrationResponse.status listed in another order: [NEW, WORKING, FAILED, COMPLETE, EXPIRED] → [COMPLETE, EXPIRED, FAILED, NEW, WORKING]",
		"x-enum-varnames of $.components.schemas.LiveMigrationResponse.properties.status [MigrationNew, MigrationWorking, MigrationFailed, MigrationComplete, MigrationExpired] → [MigrationComplete, MigrationExpired, MigrationFailed, MigrationNew, MigrationWorking]",
		"  createLinkToken:\n    - versions: new resource version 2026-01-01 (the library's typed calls stay"} {
		if !strings.Contains(out, w) {
			t.Errorf("the report does not say %q:\n%s", w, out)
		}
	}
	generated, _ := os.ReadFile(filepath.Join(dir, "gen", "atlas.gen.go"))
	for name, value := range map[string]string{"MigrationNew": "NEW", "MigrationWorking": "WORKING", "MigrationFailed": "FAILED", "MigrationComplete": "COMPLETE", "MigrationExpired": "EXPIRED"} {
		if !regexp.MustCompile(`\b` + name + `\s+LiveMigrationResponseStatus = "` + value + `"`).Match(generated) {
			t.Errorf("the generated %s no longer holds %q", name, value)
		}
	}
	// The operation table offers the new version; the typed call's versions (pkg/atlas/versions.go, which
	// update-spec never writes) stay as they were, and the update built and vetted with them.
	table, _ := os.ReadFile(filepath.Join(dir, "gen", "operations.gen.go"))
	if !regexp.MustCompile(`\tID: +"createLinkToken",\n(?:\t.*\n)*?\t+\{Date: "2023-01-01".*\n\t+\{Date: "2026-01-01"`).Match(table) {
		t.Error("gen/operations.gen.go does not list createLinkToken's 2023-01-01 and 2026-01-01")
	}
	versions, _ := os.ReadFile(filepath.Join(dir, "pkg", "atlas", "versions.go"))
	if !regexp.MustCompile(`opCreateLinkToken: +\{"2023-01-01"\},`).Match(versions) {
		t.Error("the typed createLinkToken no longer sends only 2023-01-01")
	}
}

// withoutMediaType is text without each media type entry named mediaType (its line and the lines indented below).
func withoutMediaType(text, mediaType string) string {
	var out []string
	skip := -1
	for _, line := range strings.SplitAfter(text, "\n") {
		indent := len(line) - len(strings.TrimLeft(line, " "))
		switch {
		case skip >= 0 && indent > skip && strings.TrimSpace(line) != "":
			continue
		case strings.TrimSpace(line) == mediaType+":":
			skip = indent
			continue
		}
		skip = -1
		out = append(out, line)
	}
	return strings.Join(out, "")
}

// Edits 2 and 4, in one update: upstream drops x-xgen-method-verb-override from cutover, and removes the 2023-01-01
// version of validateLiveMigrations and createGroupLiveMigration. Both are refused before generating, each named:
// the cutover would become an idempotent PUT the library retries; the removed version is named with its operations
// and what to change (typedVersions in pkg/atlas/versions.go, the api/gen-overlay.yaml pins of the schemas only it
// used), not with oapi-codegen's overlay "selector" error. Nothing changes.
func TestUpstreamDropsAnActionAndRemovesAVersion(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile(recordedUpstream(t))
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	const action = "            x-xgen-method-verb-override:\n                customMethod: true\n            x-xgen-operation-id-override: cutoverMigration\n"
	if !strings.Contains(text, action) {
		t.Skip("the recorded upstream has no action on cutoverMigration")
	}
	text = strings.Replace(text, action, "            x-xgen-operation-id-override: cutoverMigration\n", 1)
	// Every 2023-01-01 media type of the two operations goes.
	for _, path := range []string{"/api/atlas/v2/groups/{groupId}/liveMigrations:\n", "/api/atlas/v2/groups/{groupId}/liveMigrations/validate:\n"} {
		start := strings.Index(text, "    "+path)
		if start < 0 {
			t.Skipf("the recorded upstream has no %s", path)
		}
		end := start + len(path) + 4 + strings.Index(text[start+len(path)+4:], "\n    /")
		text = text[:start] + withoutMediaType(text[start:end], "application/vnd.atlas.2023-01-01+json") + text[end:]
	}
	upstream := filepath.Join(t.TempDir(), "v2.yaml")
	if err := os.WriteFile(upstream, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	if testing.Short() {
		t.Skip("copies the module; skipped with -short")
	}
	dir := copyModule(t)
	before := snapshotOf(t, dir)
	out, code := updateSpec(t, dir, upstream, "")
	if code == 0 || !strings.Contains(out, "step 'change report") || strings.Contains(out, "3/4 generate") {
		t.Errorf("exit %d, want a refusal at the change report, before generating:\n%s", code, out)
	}
	for _, w := range []string{
		"[action-removed:cutoverMigration] no longer an action", "retry it",
		"[version-removed:createGroupLiveMigration:2023-01-01] resource version 2023-01-01 removed",
		"[version-removed:validateLiveMigrations:2023-01-01]",
		"3 breaking change(s) not accepted: action-removed:cutoverMigration, version-removed:createGroupLiveMigration:2023-01-01, version-removed:validateLiveMigrations:2023-01-01.",
		`typedVersions[opCreateMigration] lists version 2023-01-01 of createGroupLiveMigration, which the new document no longer has`,
		`typedVersions[opValidateMigration] lists version 2023-01-01 of validateLiveMigrations`,
		"pins $.components.schemas.LiveMigrationRequest, which the new document no longer has (LiveMigrationRequest was the 2023-01-01 request of createGroupLiveMigration and validateLiveMigrations)",
	} {
		if !strings.Contains(out, w) {
			t.Errorf("the refusal does not say %q:\n%s", w, out)
		}
	}
	if strings.Contains(out, "selector") {
		t.Errorf("oapi-codegen's selector error:\n%s", out)
	}
	unchanged(t, dir, before)
}
