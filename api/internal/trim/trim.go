// Package trim cuts a full OpenAPI 3 document (the upstream Atlas spec: 4 MB, 540 operations) down to chosen
// operations and everything they reference, applies a local OpenAPI Overlay, and validates the result with
// kin-openapi.
//
// It works on the YAML node tree (gopkg.in/yaml.v3), so what it keeps is byte-for-byte as upstream wrote it, in
// upstream's order: the same input always gives the same output, and a diff of the output shows exactly what
// changed upstream for the chosen operations.
package trim

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/speakeasy-api/openapi/overlay"
	"gopkg.in/yaml.v3"

	"github.com/atlas-linktoken/atlas-linktoken/api"
	"github.com/atlas-linktoken/atlas-linktoken/internal/textdist"
)

// Operation is one wanted operation: Name becomes its operationId in the output, so generated code keeps its
// names; an upstream operation matches when its operationId or x-xgen-operation-id-override is Name or an alias.
type Operation struct {
	Name    string
	Aliases []string
	Line    int // line of the operations list that names it; 0 when not from a list
}

func (o Operation) matches(names ...string) bool {
	for _, n := range names {
		if n != "" && (n == o.Name || slices.Contains(o.Aliases, n)) {
			return true
		}
	}
	return false
}

// ParseOperations reads an operations list: one operation a line, "NAME [ALIAS ...]"; blank lines and text after
// '#' are ignored.
func ParseOperations(data []byte) ([]Operation, error) {
	var ops []Operation
	seen := map[string]int{}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")) // a UTF-8 BOM some editors write
	scanner := bufio.NewScanner(bytes.NewReader(data))
	for line := 1; scanner.Scan(); line++ {
		text, _, _ := strings.Cut(scanner.Text(), "#")
		fields := strings.Fields(text)
		if len(fields) == 0 {
			continue
		}
		for _, name := range fields {
			if prev, dup := seen[name]; dup {
				return nil, fmt.Errorf("line %d: operation name %q already used on line %d", line, name, prev)
			}
			seen[name] = line
		}
		ops = append(ops, Operation{Name: fields[0], Aliases: fields[1:], Line: line})
	}
	if err := scanner.Err(); err != nil {
		return nil, err
	}
	if len(ops) == 0 {
		return nil, errors.New("the operations list names no operation")
	}
	return ops, nil
}

// Options say what to keep and how to correct it.
type Options struct {
	Operations []Operation
	// Overlay, when not nil, is applied to the trimmed document (OpenAPI Overlay 1.x; every action must hit).
	Overlay *overlay.Overlay
	// Description replaces info.description (upstream's is about the whole API).
	Description string
	// ListName names the operations list in errors ("api/operations.txt"), which then say LIST:LINE.
	ListName string
	// Versioned requires the combined, every-version Atlas spec: each kept operation names its resource versions
	// (application/vnd.atlas.YYYY-MM-DD+json), and upstream is not a per-version cut (see checkVersioned).
	Versioned bool
	// Previous is the document trimmed last time (the committed api/openapi.yaml), if any: when a listed
	// operation is missing, the names upstream now gives the operation on its method and path are suggested.
	Previous []byte
}

// Result is a trimmed document and what the trimmer removed from upstream on the way.
type Result struct {
	Document []byte
	// Stripped lists the code-generator extensions (and the pipeline's own keys) upstream set in the parts kept,
	// as dotted paths (components.schemas.TargetOrg.x-go-type-import): removed, since only api/gen-overlay.yaml may
	// steer code generation.
	Stripped []string
}

var httpMethods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

// topLevelKept are the root keys a trimmed document keeps; other root keys (x-topics, say) describe the whole API.
var topLevelKept = []string{"openapi", "info", "servers", "security", "paths", "components", "tags"}

// Trim returns the trimmed, corrected and validated document.
func Trim(upstream []byte, opts Options) ([]byte, error) {
	r, err := Run(upstream, opts)
	if err != nil {
		return nil, err
	}
	return r.Document, nil
}

