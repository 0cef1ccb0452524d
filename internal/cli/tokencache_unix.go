//go:build unix

package cli

import (
	"io/fs"
	"os"
	"syscall"
)

// tokenCacheSupported: the platform tells who owns a file, so the token cache can check it.
const tokenCacheSupported = true

// openTokenFile opens path for reading without following a symbolic link and without blocking (on a FIFO).
func openTokenFile(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK|syscall.O_CLOEXEC, 0)
}

// fileOwner is the uid owning info's file.
func fileOwner(info fs.FileInfo) (int, bool) {
	st, ok := info.Sys().(*syscall.Stat_t)
	if !ok {
		return -1, false
	}
	return int(st.Uid), true
}
