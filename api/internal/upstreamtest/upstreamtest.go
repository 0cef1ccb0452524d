// Package upstreamtest finds real upstream spec files for the spec pipeline's tests: in ../shared/upstream by their
// sha256, the plain snapshots and the xz-packed history (history/INDEX.txt names each file with the sha256 of its
// unpacked content). A file that is not there is a reason to skip, never a failure: a user's clone has none.
package upstreamtest

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
)

// Snapshot is one file of history/INDEX.txt.
type Snapshot struct {
	Name   string // 2025-10-07-d37299f0c9.yaml
	Date   string // its commit date, 2025-10-07T09:07:03+01:00
	SHA256 string // of the unpacked file
	packed string // the .xz file
}

// History lists dir's history/INDEX.txt, oldest first; nil when there is none.
func History(dir string) []Snapshot {
	data, err := os.ReadFile(filepath.Join(dir, "history", "INDEX.txt"))
	if err != nil {
		return nil
	}
	var out []Snapshot
	scanner := bufio.NewScanner(bytes.NewReader(data))
	for scanner.Scan() {
		f := strings.Fields(scanner.Text())
		if len(f) != 4 {
			continue
		}
		out = append(out, Snapshot{Name: f[0], Date: f[2], SHA256: f[3], packed: filepath.Join(dir, "history", f[0]+".xz")})
	}
	return out
}

var unpackMu sync.Mutex

// Unpack returns the path of s's unpacked content (in a cache below the temporary directory, checked against its
// sha256), or why it cannot.
func (s Snapshot) Unpack() (string, error) {
	unpackMu.Lock()
	defer unpackMu.Unlock()
	cache := filepath.Join(os.TempDir(), "atlas-linktoken-upstream")
	path := filepath.Join(cache, s.SHA256+".yaml")
	if data, err := os.ReadFile(path); err == nil && sum(data) == s.SHA256 {
		return path, nil
	}
	if _, err := os.Stat(s.packed); err != nil {
		return "", err
	}
	xz, err := exec.LookPath("xz")
	if err != nil {
		return "", fmt.Errorf("%s is xz-packed and there is no xz command to unpack it", s.packed)
	}
	data, err := exec.Command(xz, "-dc", s.packed).Output()
	if err != nil {
		return "", fmt.Errorf("xz -dc %s: %w", s.packed, err)
	}
	if got := sum(data); got != s.SHA256 {
		return "", fmt.Errorf("%s unpacks to sha256 %s, INDEX.txt says %s", s.packed, got, s.SHA256)
	}
	if err := os.MkdirAll(cache, 0o755); err != nil {
		return "", err
	}
	tmp, err := os.CreateTemp(cache, ".unpack-*")
	if err != nil {
		return "", err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return "", err
	}
	if err := tmp.Close(); err != nil {
		return "", err
	}
	return path, os.Rename(tmp.Name(), path)
}

// Find returns a file below dir whose content hashes to want: a plain .yaml file, or a history snapshot unpacked;
// "" when there is none (or it cannot be unpacked).
func Find(dir, want string) string {
	var found string
	_ = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || found != "" || d.IsDir() || !strings.HasSuffix(path, ".yaml") {
			return nil
		}
		if data, err := os.ReadFile(path); err == nil && sum(data) == want {
			found = path
		}
		return nil
	})
	if found != "" {
		return found
	}
	for _, s := range History(dir) {
		if s.SHA256 == want {
			if path, err := s.Unpack(); err == nil {
				return path
			}
		}
	}
	return ""
}

func sum(data []byte) string {
	h := sha256.Sum256(data)
	return hex.EncodeToString(h[:])
}