// Run trims like Trim and also says what it removed from upstream.
func Run(upstream []byte, opts Options) (*Result, error) {
	if len(opts.Operations) == 0 {
		return nil, errors.New("no operations to keep")
	}
	if start := bytes.TrimLeft(bytes.TrimPrefix(upstream, []byte("\xef\xbb\xbf")), " \t\r\n"); len(start) > 0 && (start[0] == '{' || start[0] == '[') {
		return nil, errors.New("upstream is JSON (v2.json?): its trimmed form would be JSON-style YAML nobody can diff against the committed one; use the YAML twin published beside it (v2.yaml)")
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(upstream, &doc); err != nil {
		return nil, fmt.Errorf("upstream is not YAML: %w", err)
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, errors.New("upstream is not an OpenAPI document: no top-level mapping")
	}
	if hasAlias(&doc) {
		// Aliases could point into parts the trim drops; OpenAPI documents, Atlas' included, do not use them.
		return nil, errors.New("upstream uses YAML anchors and aliases, which trimspec does not follow")
	}
	root := doc.Content[0]
	if v := get(root, "openapi"); v == nil || !strings.HasPrefix(v.Value, "3.") {
		return nil, errors.New("upstream is not an OpenAPI 3 document: no openapi: 3.x")
	}
	paths := get(root, "paths")
	if paths == nil || paths.Kind != yaml.MappingNode {
		return nil, errors.New("upstream has no paths")
	}
	if opts.Versioned {
		if err := checkVersioned(root, paths); err != nil {
			return nil, err
		}
	}
	// Before anything is selected or copied: upstream's code-generator extensions (and the keys the trimmer writes
	// itself) go, wherever they are; those in the kept parts are reported below.
	removed := stripExtensions(root)
	components := get(root, "components")

	c := &collector{components: components, refs: map[string]bool{}, schemes: map[string]bool{}, tags: map[string]bool{}}
	newPaths, err := c.selectOperations(paths, opts.Operations, opts.ListName, previousRoutes(opts.Previous), previousTags(opts.Previous))
	if err != nil {
		return nil, err
	}
	if opts.Versioned {
		if err := unversioned(newPaths); err != nil {
			return nil, err
		}
	}
	if err := c.complete(root, newPaths); err != nil {
		return nil, fmt.Errorf("upstream looks truncated or incomplete: %w", err)
	}
	if sec := get(root, "security"); sec != nil {
		c.security(sec)
	}
	if err := c.closure(); err != nil {
		return nil, err
	}

	sum := sha256.Sum256(upstream)
	out := &yaml.Node{Kind: yaml.MappingNode}
	for _, pair := range pairs(root) {
		key := pair[0].Value
		if !slices.Contains(topLevelKept, key) {
			continue
		}
		value := pair[1]
		switch key {
		case "paths":
			value = newPaths
		case "components":
			value = c.keptComponents()
			if len(value.Content) == 0 {
				continue
			}
		case "tags":
			value = c.keptTags(value)
			if len(value.Content) == 0 {
				continue
			}
		case "info":
			value = trimmedInfo(value, opts.Description, hex.EncodeToString(sum[:]))
		}
		out.Content = append(out.Content, pair[0], value)
	}
	result := &yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{out}}

	var corrections []string
	var kept []string
	for _, r := range removed {
		if c.kept(r.at, newPaths) {
			kept = append(kept, r.String())
		}
	}
	if opts.Overlay != nil {
		var own []string // the keys the trimmer wrote, before the overlay
		for _, s := range stripExtensions(deepCopy(result.Content[0])) {
			own = append(own, s.String())
		}
		if err := opts.Overlay.Validate(); err != nil {
			return nil, fmt.Errorf("overlay: %w", err)
		}
		if err := overlayPathsExist(opts.Overlay, get(out, "paths"), previousRoutes(opts.Previous)); err != nil {
			return nil, err
		}
		warnings, err := opts.Overlay.ApplyToStrict(result)
		if err != nil {
			return nil, fmt.Errorf("overlay (api/overlay.yaml): %w: a local correction no longer applies to what upstream now says, perhaps because upstream "+
				"made the correction itself: compare each action with the new upstream, then change it or remove it (an overlay with no actions, or no file, is allowed)", err)
		}
		if len(warnings) > 0 {
			return nil, fmt.Errorf("overlay: %s", strings.Join(warnings, "; "))
		}
		for _, action := range opts.Overlay.Actions {
			if action.Description != "" {
				corrections = append(corrections, action.Description)
			}
		}
		// The local corrections may fix what upstream says, not steer the generator: Go naming belongs in
		// api/gen-overlay.yaml, which oapi-codegen applies itself.
		var where []string
		for _, s := range stripExtensions(deepCopy(result.Content[0])) {
			if !slices.Contains(own, s.String()) {
				where = append(where, s.String())
			}
		}
		if len(where) > 0 {
			return nil, fmt.Errorf("overlay sets %s: code-generator extensions belong in api/gen-overlay.yaml (Go naming), and the trimmer writes its own keys; the local corrections may only correct what upstream says", strings.Join(where, ", "))
		}
	}
	result.HeadComment = header(hex.EncodeToString(sum[:]), opts.Operations, corrections)

	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(4) // upstream's indentation
	if err := enc.Encode(result); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	if err := validate(buf.Bytes()); err != nil {
		if strings.Contains(err.Error(), "conflicting paths") {
			err = fmt.Errorf("%w (upstream declares the same path template twice with different parameter names, e.g. {name} and {sampleDatasetId} at one position; OpenAPI 3 forbids that and so does every router: trim such operations apart, or correct one path in api/overlay.yaml)", err)
		}
		return nil, fmt.Errorf("trimmed document is invalid: %w", err)
	}
	return &Result{Document: buf.Bytes(), Stripped: kept}, nil
}

