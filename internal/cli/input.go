package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// maxInputBytes bounds a request body read from a file or stdin, and an output template file.
const maxInputBytes = 1 << 20

// readBody reads the request body from --file PATH, or stdin (piped, or --file -), and checks it strictly. Reading
// stops as soon as ctx ends (Ctrl-C), even while stdin is still open.
func readBody(ctx context.Context, env Environment, file string, op *operation, version string) ([]byte, error) {
	var (
		r      io.Reader
		source string
	)
	switch {
	case file != "" && file != "-" && env.StdinIsPiped:
		return nil, errors.New("request body given twice: both --file and piped standard input; use one (add </dev/null to ignore stdin)")
	case file == "-" || (file == "" && env.StdinIsPiped):
		r, source = env.Stdin, "standard input"
	case file != "":
		fh, err := openInput(file)
		if err != nil {
			return nil, fmt.Errorf("--file: %w", err)
		}
		defer fh.Close()
		r, source = fh, file
	default:
		if op.id == "createLinkToken" {
			return nil, errors.New(`no request body: pass --file PATH or pipe JSON to standard input, e.g. echo '{"accessListIps":["203.0.113.7"]}' | atlas api cloudMigrationService createLinkToken ...`)
		}
		return nil, fmt.Errorf("no request body: pass --file PATH or pipe JSON to standard input of %s", op.id)
	}
	body, err := readAllBounded(ctx, r)
	if err != nil {
		return nil, fmt.Errorf("reading request body from %s: %w", source, err)
	}
	if len(body) > maxInputBytes {
		return nil, fmt.Errorf("request body from %s exceeds %d bytes", source, maxInputBytes)
	}
	if err := op.checkBody(body, version); err != nil {
		return nil, fmt.Errorf("%s: %w", source, err)
	}
	return body, nil
}

// readAllBounded reads at most maxInputBytes+1 bytes of r, giving up when ctx ends. The read itself cannot be
// interrupted (a terminal or a pipe nobody closes), so it runs on its own goroutine, which the process's exit ends.
func readAllBounded(ctx context.Context, r io.Reader) ([]byte, error) {
	type result struct {
		data []byte
		err  error
	}
	done := make(chan result, 1)
	go func() {
		data, err := io.ReadAll(io.LimitReader(r, maxInputBytes+1))
		done <- result{data, err}
	}()
	select {
	case res := <-done:
		return res.data, res.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

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

// checkOutputFile makes sure, before anything is sent, that --output-file can be written: its directory exists and
// takes new files, and the path is not a directory. (The write itself can still fail, e.g. a full disk: then the
// answer goes to stdout, see unwritten.)
func checkOutputFile(path string) error {
	if info, err := os.Stat(path); err == nil && info.IsDir() {
		return fmt.Errorf("--output-file %s is a directory: name a file, e.g. %s", path, filepath.Join(path, "link-token.json"))
	}
	dir := filepath.Dir(path)
	info, err := os.Stat(dir)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return fmt.Errorf("--output-file %s: directory %s does not exist: create it (mkdir -p %s) or choose another path", path, dir, dir)
	case err != nil:
		return fmt.Errorf("--output-file %s: %w", path, err)
	case !info.IsDir():
		return fmt.Errorf("--output-file %s: %s is not a directory", path, dir)
	}
	probe, err := os.CreateTemp(dir, ".atlas-write-check-*")
	if err != nil {
		return fmt.Errorf("--output-file %s: cannot create files in %s (%v): choose a writable directory", path, dir, errors.Unwrap(err))
	}
	probe.Close()
	return os.Remove(probe.Name())
}
