package testbin

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// Directories unused for longer than maxIdle go; the others, and files beside them, stay.
func TestPrune(t *testing.T) {
	root := t.TempDir()
	old, recent := filepath.Join(root, "old"), filepath.Join(root, "recent")
	for _, dir := range []string{old, recent} {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	long := time.Now().Add(-maxIdle - time.Hour)
	_ = os.Chtimes(old, long, long)
	prune(root, time.Now().Add(-maxIdle))
	if _, err := os.Stat(old); !os.IsNotExist(err) {
		t.Errorf("a directory unused for over a week is still there: %v", err)
	}
	if _, err := os.Stat(recent); err != nil {
		t.Errorf("a recent directory was removed: %v", err)
	}
}

// Dir gives the same private directory to the same package every time.
func TestDirIsStableAndPrivate(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	a, err := Dir()
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Dir()
	info, err := os.Stat(a)
	if err != nil || a != b || info.Mode().Perm() != 0o700 {
		t.Errorf("Dir %s then %s, mode %v, %v", a, b, info.Mode().Perm(), err)
	}
}
