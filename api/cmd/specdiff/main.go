// Command specdiff reports what changed between two trimmed API documents for our operations, before anything is
// generated from the new one, and refuses what must not pass unnoticed. It is the change report of
// `make update-spec`, step 2 of 4.
//
//	go run ./api/cmd/specdiff -old COMMITTED.yaml -new NEW.yaml [-current WORKING.yaml] [-report api/CHANGES.txt]
//	    [-history COMMITTED-CHANGES.txt] [-upstream-name v2.yaml -upstream-sha SUM] [-date YYYY-MM-DD]
//	    [-accept api/accepted-breaking.txt] [-allow ID,ID] [-gen-overlay api/gen-overlay.yaml]
//	    [-typed-versions pkg/atlas/versions.go] [-stripped FILE]
//
// The report, grouped by operation and each change said once: breaking changes (oasdiff's, and a removed enum
// value, a removed version, an operation that stops being an action), then behavioural ones (roles, actions,
// enums, versions, x-sunset dates, deprecation, names), other API changes, documentation. Each breaking change has
// an ID; it passes only when accepted by that ID (a line of -accept, or -allow). -report writes the cumulative
// api/CHANGES.txt: this update's dated entry on top of -history.
//
// Before generating, it also checks that what the code relies on is still there: every schema api/gen-overlay.yaml
// pins, every version pkg/atlas/versions.go types; and it keeps api/gen-overlay.yaml's positional x-enum-varnames
// on their values when upstream lists an enum in another order (rewriting -gen-overlay in place).
//
// Exit status: 0 when the update may go on, 1 when it is refused (the report says why), 2 on a usage or load error.
package main

import (
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"
)

func main() {
	code, err := run(os.Args[1:], os.Stdout, os.Stderr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "specdiff:", err)
	}
	os.Exit(code)
}

type options struct {
	oldPath, newPath, currentPath         string
	reportPath, historyPath, previousPath string
	upstreamName, upstreamSHA, date       string
	acceptPath, allow                     string
	genOverlayPath, typedVersionsPath     string
	strippedPath                          string
	oldName                               string
}

func run(args []string, stdout, stderr io.Writer) (int, error) {
	var o options
	flags := flag.NewFlagSet("specdiff", flag.ContinueOnError)
	flags.SetOutput(stderr)
	flags.StringVar(&o.oldPath, "old", "", "the committed trimmed `document` (git HEAD's api/openapi.yaml)")
	flags.StringVar(&o.newPath, "new", "", "the new trimmed `document`")
	flags.StringVar(&o.currentPath, "current", "", "the working api/openapi.yaml api/gen-overlay.yaml was written for (default: -old)")
	flags.StringVar(&o.oldName, "old-name", "the committed api/openapi.yaml", "how the report names -old")
	flags.StringVar(&o.reportPath, "report", "", "write the cumulative change report (api/CHANGES.txt) to this `file`")
	flags.StringVar(&o.historyPath, "history", "", "the committed CHANGES.txt the new entry goes on top of")
	flags.StringVar(&o.previousPath, "previous", "", "the working CHANGES.txt (default: -report): its top entry's date is kept when this run says the same")
	flags.StringVar(&o.upstreamName, "upstream-name", "", "the upstream file's name, for the entry")
	flags.StringVar(&o.upstreamSHA, "upstream-sha", "", "the upstream file's sha256, for the entry")
	flags.StringVar(&o.date, "date", "", "the entry's date, YYYY-MM-DD (default: today, UTC)")
	flags.StringVar(&o.acceptPath, "accept", "", "accepted breaking changes, one ID a `file` line (api/accepted-breaking.txt)")
	flags.StringVar(&o.allow, "allow", "", "accepted breaking changes: IDs separated by commas (ALLOW_BREAKING)")
	flags.StringVar(&o.genOverlayPath, "gen-overlay", "", "api/gen-overlay.yaml: its pins are checked, its x-enum-varnames kept on their values (rewritten in place)")
	flags.StringVar(&o.typedVersionsPath, "typed-versions", "", "pkg/atlas/versions.go: the versions its typed calls are written for must remain")
	flags.StringVar(&o.strippedPath, "stripped", "", "trimspec's list of code-generator extensions it removed from upstream")
	if err := flags.Parse(args); err != nil {
		return 2, err
	}
	if o.oldPath == "" || o.newPath == "" {
		return 2, fmt.Errorf("-old and -new are required")
	}
	return o.run(stdout, stderr)
}

func readOptional(path string) ([]byte, error) {
	if path == "" {
		return nil, nil
	}
	data, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return nil, nil
	}
	return data, err
}

