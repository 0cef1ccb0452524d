// Command specdiff reports what changed between two trimmed API documents, for our operations, and whether it
// breaks users: breaking changes (oasdiff level ERR), possibly breaking ones (WARN) and the rest (INFO). It is the
// change report of `make update-spec`, computed by github.com/oasdiff/oasdiff, a library made for exactly this.
//
//	go run ./api/cmd/specdiff -old OLD.yaml -new NEW.yaml [-report FILE] [-allow-breaking]
//
// It exits 1 when there are breaking changes and -allow-breaking is not given, 2 on a usage or load error.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/oasdiff/oasdiff/checker"
	"github.com/oasdiff/oasdiff/diff"
	"github.com/oasdiff/oasdiff/load"
)

func main() {
	code, err := run(os.Args[1:], os.Stdout)
	if err != nil {
		fmt.Fprintln(os.Stderr, "specdiff:", err)
	}
	os.Exit(code)
}

func run(args []string, stdout io.Writer) (int, error) {
	flags := flag.NewFlagSet("specdiff", flag.ContinueOnError)
	oldPath := flags.String("old", "", "previous trimmed document")
	newPath := flags.String("new", "", "new trimmed document")
	reportPath := flags.String("report", "", "also write the report to this `file`")
	oldName := flags.String("old-name", "", "how the report names the previous document (default: its path)")
	newName := flags.String("new-name", "", "how the report names the new document (default: its path)")
	allowBreaking := flags.Bool("allow-breaking", false, "accept breaking changes (exit 0)")
	if err := flags.Parse(args); err != nil {
		return 2, err
	}
	if *oldPath == "" || *newPath == "" {
		return 2, fmt.Errorf("-old and -new are required")
	}
	report, breaking, err := Report(*oldPath, *newPath, cmpOr(*oldName, *oldPath), cmpOr(*newName, *newPath))
	if err != nil {
		return 2, err
	}
	_, _ = stdout.Write(report)
	if *reportPath != "" {
		if err := os.WriteFile(*reportPath, report, 0o644); err != nil {
			return 2, err
		}
	}
	if breaking > 0 && !*allowBreaking {
		return 1, fmt.Errorf("%d breaking change(s) for our users: nothing was replaced; if they are intended, accept them with make update-spec UPSTREAM=... ALLOW_BREAKING=1", breaking)
	}
	return 0, nil
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// Report renders the changes from oldPath to newPath as text and counts the breaking ones.
func Report(oldPath, newPath, oldName, newName string) ([]byte, int, error) {
	loader := openapi3.NewLoader()
	specs := make([]*load.SpecInfo, 2)
	for i, path := range []string{oldPath, newPath} {
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, 0, err
		}
		if specs[i], err = load.NewSpecInfoFromData(loader, data, path); err != nil {
			return nil, 0, fmt.Errorf("loading %s: %w", path, err)
		}
	}
	d, sources, err := diff.GetWithOperationsSourcesMap(diff.NewConfig(), specs[0], specs[1])
	if err != nil {
		return nil, 0, err
	}
	changes := checker.CheckBackwardCompatibilityUntilLevel(checker.NewConfig(checker.GetAllChecks()), d, sources, checker.INFO)
	l := checker.NewDefaultLocalizer()
	groups := map[checker.Level][]string{}
	for _, c := range changes {
		line := fmt.Sprintf("- %s %s: %s", c.GetOperation(), c.GetPath(), c.GetUncolorizedText(l))
		if c.GetOperationId() != "" {
			line = fmt.Sprintf("- %s (%s %s): %s", c.GetOperationId(), c.GetOperation(), c.GetPath(), c.GetUncolorizedText(l))
		}
		groups[c.GetLevel()] = append(groups[c.GetLevel()], line)
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "API change report (oasdiff) from %s to %s\n", oldName, newName)
	fmt.Fprintf(&b, "breaking: %d, possibly breaking: %d, non-breaking: %d\n", len(groups[checker.ERR]), len(groups[checker.WARN]), len(groups[checker.INFO]))
	for _, level := range []struct {
		level checker.Level
		title string
	}{{checker.ERR, "Breaking"}, {checker.WARN, "Possibly breaking"}, {checker.INFO, "Non-breaking"}} {
		lines := groups[level.level]
		if len(lines) == 0 {
			continue
		}
		slices.Sort(lines)
		fmt.Fprintf(&b, "\n%s:\n%s\n", level.title, strings.Join(slices.Compact(lines), "\n"))
	}
	if len(changes) == 0 {
		b.WriteString("\nNo change to our operations.\n")
	}
	return b.Bytes(), len(groups[checker.ERR]), nil
}