// kept reports whether the object at path (in upstream) made it into the trimmed document.
func (c *collector) kept(at []string, newPaths *yaml.Node) bool {
	if len(at) == 0 {
		return true // the root
	}
	switch at[0] {
	case "paths":
		if len(at) == 1 {
			return false // paths-level extensions are not kept
		}
		item := get(newPaths, at[1])
		if item == nil {
			return false
		}
		return len(at) == 2 || !slices.Contains(httpMethods, at[2]) || get(item, at[2]) != nil
	case "components":
		if len(at) < 3 {
			return false
		}
		return c.refs[at[1]+"/"+escape(at[2])] || (at[1] == "securitySchemes" && c.schemes[at[2]])
	}
	return slices.Contains(topLevelKept, at[0])
}

// unversioned refuses kept operations that name no resource version.
func unversioned(paths *yaml.Node) error {
	var problems []string
	for _, pathPair := range pairs(paths) {
		for _, pair := range pairs(pathPair[1]) {
			if slices.Contains(httpMethods, pair[0].Value) && len(operationVersions(pair[1])) == 0 {
				problems = append(problems, fmt.Sprintf("%s (%s %s)", scalar(get(pair[1], "operationId")), strings.ToUpper(pair[0].Value), pathPair[0].Value))
			}
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("%s name no versioned media type (application/vnd.atlas.YYYY-MM-DD+json with x-xgen-version) in their request or answers: the library and the CLI would not know which version to send; upstream's version markers are missing", strings.Join(problems, ", "))
	}
	return nil
}

func header(sha string, ops []Operation, corrections []string) string {
	names := make([]string, len(ops))
	for i, op := range ops {
		names[i] = op.Name
	}
	lines := []string{
		"Code generated by api/cmd/trimspec from the MongoDB Atlas Administration API v2 spec; DO NOT EDIT.",
		"Regenerate with: make update-spec UPSTREAM=path/to/v2.yaml (see README). Licence: CC BY-NC-SA 3.0 US (info.license).",
		"Upstream file sha256 " + sha + " (also info.x-upstream-sha256).",
		"Operations (api/operations.txt): " + strings.Join(names, ", ") + ".",
	}
	if len(corrections) > 0 {
		lines = append(lines, "Local corrections (api/overlay.yaml):")
		for _, c := range corrections {
			lines = append(lines, "  - "+c)
		}
	}
	return strings.Join(lines, "\n")
}

// validate loads the document with kin-openapi and checks it against the OpenAPI 3 rules.
func validate(data []byte) error {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(data)
	if err != nil {
		return err
	}
	// Patterns Go cannot compile (lookaheads) are skipped, not fatal: see api.CompilePattern.
	return doc.Validate(context.Background(), openapi3.SetRegexCompiler(api.CompilePattern))
}

// overlayTarget is the path and method an overlay action aims at: $.paths['/a/{b}'].post….
var overlayTarget = regexp.MustCompile(`^\$\.paths\['([^']+)'\](?:\.([a-z]+))?`)

// overlayPathsExist refuses, before the overlay's own "did not match any targets", an action aimed at a path the
// trimmed document no longer has (upstream moved the operation), naming the action and where to re-aim it: where
// the operation that stood there in the previous document (previous: operationId → "METHOD /path") is now, or else
// the paths of the trimmed document nearest to it that hold the same method.
func overlayPathsExist(o *overlay.Overlay, paths *yaml.Node, previous map[string]string) error {
	have := map[string][]string{} // path → its methods
	now := map[string]string{}    // operationId → "METHOD /path" in the trimmed document
	var all []string
	for _, pair := range pairs(paths) {
		all = append(all, pair[0].Value)
		for _, op := range pairs(pair[1]) {
			have[pair[0].Value] = append(have[pair[0].Value], op[0].Value)
			if id := scalar(get(op[1], "operationId")); id != "" {
				now[id] = strings.ToUpper(op[0].Value) + " " + pair[0].Value
			}
		}
	}
	var problems []string
	seen := map[string]bool{}
	for i, action := range o.Actions {
		for _, target := range []string{action.Target, action.Copy} {
			m := overlayTarget.FindStringSubmatch(target)
			if m == nil || have[m[1]] != nil || seen[m[1]] {
				continue
			}
			seen[m[1]] = true
			moved := ""
			for id, route := range previous {
				if _, path, _ := strings.Cut(route, " "); path == m[1] && (m[2] == "" || strings.EqualFold(route[:len(route)-len(path)-1], m[2])) && now[id] != "" {
					moved = id + " (" + route + " in the previous document) is now " + now[id]
				}
			}
			if moved != "" {
				problems = append(problems, fmt.Sprintf("action %d (%s) targets the path %s, which the trimmed document does not have: %s; re-aim the action there", i+1, cmp.Or(action.Description, target), m[1], moved))
				continue
			}
			var near []string
			for _, p := range nearest([]string{m[1]}, all) {
				if m[2] == "" || slices.Contains(have[p], m[2]) {
					near = append(near, p)
				}
			}
			for _, shape := range []bool{true, false} { // the same shape first, else any path with the method (a few)
				var same []string
				for _, p := range all {
					if len(near) == 0 && m[2] != "" && slices.Contains(have[p], m[2]) && (!shape || api.PathShape(p) == api.PathShape(m[1])) {
						same = append(same, p)
					}
				}
				if len(same) <= 3 {
					near = append(near, same...)
				}
			}
			hint := "no path of the trimmed document is near it: drop the action if its operation is gone"
			if len(near) > 0 {
				hint = "re-aim it at " + strings.Join(near, " or ") + " if upstream moved the operation there"
			}
			problems = append(problems, fmt.Sprintf("action %d (%s) targets the path %s, which the trimmed document does not have: %s", i+1, cmp.Or(action.Description, target), m[1], hint))
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("overlay (api/overlay.yaml): %s", strings.Join(problems, "; "))
	}
	return nil
}

// nearest returns the known names closest to any of names (edit distance at most 3, or a case-insensitive match),
// best first, at most three.
func nearest(names, known []string) []string {
	type candidate struct {
		name string
		dist int
	}
	var found []candidate
	for _, k := range known {
		if k == "" {
			continue
		}
		best := 1 << 30
		for _, n := range names {
			d := textdist.Levenshtein(strings.ToLower(n), strings.ToLower(k))
			best = min(best, d)
		}
		if best <= 3 && !slices.ContainsFunc(found, func(c candidate) bool { return c.name == k }) {
			found = append(found, candidate{k, best})
		}
	}
	slices.SortFunc(found, func(a, b candidate) int { return cmp.Or(cmp.Compare(a.dist, b.dist), cmp.Compare(a.name, b.name)) })
	var out []string
	for i := 0; i < len(found) && i < 3; i++ {
		out = append(out, found[i].name)
	}
	return out
}

// collector gathers what the chosen operations reference, transitively.
type collector struct {
	components *yaml.Node
	refs       map[string]bool // "kind/name" of referenced components
	queue      []string
	schemes    map[string]bool // security scheme names
	tags       map[string]bool
}

// complete checks that upstream holds what the kept operations need beyond their $refs, which closure checks: a
// document cut short (a truncated download) still parses as YAML, but lacks its servers, its security schemes or
// the tags the operations name, and would trim to a document missing them.
func (c *collector) complete(root, paths *yaml.Node) error {
	var missing []string
	if servers := get(root, "servers"); servers == nil || servers.Kind != yaml.SequenceNode || len(servers.Content) == 0 {
		missing = append(missing, "servers")
	}
	info := get(root, "info")
	for _, key := range []string{"title", "version"} {
		if scalar(get(info, key)) == "" {
			missing = append(missing, "info."+key)
		}
	}
	global := get(root, "security")
	for _, pathPair := range pairs(paths) {
		for _, pair := range pairs(pathPair[1]) {
			if !slices.Contains(httpMethods, pair[0].Value) {
				continue
			}
			if own := get(pair[1], "security"); own == nil && (global == nil || len(global.Content) == 0) {
				missing = append(missing, fmt.Sprintf("security for %s %s (no security of its own, no top-level security)", strings.ToUpper(pair[0].Value), pathPair[0].Value))
			}
		}
	}
	defined := map[string]bool{}
	for _, tag := range sequence(get(root, "tags")) {
		defined[scalar(get(tag, "name"))] = true
	}
	for _, name := range slices.Sorted(maps.Keys(c.tags)) {
		if !defined[name] {
			missing = append(missing, fmt.Sprintf("tag %q (used by the operations, not in the top-level tags)", name))
		}
	}
	for _, name := range slices.Sorted(maps.Keys(c.schemes)) {
		if c.component("securitySchemes/"+escape(name)) == nil {
			missing = append(missing, fmt.Sprintf("security scheme %q", name))
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("it lacks %s", strings.Join(missing, ", "))
	}
	return nil
}

// selectOperations returns a paths mapping holding only the wanted operations, renamed, and records their refs.
// Unknown names are reported against listName:LINE, with the nearest upstream names.
func (c *collector) selectOperations(paths *yaml.Node, wanted []Operation, listName string, previous map[string]string, prevTags map[string][]string) (*yaml.Node, error) {
	var known []string               // every operationId and override upstream, for "did you mean"
	onRoute := map[string][]string{} // "POST /path" → the names upstream gives the operation there
	found := make([][]string, len(wanted))
	out := &yaml.Node{Kind: yaml.MappingNode}
	for _, pathPair := range pairs(paths) {
		item := pathPair[1]
		var kept []*yaml.Node
		for _, pair := range pairs(item) {
			method := pair[0].Value
			if !slices.Contains(httpMethods, method) {
				continue
			}
			op := pair[1]
			id, override := scalar(get(op, "operationId")), scalar(get(op, "x-xgen-operation-id-override"))
			known = append(known, id, override)
			route := strings.ToUpper(method) + " " + pathPair[0].Value
			for _, n := range []string{id, override} {
				if n != "" && !slices.Contains(onRoute[route], n) {
					onRoute[route] = append(onRoute[route], n)
				}
			}
			matchedBy := -1
			for i, w := range wanted {
				if !w.matches(id, override) {
					continue
				}
				if matchedBy >= 0 {
					return nil, fmt.Errorf("operations %q and %q both match %s %s", wanted[matchedBy].Name, w.Name, strings.ToUpper(method), pathPair[0].Value)
				}
				matchedBy = i
				found[i] = append(found[i], strings.ToUpper(method)+" "+pathPair[0].Value)
				renamed := deepCopy(op)
				if v := get(renamed, "operationId"); v != nil {
					v.Value = w.Name
				}
				// Keep the names users know the operation by: upstream's operationId (the official CLI accepts it as
				// an alias) and our list's aliases, for the CLI to derive its aliases from the document.
				if id != "" && id != w.Name {
					set(renamed, "x-upstream-operation-id", id)
				}
				if len(w.Aliases) > 0 {
					seq := &yaml.Node{Kind: yaml.SequenceNode}
					for _, a := range w.Aliases {
						seq.Content = append(seq.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: a})
					}
					renamed.Content = append(renamed.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: "x-operation-aliases"}, seq)
				}
				// The tags the operation had before (its CLI group's earlier names), when upstream renamed it.
				tag := ""
				if tags := get(renamed, "tags"); tags != nil && tags.Kind == yaml.SequenceNode && len(tags.Content) > 0 {
					tag = tags.Content[0].Value
				}
				seq := &yaml.Node{Kind: yaml.SequenceNode}
				for _, t := range prevTags[w.Name] {
					if t != tag && !slices.ContainsFunc(seq.Content, func(n *yaml.Node) bool { return n.Value == t }) {
						seq.Content = append(seq.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: t})
					}
				}
				if len(seq.Content) > 0 {
					renamed.Content = append(renamed.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: "x-previous-tags"}, seq)
				}
				kept = append(kept, pair[0], renamed)
			}
		}
		if len(kept) == 0 {
			continue
		}
		newItem := &yaml.Node{Kind: yaml.MappingNode}
		for _, pair := range pairs(item) {
			if slices.Contains(httpMethods, pair[0].Value) {
				if i := slices.Index(kept, pair[0]); i >= 0 {
					newItem.Content = append(newItem.Content, kept[i], kept[i+1])
				}
				continue
			}
			newItem.Content = append(newItem.Content, pair[0], pair[1]) // path-level parameters, summary, ...
		}
		c.walk(newItem)
		out.Content = append(out.Content, pathPair[0], newItem)
	}
	var problems []string
	for i, w := range wanted {
		switch len(found[i]) {
		case 0:
			where := ""
			if listName != "" && w.Line > 0 {
				where = fmt.Sprintf("%s:%d: ", listName, w.Line)
			}
			problem := fmt.Sprintf("%sunknown operation %q: no operationId or x-xgen-operation-id-override matches %s", where, w.Name, strings.Join(append([]string{w.Name}, w.Aliases...), " or "))
			route := previous[w.Name]
			if names := onRoute[route]; route != "" && len(names) > 0 {
				// The operation is still where it was: upstream renamed it.
				problem += fmt.Sprintf("; upstream's %s, which api/openapi.yaml has as %s, is now named %s: add the new name to the line as an alias (%s %s)",
					route, w.Name, strings.Join(names, " or "), strings.Join(append([]string{w.Name}, w.Aliases...), " "), names[0])
			} else if near := nearest(append([]string{w.Name}, w.Aliases...), known); len(near) > 0 {
				problem += "; did you mean " + strings.Join(near, " or ") + "?"
			}
			problems = append(problems, problem)
		case 1:
		default:
			problems = append(problems, fmt.Sprintf("operation %q matches %d operations: %s", w.Name, len(found[i]), strings.Join(found[i], ", ")))
		}
	}
	if len(problems) > 0 {
		return nil, errors.New(strings.Join(problems, "; "))
	}
	return out, nil
}

