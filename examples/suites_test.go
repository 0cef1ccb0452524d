// Package examples_test runs the example test suites written in other languages (examples/python, examples/node)
// against the atlas-emulator binary, so that `make test` (go test ./...) keeps them working. Each suite starts its
// own emulator on a free loopback port; this test builds the binary once, into a temporary directory, and names it
// in ATLAS_EMULATOR. A suite whose interpreter is not installed is skipped, saying so.
package examples_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/atlas-linktoken/atlas-linktoken/internal/testbin"
)

var (
	buildOnce sync.Once
	binary    string
	buildErr  error
)

// emulator builds cmd/atlas-emulator once for all suites (linked again only when it changed: internal/testbin).
func emulator(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		var dir string
		if dir, buildErr = testbin.Dir(); buildErr == nil {
			binary, buildErr = testbin.Build(dir, "atlas-emulator", "github.com/atlas-linktoken/atlas-linktoken/cmd/atlas-emulator")
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binary
}

// runSuite runs interpreter with args in dir, the emulator binary in ATLAS_EMULATOR; it fails with the suite's output
// when the suite fails, and logs it otherwise (the suites print no secret: make test scans this output).
func runSuite(t *testing.T, interpreter, dir string, args ...string) {
	if testing.Short() {
		t.Skip("builds the emulator and runs a suite in another language")
	}
	path, err := exec.LookPath(interpreter)
	if err != nil {
		t.Skipf("%s is not installed: the %s example suite does not run", interpreter, dir)
	}
	bin := emulator(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, path, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "ATLAS_EMULATOR="+bin, "PYTHONDONTWRITEBYTECODE=1", "NO_COLOR=1")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // the suite and the emulators it starts, as one group
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	out, err := cmd.CombinedOutput()
	_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) // nothing it started outlives it
	if err != nil {
		t.Fatalf("%s %s (in examples/%s): %v\n%s", interpreter, strings.Join(args, " "), dir, err, out)
	}
	t.Logf("%s %s (in examples/%s):\n%s", interpreter, strings.Join(args, " "), dir, out)
}

func TestPythonSuite(t *testing.T) {
	runSuite(t, "python3", "python", "-m", "unittest", "-v", "test_push_migration")
}

func TestNodeSuite(t *testing.T) {
	if out, err := exec.Command("node", "--version").Output(); err == nil {
		var major int
		if _, err := fmt.Sscanf(string(out), "v%d.", &major); err == nil && major < 18 {
			t.Skipf("node %s is older than 18 (no fetch, no node:test): the node example suite does not run", strings.TrimSpace(string(out)))
		}
	}
	runSuite(t, "node", "node", "--test", "push_migration.test.mjs")
}
