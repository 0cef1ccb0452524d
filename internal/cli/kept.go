package cli

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// lostOutput is an answer Atlas gave to an action that standard output did not take (a full disk, a closed pipe):
// Run keeps it in a 0600 file and names the file on stderr, and exits ExitUnwritten. The answer may be a
// credential (a link-token), so it never goes to the terminal unasked.
type lostOutput struct {
	op     *operation
	status int
	body   []byte
	err    error
}

func (l *lostOutput) Error() string {
	return fmt.Sprintf("%s succeeded (HTTP %d): %s, but writing its answer to standard output failed: %v", l.op.id, l.status, l.op.acted(), l.err)
}

func (l *lostOutput) Unwrap() error { return l.err }

// keepAnswer writes body to a new 0600 file in the user's cache directory (atlas-linktoken/answers), else in the
// temporary directory, and returns its path.
func keepAnswer(env Environment, op string, body []byte) (string, error) {
	var dirs []string
	if env.CacheDir != "" {
		dirs = append(dirs, filepath.Join(env.CacheDir, "atlas-linktoken", "answers"))
	}
	dirs = append(dirs, os.TempDir())
	var errs []error
	for _, dir := range dirs {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			errs = append(errs, err)
			continue
		}
		f, err := os.CreateTemp(dir, op+"-*.json") // mode 0600
		if err != nil {
			errs = append(errs, err)
			continue
		}
		_, werr := f.Write(body)
		if err := errors.Join(werr, f.Sync(), f.Close()); err != nil {
			_ = os.Remove(f.Name())
			errs = append(errs, err)
			continue
		}
		return f.Name(), nil
	}
	return "", errors.Join(errs...)
}
