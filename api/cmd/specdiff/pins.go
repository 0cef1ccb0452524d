package main

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"maps"
	"os"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"gopkg.in/yaml.v3"
)

// What the new document must still hold for the code built on it: the schemas and properties api/gen-overlay.yaml
// pins (oapi-codegen's strict overlay otherwise fails with a bare "selector" error), and the versions
// pkg/atlas/versions.go writes typed calls for. Checked before generating, so that the message names the operation,
// the version and what to change.

// pin is one action of api/gen-overlay.yaml.
type pin struct {
	target   string
	line     int
	varnames *yaml.Node // its x-enum-varnames, if any
}

func readPins(data []byte) ([]pin, error) {
	var n yaml.Node
	if err := yaml.Unmarshal(data, &n); err != nil {
		return nil, err
	}
	if len(n.Content) == 0 {
		return nil, nil
	}
	var out []pin
	for _, action := range sequenceOf(get(n.Content[0], "actions")) {
		t := get(action, "target")
		if t == nil {
			continue
		}
		out = append(out, pin{target: t.Value, line: t.Line, varnames: get(get(action, "update"), "x-enum-varnames")})
	}
	return out, nil
}

// resolve finds the node a simple JSONPath ($.a.b['c'].d) names in root; nil when it is absent or the path is not
// that simple.
func resolve(root *yaml.Node, target string) (*yaml.Node, []string, bool) {
	rest, ok := strings.CutPrefix(target, "$")
	if !ok {
		return nil, nil, false
	}
	var path []string
	for rest != "" {
		switch {
		case strings.HasPrefix(rest, "['"):
			end := strings.Index(rest, "']")
			if end < 0 {
				return nil, nil, false
			}
			path = append(path, rest[2:end])
			rest = rest[end+2:]
		case strings.HasPrefix(rest, "."):
			rest = rest[1:]
			end := strings.IndexAny(rest, ".[")
			if end < 0 {
				end = len(rest)
			}
			path = append(path, rest[:end])
			rest = rest[end:]
		default:
			return nil, nil, false
		}
	}
	n := root
	for _, k := range path {
		if n = get(n, k); n == nil {
			return nil, path, true
		}
	}
	return n, path, true
}

