// Command atlas creates MongoDB Atlas link-tokens with the official Atlas CLI's command line:
//
//	atlas api cloudMigrationService createLinkToken --orgId ID --file body.json [-P profile] [--output '{{.linkToken}}']
//
// It reads the Atlas CLI's profiles and MONGODB_ATLAS_* environment variables. Exit codes: 0 success; 1 Atlas
// answered with an error or the network failed; 2 usage, input or configuration error (nothing was sent).
package main

import (
	"context"
	"os"
	"os/signal"
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
	})
	stop()
	os.Exit(code)
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
