// Command trimspec cuts the upstream Atlas Administration API spec down to the operations in api/operations.txt,
// applies api/overlay.yaml and writes api/openapi.yaml, only when every step succeeded.
//
//	go run ./api/cmd/trimspec -upstream path/to/v2.yaml [-operations api/operations.txt] [-overlay api/overlay.yaml] [-out api/openapi.yaml]
//
// `make update-spec UPSTREAM=…` runs it and then `go generate ./...`.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"

	"github.com/speakeasy-api/openapi/overlay"

	"github.com/atlas-linktoken/atlas-linktoken/api/internal/trim"
)

// Description replaces upstream's info.description, which is about the whole API.
const description = "The MongoDB Atlas Administration API, trimmed to the operations atlas-linktoken uses."

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "trimspec:", err)
		os.Exit(1)
	}
}

// noActions matches an overlay whose actions list is empty (actions: [] or actions: with nothing below it).
var noActions = regexp.MustCompile(`(?m)^actions:\s*(\[\s*\])?\s*(#.*)?\z|^actions:\s*\[\s*\]`)

func run(args []string) error {
	flags := flag.NewFlagSet("trimspec", flag.ContinueOnError)
	upstreamPath := flags.String("upstream", "", "full upstream OpenAPI `file` (required)")
	operationsPath := flags.String("operations", "api/operations.txt", "operations list `file`")
	overlayPath := flags.String("overlay", "api/overlay.yaml", "OpenAPI Overlay `file` with local corrections; empty for none")
	outPath := flags.String("out", "api/openapi.yaml", "output `file`")
	previousPath := flags.String("previous", "", "the document trimmed last time (default: the -out file), to name upstream's new names for a missing operation")
	notesPath := flags.String("stripped", "", "write the code-generator extensions removed from upstream to this `file`, one a line")
	if err := flags.Parse(args); err != nil {
		return err
	}
	if *previousPath == "" {
		*previousPath = *outPath
	}
	if *upstreamPath == "" {
		return errors.New("-upstream is required (e.g. make update-spec UPSTREAM=../shared/upstream/v2.yaml)")
	}
	upstream, err := os.ReadFile(*upstreamPath)
	if err != nil {
		return fmt.Errorf("upstream: %w", err)
	}
	list, err := os.ReadFile(*operationsPath)
	if err != nil {
		return fmt.Errorf("operations list: %w", err)
	}
	ops, err := trim.ParseOperations(list)
	if err != nil {
		return fmt.Errorf("%s: %w", *operationsPath, err)
	}
	opts := trim.Options{Operations: ops, Description: description, ListName: *operationsPath, Versioned: true}
	// The document trimmed last time, for "upstream now calls it …" when a listed operation is missing.
	if prev, err := os.ReadFile(*previousPath); err == nil {
		opts.Previous = prev
	}
	if *overlayPath != "" {
		// No file, or a file with no actions, is no local correction (the overlay format wants one action at least):
		// what a maintainer writes once upstream has fixed what the last correction fixed.
		if data, err := os.ReadFile(*overlayPath); errors.Is(err, fs.ErrNotExist) {
			fmt.Fprintf(os.Stderr, "trimspec: no %s: no local corrections\n", *overlayPath)
		} else if err != nil {
			return fmt.Errorf("overlay %s: %w", *overlayPath, err)
		} else if !noActions.Match(data) {
			if opts.Overlay, err = overlay.Parse(*overlayPath); err != nil {
				return fmt.Errorf("overlay %s: %w", *overlayPath, err)
			}
		}
	}
	result, err := trim.Run(upstream, opts)
	if err != nil {
		return fmt.Errorf("%s: %w (%s left unchanged)", *upstreamPath, err, *outPath)
	}
	for _, s := range result.Stripped {
		fmt.Fprintf(os.Stderr, "trimspec: WARNING: upstream sets %s, an extension that steers code generation (or that only the trimmer writes): removed; only api/gen-overlay.yaml may steer code generation\n", s)
	}
	if *notesPath != "" {
		var notes []byte
		for _, s := range result.Stripped {
			notes = append(notes, s+"\n"...)
		}
		if err := os.WriteFile(*notesPath, notes, 0o644); err != nil {
			return err
		}
	}
	return writeAtomic(*outPath, result.Document)
}

// writeAtomic replaces path only with a complete file.
func writeAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".trimspec-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