// previousRoutes maps each operationId of a previously trimmed document to its "METHOD /path".
func previousRoutes(doc []byte) map[string]string {
	routes := map[string]string{}
	var n yaml.Node
	if len(doc) == 0 || yaml.Unmarshal(doc, &n) != nil || len(n.Content) == 0 {
		return routes
	}
	for _, pathPair := range pairs(get(n.Content[0], "paths")) {
		for _, pair := range pairs(pathPair[1]) {
			if id := scalar(get(pair[1], "operationId")); id != "" && slices.Contains(httpMethods, pair[0].Value) {
				routes[id] = strings.ToUpper(pair[0].Value) + " " + pathPair[0].Value
			}
		}
	}
	return routes
}

// previousTags maps each operationId of a previously trimmed document to its first tag and the tags it had before
// that (x-previous-tags), so that a tag upstream renames stays known (the CLI keeps the old group as an alias).
func previousTags(doc []byte) map[string][]string {
	tags := map[string][]string{}
	var n yaml.Node
	if len(doc) == 0 || yaml.Unmarshal(doc, &n) != nil || len(n.Content) == 0 {
		return tags
	}
	for _, pathPair := range pairs(get(n.Content[0], "paths")) {
		for _, pair := range pairs(pathPair[1]) {
			id := scalar(get(pair[1], "operationId"))
			if id == "" || !slices.Contains(httpMethods, pair[0].Value) {
				continue
			}
			for _, key := range []string{"tags", "x-previous-tags"} {
				if seq := get(pair[1], key); seq != nil && seq.Kind == yaml.SequenceNode {
					for i, t := range seq.Content {
						if t.Kind == yaml.ScalarNode && (key == "x-previous-tags" || i == 0) {
							tags[id] = append(tags[id], t.Value)
						}
					}
				}
			}
		}
	}
	return tags
}

