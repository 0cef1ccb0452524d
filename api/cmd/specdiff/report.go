package main

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// section orders the report: what breaks users first, documentation last.
type section int

const (
	breaking section = iota
	possiblyBreaking
	behavioural
	nonBreaking
	documentation
)

var sectionTitles = map[section]string{
	breaking:         "Breaking",
	possiblyBreaking: "Possibly breaking",
	behavioural:      "Behavioural (what the library, CLI and emulator act on)",
	nonBreaking:      "Other API changes (non-breaking)",
	documentation:    "Documentation",
}

// kindOrder orders the behavioural changes of one group of operations.
var kindOrder = []string{"roles", "actions", "enums", "versions", "sunsets", "deprecated", "names"}

// change is one entry of the report, found once and charged to the operations it concerns.
type change struct {
	section    section
	id         string   // breaking changes: the ID that accepts it
	kind       string   // behavioural changes: roles, actions, enums, versions, sunsets, deprecated, names
	ops        []string // the operations concerned, sorted; empty for the whole document
	text       string
	qualifiers []string // statuses and versions it was seen at
	accepted   string   // breaking changes: where it was accepted, "" when not
}

// report is what specdiff found between two documents.
type report struct {
	changes  []*change
	allOps   []string // the new document's operations, to say "all 8 operations"
	stripped []string // code-generator extensions trimspec removed from upstream
	overlay  []string // what was done to api/gen-overlay.yaml
	problems []string // what must change before generating (pins, typed versions); fatal
}

func (r *report) count(s section) int {
	n := 0
	for _, c := range r.changes {
		if c.section == s {
			n++
		}
	}
	return n
}

// body renders the report, without the entry's dated first line.
func (r *report) body() string {
	var b strings.Builder
	accepted := map[section]int{}
	for _, c := range r.changes {
		if c.accepted != "" {
			accepted[c.section]++
		}
	}
	fmt.Fprintf(&b, "breaking: %d (%d accepted), possibly breaking: %d (%d accepted), behavioural: %d, other: %d, documentation: %d\n",
		r.count(breaking), accepted[breaking], r.count(possiblyBreaking), accepted[possiblyBreaking], r.count(behavioural), r.count(nonBreaking), r.count(documentation))
	if len(r.changes) == 0 {
		b.WriteString("\nNo change to our operations.\n")
	}
	for _, s := range []section{breaking, possiblyBreaking, behavioural, nonBreaking, documentation} {
		var in []*change
		for _, c := range r.changes {
			if c.section == s {
				in = append(in, c)
			}
		}
		if len(in) == 0 {
			continue
		}
		title := sectionTitles[s]
		if s == breaking || s == possiblyBreaking {
			title += " (each accepted by its ID, a line of api/accepted-breaking.txt or ALLOW_BREAKING=ID,ID)"
		}
		fmt.Fprintf(&b, "\n%s:\n", title)
		// Grouped by the operations concerned: the whole document first, then by name.
		groups := map[string][]*change{}
		var labels []string
		for _, c := range in {
			label := r.label(c.ops)
			if groups[label] == nil {
				labels = append(labels, label)
			}
			groups[label] = append(groups[label], c)
		}
		slices.SortFunc(labels, func(a, b string) int {
			return cmp.Or(cmp.Compare(rank(a), rank(b)), cmp.Compare(a, b))
		})
		for _, label := range labels {
			fmt.Fprintf(&b, "  %s:\n", label)
			cs := groups[label]
			slices.SortStableFunc(cs, func(x, y *change) int {
				return cmp.Or(cmp.Compare(slices.Index(kindOrder, x.kind), slices.Index(kindOrder, y.kind)), cmp.Compare(x.line(), y.line()))
			})
			for _, c := range cs {
				fmt.Fprintf(&b, "    - %s\n", c.line())
			}
		}
	}
	if len(r.stripped) > 0 {
		b.WriteString("\nRemoved from upstream (code-generator extensions; only api/gen-overlay.yaml may steer code generation):\n")
		for _, s := range r.stripped {
			fmt.Fprintf(&b, "  - %s\n", s)
		}
	}
	if len(r.overlay) > 0 {
		b.WriteString("\nGenerator overlay (api/gen-overlay.yaml):\n")
		for _, s := range r.overlay {
			fmt.Fprintf(&b, "  - %s\n", s)
		}
	}
	if len(r.problems) > 0 {
		b.WriteString("\nTo change before this upstream can be generated:\n")
		for _, s := range r.problems {
			fmt.Fprintf(&b, "  - %s\n", s)
		}
	}
	return b.String()
}

// rank puts the whole document and all operations before single ones.
func rank(label string) int {
	switch {
	case label == "the whole document":
		return 0
	case strings.HasPrefix(label, "all "):
		return 1
	}
	return 2
}

func (r *report) label(ops []string) string {
	switch {
	case len(ops) == 0:
		return "the whole document"
	case len(ops) > 1 && slices.Equal(ops, r.allOps):
		return "all " + strconv.Itoa(len(ops)) + " operations"
	}
	return strings.Join(ops, ", ")
}

func (c *change) line() string {
	s := c.text
	if c.kind != "" && c.section == behavioural {
		s = c.kind + ": " + s
	}
	if len(c.qualifiers) > 0 {
		s += " (" + strings.Join(c.qualifiers, "; ") + ")"
	}
	if c.id != "" {
		s = "[" + c.id + "] " + s
	}
	if c.accepted != "" {
		s += " — accepted (" + c.accepted + ")"
	}
	return s
}

// merge makes the same change of several operations one change of all of them.
func merge(changes []*change) []*change {
	var out []*change
	seen := map[string]*change{}
	for _, c := range changes {
		key := fmt.Sprint(c.section, "\x00", c.kind, "\x00", c.id, "\x00", c.text, "\x00", c.qualifiers)
		if prev := seen[key]; prev != nil {
			for _, op := range c.ops {
				if !slices.Contains(prev.ops, op) {
					prev.ops = append(prev.ops, op)
				}
			}
			slices.Sort(prev.ops)
			continue
		}
		seen[key] = c
		out = append(out, c)
	}
	return out
}
