package cli

import (
	"fmt"
	"os"
)

// openInput opens a regular file for reading, refusing directories with a clear message.
func openInput(path string) (*os.File, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	if info, err := fh.Stat(); err == nil && info.IsDir() {
		fh.Close()
		return nil, fmt.Errorf("%s is a directory", path)
	}
	return fh, nil
}
