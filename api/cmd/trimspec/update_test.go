package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// updateSpec runs `make update-spec`'s script in dir (a copy of the module) and returns its output and exit code.
func updateSpec(t *testing.T, dir, upstream string, env ...string) (string, int) {
	t.Helper()
	abs, err := filepath.Abs(upstream)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("bash", "scripts/update-spec.sh", abs)
	cmd.Dir = dir
	cmd.Env = copyEnv(env...)
	if len(env) > 0 {
		cmd.Args = append(cmd.Args, "1") // ALLOW_BREAKING
	}
	out, err := cmd.CombinedOutput()
	code := 0
	if exitErr, ok := err.(*exec.ExitError); ok {
		code = exitErr.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return string(out), code
}

func snapshotOf(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	for _, f := range []string{"api/openapi.yaml", "gen/atlas.gen.go", "api/CHANGES.txt"} {
		data, _ := os.ReadFile(filepath.Join(dir, f))
		files[f] = data
	}
	return files
}

func unchanged(t *testing.T, dir string, before map[string][]byte) {
	t.Helper()
	for f, data := range snapshotOf(t, dir) {
		if !bytes.Equal(data, before[f]) {
			t.Errorf("%s changed although the update failed", f)
		}
	}
}

// withoutLine is the committed api/operations.txt without the line naming operation.
func withoutLine(t *testing.T, operation string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(moduleRoot, "api", "operations.txt"))
	if err != nil {
		t.Fatal(err)
	}
	var kept []string
	for _, line := range strings.Split(string(data), "\n") {
		if fields := strings.Fields(line); len(fields) == 0 || fields[0] != operation {
			kept = append(kept, line)
		}
	}
	if len(kept) == len(strings.Split(string(data), "\n")) {
		t.Fatalf("api/operations.txt has no line for %s", operation)
	}
	return strings.Join(kept, "\n")
}

// update-spec replaces nothing unless trim, generate, build and vet all succeed, and names the step that failed.
func TestUpdateSpecIsAtomic(t *testing.T) {
	t.Parallel()
	needUpstream(t, newest)
	if testing.Short() {
		t.Skip("builds copies of the module; skipped with -short")
	}
	for _, tc := range []struct {
		name, operations, step string
	}{
		// oapi-codegen refuses it: "merging two schemas with different ReadOnly".
		{"generation fails", "createLinkToken\ndeleteLinkTokens deleteLinkToken\ngetStreamConnection getGroupStreamConnection\n", "'generate'"},
		// Trims and generates (every schema gen-overlay.yaml names is still there), but pkg/atlas uses
		// deleteLinkTokens' generated code.
		{"the wrapper no longer builds", withoutLine(t, "deleteLinkTokens"), "'build and vet'"},
		{"unknown operation", "createLinkToken\ndeleteLinkTokens deleteLinkToken\ncreateLinkTokn\n", "'trim'"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := copyModule(t)
			if err := os.WriteFile(filepath.Join(dir, "api", "operations.txt"), []byte(tc.operations), 0o644); err != nil {
				t.Fatal(err)
			}
			before := snapshotOf(t, dir)
			out, code := updateSpec(t, dir, newest)
			if code == 0 || !strings.Contains(out, "step "+tc.step+" failed") || !strings.Contains(out, "unchanged") {
				t.Errorf("exit %d, want a failure naming step %s:\n%s", code, tc.step, out)
			}
			unchanged(t, dir, before)
		})
	}
}

// A breaking change fails the update unless accepted; the change report is printed and kept in api/CHANGES.txt.
func TestUpdateSpecReportsAndGuardsBreakingChanges(t *testing.T) {
	t.Parallel()
	needUpstream(t, newest)
	needUpstream(t, snapshot)
	if testing.Short() {
		t.Skip("builds a copy of the module; skipped with -short")
	}
	dir := copyModule(t)
	// Start from the 2025-08-26 trim; the newest upstream makes badRequestDetail, detail and reason nullable in
	// error answers, which oasdiff rates breaking for clients.
	older := filepath.Join(t.TempDir(), "operations.txt")
	if err := os.WriteFile(older, operationsIn(t, snapshot, filepath.Join(dir, "api", "operations.txt")), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := run([]string{"-upstream", snapshot, "-operations", older,
		"-overlay", filepath.Join(dir, "api", "overlay.yaml"), "-out", filepath.Join(dir, "api", "openapi.yaml")}); err != nil {
		t.Fatal(err)
	}
	before := snapshotOf(t, dir)
	out, code := updateSpec(t, dir, newest)
	if code == 0 || !strings.Contains(out, "Breaking:") || !strings.Contains(out, "became nullable") || !strings.Contains(out, "ALLOW_BREAKING=1") {
		t.Fatalf("breaking changes not refused (exit %d):\n%s", code, out)
	}
	unchanged(t, dir, before)

	out, code = updateSpec(t, dir, newest, "ALLOW_BREAKING=1")
	if code != 0 {
		t.Fatalf("ALLOW_BREAKING=1: exit %d\n%s", code, out)
	}
	report, _ := os.ReadFile(filepath.Join(dir, "api", "CHANGES.txt"))
	if !strings.Contains(string(report), "Non-breaking:") || !strings.Contains(string(report), "429") {
		t.Errorf("api/CHANGES.txt lacks the report:\n%s", report)
	}
	spec, _ := os.ReadFile(filepath.Join(dir, "api", "openapi.yaml"))
	committed, _ := os.ReadFile(filepath.Join(moduleRoot, "api", "openapi.yaml"))
	if !bytes.Equal(spec, committed) {
		t.Error("the accepted update did not produce the committed document")
	}
}
