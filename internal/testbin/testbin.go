// Package testbin builds the module's commands for tests that run them as a user would. They go to a directory of
// the user's own cache, one per test package and checkout, and stay there between runs: `go build -o` links again
// only when the file there is not up to date (it compares build IDs), so an unchanged command costs a tenth of a
// second instead of a link of a second or more on every `make test`.
package testbin

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"time"
)

// Dir is the calling test package's directory for binaries: below os.UserCacheDir, keyed by the working directory
// (a test runs in its package's directory, so two packages, or two checkouts, never share one); a new temporary
// directory when there is no cache directory. Only the user can enter it. Directories no test has used for a week
// (checkouts since deleted) are removed, so the cache does not grow with every clone.
func Dir() (string, error) {
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	if cache, err := os.UserCacheDir(); err == nil {
		root := filepath.Join(cache, "atlas-linktoken-test")
		sum := sha256.Sum256([]byte(wd))
		dir := filepath.Join(root, hex.EncodeToString(sum[:8]))
		if err := os.MkdirAll(dir, 0o700); err == nil {
			now := time.Now()
			_ = os.Chtimes(dir, now, now)
			prune(root, now.Add(-maxIdle))
			return dir, nil
		}
	}
	return os.MkdirTemp("", "atlas-linktoken-test-")
}

// maxIdle is how long a directory of binaries stays unused before prune removes it.
const maxIdle = 7 * 24 * time.Hour

// prune removes the directories below root last used before cutoff.
func prune(root string, cutoff time.Time) {
	entries, _ := os.ReadDir(root)
	for _, e := range entries {
		if info, err := e.Info(); err == nil && e.IsDir() && info.ModTime().Before(cutoff) {
			_ = os.RemoveAll(filepath.Join(root, e.Name()))
		}
	}
}

// Build runs go build -o dir/name pkg (pkg an import path or a directory relative to the working directory) and
// returns the binary's path; the error holds go build's output.
func Build(dir, name, pkg string) (string, error) {
	binary := filepath.Join(dir, name)
	if out, err := exec.Command("go", "build", "-o", binary, pkg).CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build -o %s %s: %v\n%s", binary, pkg, err, out)
	}
	return binary, nil
}
