package main

import (
	"bufio"
	"bytes"
	"fmt"
	"slices"
	"strings"
)

// api/CHANGES.txt keeps one dated entry per update, newest first. An entry starts with a line
// "== DATE · upstream FILE · sha256 SUM" and says what changed from the committed document.

const preamble = `api/CHANGES.txt: what each ` + "`make update-spec`" + ` changed for our operations, newest first, each entry against
the api/openapi.yaml committed at the time (written by api/cmd/specdiff; breaking changes are accepted one by one,
by their IDs: api/accepted-breaking.txt or ALLOW_BREAKING=ID,ID).
`

const entryMark = "== "

// accepting is how breaking changes were accepted for this update.
type accepting struct {
	ids     map[string]string // ID → where it was accepted
	listed  []string          // every ID named, in order, to report those that matched nothing
	refused string            // why the acceptance itself is refused
}

// readAcceptance reads the acceptance file (one ID a line, '#' comments) and ALLOW_BREAKING's value (IDs separated
// by commas or spaces). A bare 1, true or yes accepts nothing: breaking changes are accepted one by one.
func readAcceptance(fileName string, file []byte, allow string) accepting {
	a := accepting{ids: map[string]string{}}
	scanner := bufio.NewScanner(bytes.NewReader(file))
	for scanner.Scan() {
		text, _, _ := strings.Cut(scanner.Text(), "#")
		if fields := strings.Fields(text); len(fields) > 0 {
			a.ids[fields[0]] = fileName
			a.listed = append(a.listed, fields[0])
		}
	}
	for _, id := range strings.FieldsFunc(allow, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' || r == '\n' }) {
		switch strings.ToLower(id) {
		case "1", "true", "yes", "all", "*":
			a.refused = fmt.Sprintf("ALLOW_BREAKING=%s no longer accepts every breaking change at once: name each one, ALLOW_BREAKING=ID,ID, or list them in api/accepted-breaking.txt", id)
			continue
		}
		a.ids[id] = "ALLOW_BREAKING"
		a.listed = append(a.listed, id)
	}
	return a
}

// entry is a dated entry of the cumulative file.
type entry struct {
	header string // the first line, without its date
	date   string
	body   string
}

func (e entry) String() string {
	return entryMark + e.date + e.header + "\n" + e.body
}

// splitEntries splits a CHANGES.txt into its preamble (or legacy text before the first entry) and entries.
func splitEntries(data []byte) (head string, entries []entry) {
	lines := strings.SplitAfter(string(data), "\n")
	i := 0
	var headLines []string
	for ; i < len(lines) && !strings.HasPrefix(lines[i], entryMark); i++ {
		headLines = append(headLines, lines[i])
	}
	head = strings.Join(headLines, "")
	for i < len(lines) {
		first := strings.TrimSuffix(strings.TrimPrefix(lines[i], entryMark), "\n")
		date, header, _ := strings.Cut(first, " ")
		e := entry{date: date, header: " " + header}
		if header == "" {
			e.header = ""
		}
		var body []string
		for i++; i < len(lines) && !strings.HasPrefix(lines[i], entryMark); i++ {
			body = append(body, lines[i])
		}
		e.body = strings.Join(body, "")
		entries = append(entries, e)
	}
	return head, entries
}

// compose puts the new entry on top of history (the committed CHANGES.txt); previous is the working CHANGES.txt,
// whose top entry lends its date when it says the same (a re-run on the same upstream changes nothing).
func compose(e entry, history, previous []byte) []byte {
	if _, prev := splitEntries(previous); len(prev) > 0 && prev[0].header == e.header && strings.TrimRight(prev[0].body, "\n") == strings.TrimRight(e.body, "\n") {
		e.date = prev[0].date
	}
	head, entries := splitEntries(history)
	var b strings.Builder
	b.WriteString(preamble)
	b.WriteString("\n")
	b.WriteString(strings.TrimRight(e.String(), "\n") + "\n")
	if legacy := strings.TrimSpace(strings.Replace(head, strings.TrimSpace(preamble), "", 1)); legacy != "" {
		// A CHANGES.txt from before dated entries: kept below, as the oldest entry.
		entries = append(entries, entry{date: "(undated)", header: " · the report written before dated entries", body: legacy + "\n"})
	}
	for _, old := range entries {
		b.WriteString("\n")
		b.WriteString(strings.TrimRight(old.String(), "\n") + "\n")
	}
	return []byte(b.String())
}

// stale lists the accepted IDs no breaking change of this update has.
func (a accepting) stale(changes []*change) []string {
	var out []string
	for _, id := range a.listed {
		if !slices.ContainsFunc(changes, func(c *change) bool { return c.id == id }) && !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}