// walk records every $ref, security requirement and tag below n.
func (c *collector) walk(n *yaml.Node) {
	switch n.Kind {
	case yaml.MappingNode:
		for _, pair := range pairs(n) {
			switch key := pair[0].Value; {
			case key == "$ref" && pair[1].Kind == yaml.ScalarNode:
				c.ref(pair[1].Value)
			case key == "security" && pair[1].Kind == yaml.SequenceNode:
				c.security(pair[1])
			case key == "tags" && pair[1].Kind == yaml.SequenceNode:
				for _, t := range pair[1].Content {
					c.tags[t.Value] = true
				}
			default:
				c.walk(pair[1])
			}
		}
	case yaml.SequenceNode:
		for _, item := range n.Content {
			c.walk(item)
		}
	}
}

func (c *collector) ref(ref string) {
	key, ok := strings.CutPrefix(ref, "#/components/")
	if !ok {
		c.refs["!"+ref] = true // reported by closure
		return
	}
	if !c.refs[key] {
		c.refs[key] = true
		c.queue = append(c.queue, key)
	}
}

func (c *collector) security(requirements *yaml.Node) {
	for _, req := range requirements.Content {
		for _, pair := range pairs(req) {
			c.schemes[pair[0].Value] = true
		}
	}
}

// closure follows references until nothing new turns up; cycles end because each component is visited once.
func (c *collector) closure() error {
	for key := range c.refs {
		if strings.HasPrefix(key, "!") {
			return fmt.Errorf("unsupported $ref %q: only local #/components/... references are followed", key[1:])
		}
	}
	for len(c.queue) > 0 {
		key := c.queue[0]
		c.queue = c.queue[1:]
		node := c.component(key)
		if node == nil {
			return fmt.Errorf("dangling $ref #/components/%s", key)
		}
		c.walk(node)
		for k := range c.refs {
			if strings.HasPrefix(k, "!") {
				return fmt.Errorf("unsupported $ref %q in #/components/%s", k[1:], key)
			}
		}
	}
	for name := range c.schemes {
		if c.component("securitySchemes/"+escape(name)) == nil {
			return fmt.Errorf("security requirement names undefined scheme %q", name)
		}
	}
	return nil
}

