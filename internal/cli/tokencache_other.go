//go:build !unix

package cli

import (
	"io/fs"
	"os"
)

// tokenCacheSupported: without file owners and modes to check, no token is cached (they were never trusted here:
// the mode bits such a platform reports are not Unix permissions).
const tokenCacheSupported = false

func openTokenFile(path string) (*os.File, error) { return os.Open(path) }

func fileOwner(fs.FileInfo) (int, bool) { return -1, false }
