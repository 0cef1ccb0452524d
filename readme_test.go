package atlaslinktoken

import (
	"bytes"
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// walkthroughMarker precedes each README command block that must run as written.
const walkthroughMarker = "<!-- walkthrough: run by readme_test.go -->"

// The README's walkthroughs run as written, top to bottom, in one bash shell from the repository's root, against the
// emulator they start: the only change is the emulator's port (a free one instead of 8080, which may be taken).
func TestREADMEWalkthroughsRun(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binaries and runs a whole migration")
	}
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("bash is not installed")
	}
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	blocks := walkthroughBlocks(string(readme))
	if len(blocks) < 2 {
		t.Fatalf("found %d walkthrough blocks in README.md, want the CLI's and the push live migration's", len(blocks))
	}
	addr := freeAddr(t)
	script := "set -euo pipefail\ntrap 'kill $(jobs -p) 2>/dev/null || true' EXIT\n" +
		strings.ReplaceAll(strings.Join(blocks, "\n"), "127.0.0.1:8080", addr)

	home := t.TempDir()
	t.Cleanup(func() {
		for _, f := range []string{"bin/emulator.log", "bin/link-token.txt", "bin/link.json"} {
			_ = os.Remove(f)
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bash, "-c", script)
	cmd.Env = walkthroughEnv(home)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err = cmd.Run()
	_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) // nothing it started outlives it
	if err != nil {
		t.Fatalf("the README's walkthroughs failed: %v\n%s", err, out.String())
	}
	for _, want := range []string{"SUCCESS", "COMPLETE", "mh1.example.net"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the walkthrough's output lacks %q:\n%s", want, out.String())
		}
	}
	info, err := os.Stat(filepath.Join("bin", "link-token.txt"))
	if err != nil || info.Size() == 0 || info.Mode().Perm() != 0o600 {
		t.Errorf("bin/link-token.txt: %v, %v", info, err)
	}
}

// walkthroughBlocks returns the sh blocks that follow the marker, in order.
func walkthroughBlocks(readme string) []string {
	var blocks []string
	for _, part := range strings.Split(readme, walkthroughMarker)[1:] {
		part = strings.TrimLeft(part, "\n")
		body, ok := strings.CutPrefix(part, "```sh\n")
		if !ok {
			continue
		}
		if end := strings.Index(body, "```"); end >= 0 {
			blocks = append(blocks, body[:end])
		}
	}
	return blocks
}

// walkthroughEnv is this process's environment for the go toolchain, without Atlas settings or profiles: the
// walkthrough sets its own, and a throw-away home holds no config.toml.
func walkthroughEnv(home string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "MONGODB_ATLAS_") || strings.HasPrefix(kv, "MCLI_") || strings.HasPrefix(kv, "HOME=") ||
			strings.HasPrefix(kv, "XDG_CONFIG_HOME=") || strings.HasPrefix(kv, "XDG_CACHE_HOME=") {
			continue
		}
		env = append(env, kv)
	}
	gocache, _ := exec.Command("go", "env", "GOCACHE").Output()
	gomodcache, _ := exec.Command("go", "env", "GOMODCACHE").Output()
	return append(env, "HOME="+home, "XDG_CONFIG_HOME="+filepath.Join(home, "config"), "XDG_CACHE_HOME="+filepath.Join(home, "cache"),
		"GOCACHE="+strings.TrimSpace(string(gocache)), "GOMODCACHE="+strings.TrimSpace(string(gomodcache)))
}

// freeAddr is a loopback address with a port nobody listens on now.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}
