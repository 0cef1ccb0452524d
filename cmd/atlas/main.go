// Command atlas runs MongoDB Atlas push live migrations with the official Atlas CLI's command line:
//
//	atlas api cloudMigrationService createLinkToken --orgId ID --file body.json [-P profile] [--output '{{.linkToken}}']
//	atlas liveMigrations link create --accessListIp 203.0.113.7 --orgId ID
//	atlas liveMigrations create --projectId ID --clusterName C --sourceProjectId ID --sourceClusterName S --migrationHost H ...
//
// It reads the Atlas CLI's profiles and MONGODB_ATLAS_* environment variables. Exit codes: 0 success; 1 Atlas
// answered with an error or the network failed; 2 usage, input or configuration error (nothing was sent).
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"unicode/utf8"

	"golang.org/x/term"

	"github.com/atlas-linktoken/atlas-linktoken/internal/cli"
)

func main() {
	signals, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	ctx, interrupt := context.WithCancel(signals) // interrupt: Ctrl-C read as a byte at a secret prompt
	code := cli.Run(ctx, os.Args[1:], cli.Environment{
		Stdin:            os.Stdin,
		Stdout:           os.Stdout,
		Stderr:           os.Stderr,
		Getenv:           os.Getenv,
		ConfigDir:        cli.UserConfigDir(),
		CacheDir:         userCacheDir(),
		StdinIsPiped:     stdinIsPiped(),
		StdoutIsTerminal: term.IsTerminal(int(os.Stdout.Fd())),
		StderrIsTerminal: term.IsTerminal(int(os.Stderr.Fd())),
		Prompt:           terminalPrompt(os.Stdin, os.Stderr, interrupt),
	})
	interrupt()
	stop()
	os.Exit(code)
}

// maxAnswer bounds an answer typed at a prompt.
const maxAnswer = 4096

// terminalPrompt asks on out and reads the answer from the terminal in; nil when in is not a terminal. Reading
// ends with the command's context, so Ctrl-C (SIGINT) or SIGTERM end the command at once, not at the next Enter;
// the reader left blocked goes with the process. A secret is read with the terminal in raw mode, without echo; raw
// mode also turns Ctrl-C into a byte, on which the prompt calls interrupt (as SIGINT would cancel the context). The
// terminal's state from before the question is restored before the prompt returns, however it ends.
func terminalPrompt(in *os.File, out io.Writer, interrupt context.CancelFunc) func(context.Context, string, bool) (string, error) {
	fd := int(in.Fd())
	if !term.IsTerminal(fd) {
		return nil
	}
	return func(ctx context.Context, question string, secret bool) (string, error) {
		if err := ctx.Err(); err != nil {
			return "", err
		}
		if !secret {
			fmt.Fprint(out, question)
			answer, err := readCancellable(ctx, func() (string, error) { return readLine(in) })
			if ctx.Err() != nil {
				fmt.Fprintln(out) // after the ^C the terminal echoed
			}
			return answer, err
		}
		state, err := term.MakeRaw(fd)
		if err != nil {
			return "", err
		}
		fmt.Fprint(out, question) // once raw: nothing typed from now on is echoed
		answer, err := readCancellable(ctx, func() (string, error) { return readSecret(in, interrupt) })
		restoreErr := term.Restore(fd, state)
		fmt.Fprintln(out)
		if err == nil && restoreErr != nil {
			err = fmt.Errorf("restoring the terminal: %w", restoreErr)
		}
		return answer, err
	}
}

// readCancellable runs read, returning early with ctx's error when ctx ends first.
func readCancellable(ctx context.Context, read func() (string, error)) (string, error) {
	type answer struct {
		text string
		err  error
	}
	done := make(chan answer, 1)
	go func() {
		text, err := read()
		done <- answer{text, err}
	}()
	select {
	case a := <-done:
		return a.text, a.err
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

// readLine reads one line typed on a terminal in canonical mode (echoed, edited by the terminal), byte by byte so
// that nothing after it is consumed; a carriage return ends it too (typed ahead while a secret was read in raw
// mode, Enter is not translated).
func readLine(in io.Reader) (string, error) {
	var line []byte
	var b [1]byte
	for len(line) < maxAnswer {
		n, err := in.Read(b[:])
		if n == 1 {
			if b[0] == '\n' || b[0] == '\r' {
				break
			}
			line = append(line, b[0])
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return "", err
		}
	}
	return strings.TrimSpace(string(line)), nil
}

// readSecret reads one line typed on a terminal in raw mode, byte by byte (so nothing after Enter is consumed):
// Enter ends it; Backspace deletes a character, Ctrl-U the line; Ctrl-D on an empty line ends it empty; Ctrl-C
// calls interrupt and fails with context.Canceled. Other control characters are ignored.
func readSecret(in io.Reader, interrupt context.CancelFunc) (string, error) {
	var line []byte
	var b [1]byte
	for {
		n, err := in.Read(b[:])
		if n == 1 {
			switch c := b[0]; {
			case c == '\r' || c == '\n':
				return string(line), nil
			case c == 3: // Ctrl-C
				interrupt()
				return "", context.Canceled
			case c == 4 && len(line) == 0: // Ctrl-D
				return "", nil
			case c == 0x7f || c == '\b':
				if len(line) > 0 {
					_, size := utf8.DecodeLastRune(line)
					line = line[:len(line)-size]
				}
			case c == 0x15: // Ctrl-U
				line = line[:0]
			case c >= 0x20 || c == '\t':
				if len(line) == maxAnswer {
					return "", fmt.Errorf("the answer is longer than %d bytes", maxAnswer)
				}
				line = append(line, c)
			}
		}
		if err == io.EOF && len(line) > 0 {
			return string(line), nil
		}
		if err != nil {
			return "", err
		}
	}
}

// stdinIsPiped reports whether stdin is a pipe or a redirected regular file (not a terminal, not /dev/null).
func stdinIsPiped() bool {
	info, err := os.Stdin.Stat()
	if err != nil {
		return false
	}
	return info.Mode()&os.ModeNamedPipe != 0 || info.Mode().IsRegular()
}

// userCacheDir is os.UserCacheDir, empty when the platform has none (then no token is cached).
func userCacheDir() string {
	dir, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	return dir
}