// checkPins checks the pins against the new document, and makes the positional x-enum-varnames follow their
// values: current is the document the overlay was written for (the working api/openapi.yaml). It returns the
// overlay rewritten (nil when unchanged), what it did, and the problems to fix first.
func checkPins(overlayName string, overlayData []byte, old, current, new *doc) (rewritten []byte, done, problems []string, err error) {
	pins, err := readPins(overlayData)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("%s: %w", overlayName, err)
	}
	lines := strings.SplitAfter(string(overlayData), "\n")
	changed := false
	for _, p := range pins {
		node, path, ok := resolve(new.root, p.target)
		if !ok {
			continue // not a path this check understands: oapi-codegen judges it
		}
		if node == nil {
			fix := "remove that action (or re-aim it at the schema's new name)"
			if to := renamedTo(old, new, path); to != "" {
				target := "$.components.schemas." + to + strings.TrimPrefix(p.target, "$.components.schemas."+path[2])
				fix = "re-aim that action at " + target + ", which takes its place in the same operations and versions (or remove it)"
			}
			problems = append(problems, fmt.Sprintf("%s:%d pins %s, which the new document no longer has%s: %s",
				overlayName, p.line, p.target, usedBy(old, path), fix))
			continue
		}
		if p.varnames == nil {
			continue
		}
		var names []string
		for _, n := range sequenceOf(p.varnames) {
			names = append(names, n.Value)
		}
		curNode, _, _ := resolve(current.root, p.target)
		curValues, newValues := enumValues(curNode), enumValues(node)
		if curNode == nil { // a pin written for the new document (an operation being added): taken as it is
			if len(newValues) != len(names) {
				problems = append(problems, fmt.Sprintf("%s:%d: x-enum-varnames of %s names %d constants for %d values [%s]: x-enum-varnames is positional, name each value in order", overlayName, p.line, p.target, len(names), len(newValues), strings.Join(newValues, ", ")))
			}
			continue
		}
		if len(curValues) != len(names) {
			problems = append(problems, fmt.Sprintf("%s:%d: x-enum-varnames of %s names %d constants for %d values [%s]: x-enum-varnames is positional, name each value in order", overlayName, p.line, p.target, len(names), len(curValues), strings.Join(curValues, ", ")))
			continue
		}
		byValue := map[string]string{}
		for i, v := range curValues {
			byValue[v] = names[i]
		}
		var want []string
		for _, v := range newValues {
			name, ok := byValue[v]
			if !ok {
				if name = deriveName(byValue, v); name == "" {
					problems = append(problems, fmt.Sprintf("%s:%d: %s gained the enum value %s: add a Go name for it at position %d of x-enum-varnames", overlayName, p.line, p.target, v, len(want)+1))
					name = "?"
				} else {
					done = append(done, fmt.Sprintf("%s: new constant %s = %q (named after its neighbours; rename it there if you like)", p.target, name, v))
				}
			}
			want = append(want, name)
		}
		if slices.Equal(want, names) || slices.Contains(want, "?") {
			continue
		}
		line := p.varnames.Line - 1
		if p.varnames.Style&yaml.FlowStyle == 0 || line >= len(lines) {
			problems = append(problems, fmt.Sprintf("%s:%d: x-enum-varnames of %s must become [%s] to keep each constant on its value; write it as a one-line [..] list so update-spec can keep it in step", overlayName, p.varnames.Line, p.target, strings.Join(want, ", ")))
			continue
		}
		start := p.varnames.Column - 1
		end := strings.Index(lines[line][start:], "]")
		if start >= len(lines[line]) || lines[line][start] != '[' || end < 0 {
			problems = append(problems, fmt.Sprintf("%s:%d: x-enum-varnames of %s must become [%s]", overlayName, p.varnames.Line, p.target, strings.Join(want, ", ")))
			continue
		}
		lines[line] = lines[line][:start] + "[" + strings.Join(want, ", ") + "]" + lines[line][start+end+1:]
		changed = true
		done = append(done, fmt.Sprintf("%s:%d: x-enum-varnames of %s [%s] → [%s], following upstream's order [%s] so that each Go constant keeps its value",
			overlayName, p.varnames.Line, p.target, strings.Join(names, ", "), strings.Join(want, ", "), strings.Join(newValues, ", ")))
	}
	if changed {
		rewritten = []byte(strings.Join(lines, ""))
	}
	return rewritten, done, problems, nil
}

func enumValues(schema *yaml.Node) []string {
	var out []string
	for _, n := range sequenceOf(get(schema, "enum")) {
		out = append(out, n.Value)
	}
	return out
}

// deriveName names a new enum value like its neighbours: the prefix they share before their value in camel case
// (ValidationPending for PENDING makes ValidationPaused for PAUSED); "" when there is no such pattern.
// initialisms are the words Go names write in capitals (staticcheck's ST1003 list, as far as Atlas uses them).
var initialisms = []string{"API", "AWS", "CIDR", "DB", "DNS", "GCP", "HTTP", "HTTPS", "ID", "IP", "JSON", "SSL", "TCP", "TLS", "URI", "URL", "UUID", "VPC", "X509"}

func deriveName(byValue map[string]string, value string) string {
	prefix := ""
	for _, v := range slices.Sorted(maps.Keys(byValue)) {
		name, camel := byValue[v], camelCase(v)
		if !strings.HasSuffix(strings.ToLower(name), strings.ToLower(camel)) {
			return ""
		}
		p := name[:len(name)-len(camel)]
		if prefix != "" && p != prefix {
			return ""
		}
		prefix = p
	}
	if prefix == "" {
		return ""
	}
	return prefix + camelCase(value)
}