// component finds #/components/kind/name (name JSON-pointer escaped).
func (c *collector) component(key string) *yaml.Node {
	kind, name, ok := strings.Cut(key, "/")
	if !ok || c.components == nil {
		return nil
	}
	return get(get(c.components, kind), unescape(name))
}

// keptComponents is upstream's components mapping with only referenced entries, in upstream order.
func (c *collector) keptComponents() *yaml.Node {
	out := &yaml.Node{Kind: yaml.MappingNode}
	for _, kindPair := range pairs(c.components) {
		kind := kindPair[0].Value
		kept := &yaml.Node{Kind: yaml.MappingNode}
		for _, pair := range pairs(kindPair[1]) {
			name := pair[0].Value
			if c.refs[kind+"/"+escape(name)] || (kind == "securitySchemes" && c.schemes[name]) {
				kept.Content = append(kept.Content, pair[0], pair[1])
			}
		}
		if len(kept.Content) > 0 {
			out.Content = append(out.Content, kindPair[0], kept)
		}
	}
	return out
}

func (c *collector) keptTags(tags *yaml.Node) *yaml.Node {
	out := &yaml.Node{Kind: yaml.SequenceNode}
	for _, tag := range tags.Content {
		if c.tags[scalar(get(tag, "name"))] {
			out.Content = append(out.Content, tag)
		}
	}
	return out
}

