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
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"golang.org/x/term"

	"github.com/atlas-linktoken/atlas-linktoken/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
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
		Prompt:           terminalPrompt(),
	})
	stop()
	os.Exit(code)
}

// terminalPrompt asks on stderr and reads the answer from the terminal (without echo for secrets); nil when stdin
// is not a terminal.
func terminalPrompt() func(string, bool) (string, error) {
	fd := int(os.Stdin.Fd())
	if !term.IsTerminal(fd) {
		return nil
	}
	return func(question string, secret bool) (string, error) {
		fmt.Fprint(os.Stderr, question)
		if secret {
			b, err := term.ReadPassword(fd)
			fmt.Fprintln(os.Stderr)
			return string(b), err
		}
		line, err := bufio.NewReader(io.LimitReader(os.Stdin, 4096)).ReadString('\n')
		if err != nil && err != io.EOF {
			return "", err
		}
		return strings.TrimSpace(line), nil
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