// camelCase is an enum value as a Go name's words: VPC_PEERING_CONNECTION → VPCPeeringConnection (Go initialisms in
// capitals, as the names in api/gen-overlay.yaml write them).
func camelCase(s string) string {
	var b strings.Builder
	for _, word := range strings.FieldsFunc(s, func(r rune) bool { return r == '_' || r == '-' || r == ' ' || r == '.' }) {
		if slices.Contains(initialisms, strings.ToUpper(word)) {
			b.WriteString(strings.ToUpper(word))
			continue
		}
		runes := []rune(strings.ToLower(word))
		runes[0] = unicode.ToUpper(runes[0])
		b.WriteString(string(runes))
	}
	return b.String()
}

// usedBy says where the old document used what path names, when it was part of an operation's versioned request
// or answer: ", the schema of the 2023-01-01 request of createGroupLiveMigration and validateLiveMigrations".
func usedBy(old *doc, path []string) string {
	if len(path) < 3 || path[0] != "components" || path[1] != "schemas" {
		return ""
	}
	schema := path[2]
	uses := map[string][]string{} // "2023-01-01 request" → operations
	for _, id := range slices.Sorted(maps.Keys(old.ops)) {
		o := old.ops[id]
		check := func(what string, content *yaml.Node) {
			for _, pair := range pairs(content) {
				m := versionedMediaType.FindStringSubmatch(pair[0].Value)
				if m == nil || !reaches(old, get(pair[1], "schema"), schema, map[string]bool{}) {
					continue
				}
				key := m[1] + " " + what
				if !slices.Contains(uses[key], id) {
					uses[key] = append(uses[key], id)
				}
			}
		}
		check("request", get(get(o.node, "requestBody"), "content"))
		for _, pair := range pairs(get(o.node, "responses")) {
			if strings.HasPrefix(pair[0].Value, "2") {
				check("answer", get(pair[1], "content"))
			}
		}
	}
	if len(uses) == 0 {
		return ""
	}
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(uses)) {
		parts = append(parts, fmt.Sprintf("the %s of %s", k, strings.Join(uses[k], " and ")))
	}
	gone := ""
	if len(path) == 3 {
		gone = " (" + schema + " was " + strings.Join(parts, ", ") + ")"
	} else {
		gone = " (" + schema + " is " + strings.Join(parts, ", ") + ")"
	}
	return gone
}

// renamedTo is the component schema of the new document that stands where path's schema stood in the old one: the
// $ref of every versioned request or success answer of an operation that referred to it directly, when those all
// name one other schema that exists ("" otherwise: the schema went, rather than being renamed).
func renamedTo(old, new *doc, path []string) string {
	if len(path) < 3 || path[0] != "components" || path[1] != "schemas" {
		return ""
	}
	const prefix = "#/components/schemas/"
	found := ""
	for id, o := range old.ops {
		n := new.ops[id]
		if n == nil {
			continue
		}
		contents := func(op *yaml.Node) map[string]*yaml.Node {
			out := map[string]*yaml.Node{}
			for _, pair := range pairs(get(get(op, "requestBody"), "content")) {
				out["request "+pair[0].Value] = pair[1]
			}
			for _, status := range pairs(get(op, "responses")) {
				if strings.HasPrefix(status[0].Value, "2") {
					for _, pair := range pairs(get(status[1], "content")) {
						out[status[0].Value+" "+pair[0].Value] = pair[1]
					}
				}
			}
			return out
		}
		newContents := contents(n.node)
		for where, media := range contents(o.node) {
			if scalar(get(get(media, "schema"), "$ref")) != prefix+path[2] || newContents[where] == nil {
				continue
			}
			to, ok := strings.CutPrefix(scalar(get(get(newContents[where], "schema"), "$ref")), prefix)
			if !ok || to == path[2] || get(get(get(new.root, "components"), "schemas"), to) == nil || (found != "" && found != to) {
				return ""
			}
			found = to
		}
	}
	return found
}