// trimmedInfo copies info with a new description and the upstream file's sha256, keys sorted as upstream's are.
func trimmedInfo(info *yaml.Node, description, sha string) *yaml.Node {
	out := deepCopy(info)
	set(out, "x-upstream-sha256", sha)
	if description != "" {
		set(out, "description", description)
	}
	ps := pairs(out)
	slices.SortStableFunc(ps, func(a, b [2]*yaml.Node) int { return cmp.Compare(a[0].Value, b[0].Value) })
	out.Content = out.Content[:0]
	for _, p := range ps {
		out.Content = append(out.Content, p[0], p[1])
	}
	return out
}

func hasAlias(n *yaml.Node) bool {
	if n.Kind == yaml.AliasNode || n.Anchor != "" {
		return true
	}
	for _, c := range n.Content {
		if hasAlias(c) {
			return true
		}
	}
	return false
}

func set(m *yaml.Node, key, value string) {
	if v := get(m, key); v != nil {
		*v = yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: value}
		return
	}
	m.Content = append(m.Content,
		&yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: key},
		&yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: value})
}

func deepCopy(n *yaml.Node) *yaml.Node {
	if n == nil {
		return nil
	}
	c := *n
	c.Content = make([]*yaml.Node, len(n.Content))
	for i, child := range n.Content {
		c.Content[i] = deepCopy(child)
	}
	return &c
}

// escape and unescape convert between component names and JSON-pointer segments (RFC 6901).
func escape(s string) string { return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1") }
func unescape(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "~1", "/"), "~0", "~")
}