func (o *options) run(stdout, stderr io.Writer) (int, error) {
	oldData, err := os.ReadFile(o.oldPath)
	if err != nil {
		return 2, err
	}
	newData, err := os.ReadFile(o.newPath)
	if err != nil {
		return 2, err
	}
	curData := oldData
	if o.currentPath != "" {
		if curData, err = os.ReadFile(o.currentPath); err != nil {
			return 2, err
		}
	}
	old, err := parseDoc(oldData)
	if err != nil {
		return 2, fmt.Errorf("%s: %w", o.oldPath, err)
	}
	new, err := parseDoc(newData)
	if err != nil {
		return 2, fmt.Errorf("%s: %w", o.newPath, err)
	}
	current, err := parseDoc(curData)
	if err != nil {
		return 2, fmt.Errorf("%s: %w", o.currentPath, err)
	}

	r := &report{}
	for id := range new.ops {
		r.allOps = append(r.allOps, id)
	}
	slices.Sort(r.allOps)
	sem, moved := semantic(old, new)
	oas, err := oasdiffChanges(oldData, newData, moved)
	if err != nil {
		return 2, err
	}
	r.changes = merge(append(oas, sem...))
	if stripped, err := readOptional(o.strippedPath); err != nil {
		return 2, err
	} else {
		for _, line := range strings.Split(string(stripped), "\n") {
			if line = strings.TrimSpace(line); line != "" {
				r.stripped = append(r.stripped, line)
			}
		}
	}
	if o.genOverlayPath != "" {
		data, err := os.ReadFile(o.genOverlayPath)
		if err != nil {
			return 2, err
		}
		rewritten, done, problems, err := checkPins(o.genOverlayPath, data, old, current, new)
		if err != nil {
			return 2, err
		}
		r.overlay, r.problems = done, append(r.problems, problems...)
		if rewritten != nil && len(problems) == 0 {
			if err := os.WriteFile(o.genOverlayPath, rewritten, 0o644); err != nil {
				return 2, err
			}
		}
	}
	var sunsetWarnings []string // not part of the entry: they hold whether or not this update changed them
	if o.typedVersionsPath != "" {
		typed, problems, warnings, err := checkTypedVersions(o.typedVersionsPath, new)
		if err != nil {
			return 2, err
		}
		r.problems = append(r.problems, problems...)
		sunsetWarnings = warnings
		// A breaking change to an operation with typed calls: accepting it is not the end of it.
		for _, c := range r.changes {
			if (c.section != breaking && c.section != possiblyBreaking) || strings.HasPrefix(c.id, "version-removed:") {
				continue
			}
			var with []string
			for _, op := range c.ops {
				if typed[op] {
					with = append(with, op)
				}
			}
			if len(with) > 0 {
				c.text += fmt.Sprintf(" (pkg/atlas has typed calls for %s: check what they send and read, and their Go types, before accepting)", strings.Join(with, ", "))
			}
		}
	}

	// Breaking changes pass one by one, and so do the possibly breaking ones (oasdiff's warnings: a request property
	// removed, a schema split into allOf…): an unknown effect fails closed until someone has looked at it.
	acceptFile, err := readOptional(o.acceptPath)
	if err != nil {
		return 2, err
	}
	acc := readAcceptance(o.acceptPath, acceptFile, o.allow)
	var refused []string
	for _, c := range r.changes {
		if c.section != breaking && c.section != possiblyBreaking {
			continue
		}
		if where, ok := acc.ids[c.id]; ok {
			c.accepted = where
		} else {
			refused = append(refused, c.id)
		}
	}

	slices.Sort(refused)
	date := o.date
	if date == "" {
		date = time.Now().UTC().Format(time.DateOnly)
	}
	sum := sha256.Sum256(oldData)
	header := ""
	if o.upstreamName != "" {
		header += " · upstream " + o.upstreamName
	}
	if o.upstreamSHA != "" {
		header += " · sha256 " + o.upstreamSHA
	}
	body := fmt.Sprintf("Against %s: sha256 %s…, cut from upstream sha256 %s….\n", o.oldName, hex.EncodeToString(sum[:6]), short(upstreamOf(oldData))) + r.body()
	e := entry{date: date, header: header, body: body}
	fmt.Fprintln(stdout, strings.TrimRight(e.String(), "\n"))

	for _, w := range sunsetWarnings {
		fmt.Fprintln(stderr, "specdiff: warning:", w)
	}
	for _, id := range acc.stale(r.changes) {
		fmt.Fprintf(stderr, "specdiff: note: %s accepts %s, which this update does not have: remove it once this update is committed\n", acceptSource(acc, id), id)
	}
	code := 0
	if acc.refused != "" {
		fmt.Fprintln(stderr, "specdiff:", acc.refused)
		code = 1
	}
	if len(refused) > 0 {
		fmt.Fprintf(stderr, "specdiff: %d breaking change(s) not accepted: %s. If they are intended, accept each one by its ID (possibly breaking ones too): a line of api/accepted-breaking.txt (say why after a #), or make update-spec UPSTREAM=... ALLOW_BREAKING=%s\n",
			len(refused), strings.Join(refused, ", "), strings.Join(refused, ","))
		code = 1
	}
	if len(r.problems) > 0 {
		fmt.Fprintf(stderr, "specdiff: the new document breaks what the code relies on: %d thing(s) to change first, listed above (To change before this upstream can be generated)\n", len(r.problems))
		code = 1
	}
	if code != 0 || o.reportPath == "" {
		return code, nil
	}
	if string(oldData) == string(newData) {
		// Nothing updated: no entry; the committed history stays as it is.
		history, err := readOptional(o.historyPath)
		if err != nil {
			return 2, err
		}
		if history == nil {
			return 0, nil
		}
		return 0, os.WriteFile(o.reportPath, history, 0o644)
	}
	history, err := readOptional(o.historyPath)
	if err != nil {
		return 2, err
	}
	if o.previousPath == "" {
		o.previousPath = o.reportPath
	}
	previous, err := readOptional(o.previousPath)
	if err != nil {
		return 2, err
	}
	return 0, os.WriteFile(o.reportPath, compose(e, history, previous), 0o644)
}

func acceptSource(a accepting, id string) string {
	if a.ids[id] == "ALLOW_BREAKING" {
		return "ALLOW_BREAKING"
	}
	return a.ids[id]
}

// upstreamOf is the upstream sha256 a trimmed document records (info.x-upstream-sha256).
func upstreamOf(data []byte) string {
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "x-upstream-sha256:"); ok {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

func short(sum string) string {
	if len(sum) > 12 {
		return sum[:12]
	}
	if sum == "" {
		return "?"
	}
	return sum
}