// reaches reports whether schema node n is, or refers to, component schema name.
func reaches(d *doc, n *yaml.Node, name string, seen map[string]bool) bool {
	if n == nil {
		return false
	}
	if ref := scalar(get(n, "$ref")); ref != "" {
		target, ok := strings.CutPrefix(ref, "#/components/schemas/")
		if !ok || seen[target] {
			return false
		}
		if target == name {
			return true
		}
		seen[target] = true
		return reaches(d, get(get(get(d.root, "components"), "schemas"), target), name, seen)
	}
	for _, c := range n.Content {
		if reaches(d, c, name, seen) {
			return true
		}
	}
	return false
}

// checkTypedVersions reads pkg/atlas/versions.go's typedVersions (operation constant → versions) and says which
// operations have typed calls (typed), which versions the new document no longer has (problems), and which it
// announces a sunset for (warnings: the typed calls must move off them before then).
func checkTypedVersions(path string, new *doc) (typed map[string]bool, problems, warnings []string, err error) {
	typed = map[string]bool{}
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, nil, err
	}
	fset := token.NewFileSet()
	file, err := parser.ParseFile(fset, path, src, 0)
	if err != nil {
		return nil, nil, nil, err
	}
	consts := map[string]string{}
	var table *ast.CompositeLit
	ast.Inspect(file, func(n ast.Node) bool {
		switch v := n.(type) {
		case *ast.ValueSpec:
			for i, name := range v.Names {
				if i >= len(v.Values) {
					continue
				}
				if lit, ok := v.Values[i].(*ast.BasicLit); ok && lit.Kind == token.STRING {
					consts[name.Name], _ = strconv.Unquote(lit.Value)
				}
				if name.Name == "typedVersions" {
					table, _ = v.Values[i].(*ast.CompositeLit)
				}
			}
		}
		return true
	})
	if table == nil {
		return nil, nil, nil, fmt.Errorf("%s: no typedVersions table", path)
	}
	for _, elt := range table.Elts {
		kv, ok := elt.(*ast.KeyValueExpr)
		if !ok {
			continue
		}
		var op, opExpr string
		switch k := kv.Key.(type) {
		case *ast.Ident:
			op, opExpr = consts[k.Name], k.Name
		case *ast.BasicLit:
			op, _ = strconv.Unquote(k.Value)
			opExpr = k.Value
		}
		list, _ := kv.Value.(*ast.CompositeLit)
		if op == "" || list == nil {
			continue
		}
		line := fset.Position(kv.Pos()).Line
		typed[op] = true
		o := new.ops[op]
		if o == nil {
			problems = append(problems, fmt.Sprintf("%s:%d: typedVersions[%s] is for %s, which the new document lacks: remove its typed method (or name the operation in api/operations.txt again)", path, line, opExpr, op))
			continue
		}
		have := o.versions()
		for _, e := range list.Elts {
			lit, ok := e.(*ast.BasicLit)
			if !ok {
				continue
			}
			v, _ := strconv.Unquote(lit.Value)
			if sunset := have[v]; sunset != "" {
				warnings = append(warnings, fmt.Sprintf("%s:%d: typedVersions[%s] lists version %s of %s, for which Atlas announces an x-sunset of %s: the library still offers it to typed calls; their callers must move to a newer version before then, and the version leaves typedVersions after it", path, line, opExpr, v, op, sunset))
			}
			if _, ok := have[v]; !ok {
				problems = append(problems, fmt.Sprintf("%s:%d: typedVersions[%s] lists version %s of %s, which the new document no longer has (it has %s): remove %s there and the typed methods' code and Go types written for it; api/gen-overlay.yaml's pins of schemas only it used go too",
					path, line, opExpr, v, op, strings.Join(slices.Sorted(maps.Keys(have)), ", "), v))
			}
		}
	}
	return typed, problems, warnings, nil
}
