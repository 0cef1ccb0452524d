package main

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/atlas-linktoken/atlas-linktoken/api"
)

// The semantic comparison: what the product acts on (versions, x-sunset dates, actions, roles, names, enums,
// deprecation) and the documentation, read from the two documents' YAML trees. oasdiff judges the schemas' and
// parameters' compatibility; it does not see Atlas' extensions, and it reports a change to a shared schema once per
// operation, status and media type. Here each change is found once, where it is, and charged to the operations that
// use it.

// doc is a trimmed document: its tree and, per operation, what it references.
type doc struct {
	root *yaml.Node
	ops  map[string]*operation // by operationId
	uses map[string][]string   // "schemas/Name" (a component) → the operationIds whose closure holds it
}

type operation struct {
	id, method, path string
	node             *yaml.Node
}

func parseDoc(data []byte) (*doc, error) {
	var n yaml.Node
	if err := yaml.Unmarshal(data, &n); err != nil {
		return nil, err
	}
	if n.Kind != yaml.DocumentNode || len(n.Content) != 1 || n.Content[0].Kind != yaml.MappingNode {
		return nil, fmt.Errorf("not an OpenAPI document")
	}
	d := &doc{root: n.Content[0], ops: map[string]*operation{}, uses: map[string][]string{}}
	components := get(d.root, "components")
	for _, pathPair := range pairs(get(d.root, "paths")) {
		for _, pair := range pairs(pathPair[1]) {
			if !slices.Contains(httpMethods, pair[0].Value) {
				continue
			}
			id := scalar(get(pair[1], "operationId"))
			if id == "" {
				id = strings.ToUpper(pair[0].Value) + " " + pathPair[0].Value
			}
			d.ops[id] = &operation{id: id, method: strings.ToUpper(pair[0].Value), path: pathPair[0].Value, node: pair[1]}
			// The components the operation reaches, through its own and its path's $refs.
			seen := map[string]bool{}
			var queue []string
			var refs func(n *yaml.Node)
			refs = func(n *yaml.Node) {
				if n == nil {
					return
				}
				if n.Kind == yaml.MappingNode {
					if ref := scalar(get(n, "$ref")); strings.HasPrefix(ref, "#/components/") {
						key := strings.TrimPrefix(ref, "#/components/")
						if !seen[key] {
							seen[key] = true
							queue = append(queue, key)
						}
					}
				}
				for _, c := range n.Content {
					refs(c)
				}
			}
			refs(pair[1])
			refs(get(pathPair[1], "parameters"))
			for len(queue) > 0 {
				key := queue[0]
				queue = queue[1:]
				kind, name, _ := strings.Cut(key, "/")
				refs(get(get(components, kind), name))
			}
			for key := range seen {
				d.uses[key] = append(d.uses[key], id)
			}
		}
	}
	for key := range d.uses {
		slices.Sort(d.uses[key])
	}
	return d, nil
}

var httpMethods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

// versionedMediaType matches Atlas' versioned media types.
var versionedMediaType = regexp.MustCompile(`^application/vnd\.atlas\.(\d{4}-\d{2}-\d{2})\+[a-z]+$`)

// versions maps each resource version an operation names (request body and inline answers) to its x-sunset date
// ("" when none; the latest when its media types disagree).
func (o *operation) versions() map[string]string {
	out := map[string]string{}
	add := func(content *yaml.Node) {
		for _, pair := range pairs(content) {
			if m := versionedMediaType.FindStringSubmatch(pair[0].Value); m != nil {
				out[m[1]] = max(out[m[1]], scalar(get(pair[1], "x-sunset")))
			}
		}
	}
	add(get(get(o.node, "requestBody"), "content"))
	for _, pair := range pairs(get(o.node, "responses")) {
		add(get(pair[1], "content"))
	}
	return out
}

// isAction reports x-xgen-method-verb-override customMethod: true, which makes the library and CLI treat the
// operation as an action (never retried, whatever its HTTP method).
func isAction(op *yaml.Node) bool {
	b, _ := strconv.ParseBool(scalar(get(get(op, "x-xgen-method-verb-override"), "customMethod")))
	return b
}

// semantic compares the operations present in both documents and walks both trees for enums, deprecation and
// documentation. versionsGone lists, per operation, the versions it lost or gained, whose oasdiff media-type lines
// the version entries replace.
func semantic(old, new *doc) (changes []*change, versionsMoved map[string][]string) {
	versionsMoved = map[string][]string{}
	for _, id := range slices.Sorted(maps.Keys(new.ops)) {
		o, n := old.ops[id], new.ops[id]
		if o == nil {
			continue // an added operation: oasdiff says "endpoint added"
		}
		ops := []string{id}
		ov, nv := o.versions(), n.versions()
		for _, v := range slices.Sorted(maps.Keys(nv)) {
			if _, ok := ov[v]; ok {
				continue
			}
			versionsMoved[id] = append(versionsMoved[id], v)
			text := fmt.Sprintf("new resource version %s (the library's typed calls stay on the versions their Go types were written for, pkg/atlas/versions.go typedVersions; `atlas api` can send it with --version %s)", v, v)
			if nv[v] != "" {
				text += fmt.Sprintf("; it announces an x-sunset of %s", nv[v])
			}
			changes = append(changes, &change{section: behavioural, kind: "versions", ops: ops, text: text})
		}
		for _, v := range slices.Sorted(maps.Keys(ov)) {
			if _, ok := nv[v]; ok {
				if ov[v] != nv[v] {
					changes = append(changes, &change{section: behavioural, kind: "sunsets", ops: ops, text: sunsetText(v, ov[v], nv[v])})
				}
				continue
			}
			versionsMoved[id] = append(versionsMoved[id], v)
			changes = append(changes, &change{section: breaking, id: "version-removed:" + id + ":" + v, ops: ops, kind: "versions",
				text: fmt.Sprintf("resource version %s removed: calls sending it will be refused. Before accepting, stop using it: %s in pkg/atlas/versions.go typedVersions, the typed methods and Go types written for it, and the api/gen-overlay.yaml pins of schemas only it used", v, id),
			})
		}
		if c := routeChange(id, o, n); c != nil {
			changes = append(changes, c)
		}
		if isAction(o.node) && !isAction(n.node) {
			changes = append(changes, &change{section: breaking, id: "action-removed:" + id, ops: ops, kind: "actions",
				text: fmt.Sprintf("no longer an action: upstream dropped x-xgen-method-verb-override customMethod from %s %s, so the library and CLI would treat it as an idempotent %s and retry it after a network error; if upstream did not mean it, restore the extension with an action in api/overlay.yaml instead of accepting", n.method, n.path, n.method),
			})
		} else if !isAction(o.node) && isAction(n.node) {
			changes = append(changes, &change{section: behavioural, kind: "actions", ops: ops,
				text: "now an action (x-xgen-method-verb-override customMethod: true): the library and CLI no longer retry it"})
		} else if a, b := render(get(o.node, "x-xgen-method-verb-override")), render(get(n.node, "x-xgen-method-verb-override")); a != b {
			changes = append(changes, &change{section: behavioural, kind: "actions", ops: ops, text: fmt.Sprintf("x-xgen-method-verb-override %s → %s", a, b)})
		}
		if a, b := firstTag(o.node), firstTag(n.node); a != b {
			changes = append(changes, &change{section: behavioural, kind: "names", ops: ops, text: fmt.Sprintf(
				"tag %q → %q: the CLI's `atlas api` group follows it; the old group stays an alias (x-previous-tags)", a, b)})
		}
		if a, b := render(get(o.node, "x-rolesRequirements")), render(get(n.node, "x-rolesRequirements")); a != b {
			changes = append(changes, &change{section: behavioural, kind: "roles", ops: ops, text: fmt.Sprintf("roles required (x-rolesRequirements) %s → %s", a, b)})
		}
		for _, ext := range []struct{ key, what string }{
			{"x-xgen-operation-id-override", "upstream's short name (x-xgen-operation-id-override, a CLI alias)"},
			{"x-upstream-operation-id", "upstream's operationId (a CLI alias)"},
			{"x-operation-aliases", "aliases from api/operations.txt"},
		} {
			if a, b := render(get(o.node, ext.key)), render(get(n.node, ext.key)); a != b {
				changes = append(changes, &change{section: behavioural, kind: "names", ops: ops, text: fmt.Sprintf("%s %s → %s", ext.what, a, b)})
			}
		}
	}
	w := walker{old: old, new: new}
	w.walk(nil, old.root, new.root)
	return append(changes, w.changes...), versionsMoved
}

// routeChange is the breaking change of an operation whose method or path template changed (oasdiff sees an
// endpoint removed and another added), saying what follows from it; nil when neither changed.
func routeChange(id string, o, n *operation) *change {
	ops := []string{id}
	switch {
	case o.method == n.method && o.path == n.path:
		return nil
	case o.method != n.method && o.path == n.path:
		return &change{section: breaking, id: "method-changed:" + id, ops: ops, kind: "route", text: fmt.Sprintf(
			"HTTP method %s → %s on %s: the generated client, `atlas api` and the emulator follow the document (retries follow the new method unless it is an action); the library's typed call and scripts sending %s must change",
			o.method, n.method, n.path, o.method)}
	case o.method == n.method && api.PathShape(o.path) == api.PathShape(n.path):
		oldNames, newNames := api.PathParams(o.path), api.PathParams(n.path)
		var renamed []string
		for i := range oldNames {
			if oldNames[i] != newNames[i] {
				renamed = append(renamed, oldNames[i]+" → "+newNames[i])
			}
		}
		return &change{section: breaking, id: "path-parameter-renamed:" + id, ops: ops, kind: "route", text: fmt.Sprintf(
			"path parameter renamed, %s (in %s): `atlas api` flags follow the new name, and only orgId and groupId are filled from the profile or environment (org_id, project_id); the emulator's and the library's code read parameters by name: check pkg/atlastest and pkg/atlas for the old one",
			strings.Join(renamed, ", "), n.path)}
	default:
		return &change{section: breaking, id: "route-changed:" + id, ops: ops, kind: "route", text: fmt.Sprintf(
			"moved: %s %s → %s %s; the generated client, `atlas api` and the emulator follow the document; tests, docs and scripts naming the old path must change (api/overlay.yaml actions aimed at it are refused by the trim)",
			o.method, o.path, n.method, n.path)}
	}
}

// firstTag is an operation's first tag: the one its CLI command group is named after.
func firstTag(op *yaml.Node) string {
	if tags := get(op, "tags"); tags != nil && len(tags.Content) > 0 {
		return scalar(tags.Content[0])
	}
	return ""
}

func sunsetText(version, old, new string) string {
	switch {
	case old == "":
		return fmt.Sprintf("version %s gets an x-sunset date: %s (the CLI warns when sending it, atlas.VersionSunset reports it)", version, new)
	case new == "":
		return fmt.Sprintf("version %s: x-sunset %s withdrawn", version, old)
	case new < old:
		return fmt.Sprintf("version %s: x-sunset moved EARLIER, %s → %s", version, old, new)
	}
	return fmt.Sprintf("version %s: x-sunset moved %s → %s", version, old, new)
}

// docKeys are the keys whose values are documentation only.
var docKeys = []string{"description", "summary", "title", "externalDocs", "example", "examples", "termsOfService",
	"license", "contact", "x-xgen-docs-url", "x-xgen-changelog"}

// walkSkip are keys handled per operation above, or that only identify the upstream file.
var walkSkip = []string{"x-rolesRequirements", "x-xgen-method-verb-override", "x-xgen-operation-id-override",
	"x-upstream-operation-id", "x-operation-aliases", "x-previous-tags", "x-sunset", "x-xgen-version", "x-upstream-sha256", "x-xgen-sha",
	"operationId"}

type walker struct {
	old, new *doc
	changes  []*change
}

// walk compares a and b, nodes at path in the old and new documents.
func (w *walker) walk(path []string, a, b *yaml.Node) {
	switch {
	case a == nil || b == nil:
		return // added or removed as a whole: oasdiff or the operation entries say so
	case a.Kind == yaml.MappingNode && b.Kind == yaml.MappingNode:
		keys := []string{}
		for _, p := range pairs(a) {
			keys = append(keys, p[0].Value)
		}
		for _, p := range pairs(b) {
			if !slices.Contains(keys, p[0].Value) {
				keys = append(keys, p[0].Value)
			}
		}
		for _, k := range keys {
			av, bv := get(a, k), get(b, k)
			at := append(slices.Clone(path), k)
			switch {
			case slices.Contains(walkSkip, k):
			case k == "enum":
				w.enum(path, av, bv)
			case k == "deprecated":
				if ad, bd := scalar(av) == "true", scalar(bv) == "true"; ad != bd {
					what := "no longer deprecated"
					if bd {
						what = "now deprecated"
					}
					w.add(behavioural, "deprecated", path, what)
				}
			case slices.Contains(docKeys, k) || strings.HasPrefix(k, "x-"):
				if ra, rb := render(av), render(bv); ra != rb {
					w.add(documentation, "", path, docText(k, av, bv, ra, rb))
				}
			default:
				w.walk(at, av, bv)
			}
		}
	case a.Kind == yaml.SequenceNode && b.Kind == yaml.SequenceNode:
		// Items matched by name and place (parameters), by $ref, else by position.
		key := func(n *yaml.Node) string {
			if name := scalar(get(n, "name")); name != "" {
				return "name:" + scalar(get(n, "in")) + ":" + name
			}
			if ref := scalar(get(n, "$ref")); ref != "" {
				return "ref:" + ref
			}
			return ""
		}
		for i, item := range a.Content {
			k := key(item)
			var match *yaml.Node
			if k != "" {
				for _, other := range b.Content {
					if key(other) == k {
						match = other
					}
				}
			} else if i < len(b.Content) && key(b.Content[i]) == "" {
				match = b.Content[i]
			}
			label := strconv.Itoa(i)
			if name := scalar(get(item, "name")); name != "" {
				label = name
			}
			w.walk(append(slices.Clone(path), label), item, match)
		}
	}
}

// enum reports a change of the enum at path: a removed value breaks (clients, and the Go constant generated for
// it), an added one is behavioural, a new order too (api/gen-overlay.yaml names constants by position).
func (w *walker) enum(path []string, a, b *yaml.Node) {
	var av, bv []string
	for _, n := range sequenceOf(a) {
		av = append(av, n.Value)
	}
	for _, n := range sequenceOf(b) {
		bv = append(bv, n.Value)
	}
	if slices.Equal(av, bv) || a == nil || b == nil {
		return // equal, or an enum added or removed as a whole: oasdiff's "became enum" checks
	}
	loc := shortLocation(path)
	for _, v := range av {
		if !slices.Contains(bv, v) {
			c := w.add(breaking, "enums", path, fmt.Sprintf("enum value %s removed from %s (its Go constant goes too: remove its name from the x-enum-varnames in api/gen-overlay.yaml when it has one)", v, loc))
			c.id = "enum-value-removed:" + loc + ":" + v
		}
	}
	var added []string
	for _, v := range bv {
		if !slices.Contains(av, v) {
			added = append(added, v)
		}
	}
	if len(added) > 0 {
		w.add(behavioural, "enums", path, fmt.Sprintf("enum values added to %s: %s", loc, strings.Join(added, ", ")))
	}
	var common, commonNew []string
	for _, v := range av {
		if slices.Contains(bv, v) {
			common = append(common, v)
		}
	}
	for _, v := range bv {
		if slices.Contains(av, v) {
			commonNew = append(commonNew, v)
		}
	}
	if !slices.Equal(common, commonNew) {
		w.add(behavioural, "enums", path, fmt.Sprintf("enum %s listed in another order: [%s] → [%s] (Go constants named by position in api/gen-overlay.yaml follow their values: see below)", loc, strings.Join(av, ", "), strings.Join(bv, ", ")))
	}
}

// add records a change at path, charged to the operations that use it.
func (w *walker) add(s section, kind string, path []string, text string) *change {
	c := &change{section: s, kind: kind, ops: w.operationsAt(path), text: text}
	if loc := shortLocation(path); loc != "" && !strings.Contains(text, loc) {
		c.text = loc + ": " + text
	}
	w.changes = append(w.changes, c)
	return c
}

// operationsAt are the operations a change at path concerns: the operation itself, the operations of a path item,
// or those using a component; nil for the whole document.
func (w *walker) operationsAt(path []string) []string {
	var out []string
	switch {
	case len(path) >= 3 && path[0] == "paths" && slices.Contains(httpMethods, path[2]):
		for _, d := range []*doc{w.new, w.old} {
			for id, o := range d.ops {
				if o.path == path[1] && strings.EqualFold(o.method, path[2]) && !slices.Contains(out, id) {
					out = append(out, id)
				}
			}
		}
	case len(path) >= 2 && path[0] == "paths":
		for _, d := range []*doc{w.new, w.old} {
			for id, o := range d.ops {
				if o.path == path[1] && !slices.Contains(out, id) {
					out = append(out, id)
				}
			}
		}
	case len(path) >= 3 && path[0] == "components":
		for _, d := range []*doc{w.new, w.old} {
			for _, id := range d.uses[path[1]+"/"+path[2]] {
				if !slices.Contains(out, id) {
					out = append(out, id)
				}
			}
		}
	}
	slices.Sort(out)
	return out
}

// shortLocation names a place in a document briefly: LiveMigrationResponse.status for
// components.schemas.LiveMigrationResponse.properties.status, responses.204 within an operation.
func shortLocation(path []string) string {
	var parts []string
	path = slices.Clone(path)
	switch {
	case len(path) >= 3 && path[0] == "components" && path[1] == "schemas":
		parts = path[2:]
	case len(path) >= 3 && path[0] == "components":
		parts = append([]string{path[1] + "." + path[2]}, path[3:]...)
	case len(path) >= 3 && path[0] == "paths" && slices.Contains(httpMethods, path[2]):
		parts = path[3:]
	case len(path) >= 2 && path[0] == "paths":
		parts = path[2:]
	default:
		parts = path
	}
	var b strings.Builder
	for i := 0; i < len(parts); i++ {
		p := parts[i]
		switch {
		case p == "properties" && i+1 < len(parts):
			continue
		case p == "items":
			b.WriteString("[]")
			continue
		case p == "content" && i+1 < len(parts):
			if m := versionedMediaType.FindStringSubmatch(parts[i+1]); m != nil {
				parts[i+1] = m[1]
			}
			continue
		case p == "schema":
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(p)
	}
	return b.String()
}

func docText(key string, a, b *yaml.Node, ra, rb string) string {
	switch {
	case a == nil:
		return fmt.Sprintf("%s added: %s", key, excerpt(rb))
	case b == nil:
		return fmt.Sprintf("%s removed (was %s)", key, excerpt(ra))
	}
	ea, eb := differing(ra, rb)
	return fmt.Sprintf("%s changed: %s → %s", key, ea, eb)
}

// differing quotes two long values around where they differ, so that the change shows.
func differing(a, b string) (string, string) {
	a, b = strings.Join(strings.Fields(a), " "), strings.Join(strings.Fields(b), " ")
	ra, rb := []rune(a), []rune(b)
	if len(ra) <= 90 && len(rb) <= 90 {
		return strconv.Quote(a), strconv.Quote(b)
	}
	start := 0
	for start < len(ra) && start < len(rb) && ra[start] == rb[start] {
		start++
	}
	start = max(0, start-30)
	cut := func(r []rune) string {
		s := string(r[start:])
		if start > 0 {
			s = "…" + s
		}
		return excerpt(s)
	}
	return cut(ra), cut(rb)
}

// excerpt quotes a value briefly.
func excerpt(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > 90 {
		s = string(r[:87]) + "…"
	}
	return strconv.Quote(s)
}

// render is a node as one canonical line of flow YAML ("" for none), to compare and show values.
func render(n *yaml.Node) string {
	if n == nil {
		return "(none)"
	}
	if n.Kind == yaml.ScalarNode {
		return n.Value
	}
	c := *n
	c.Style = yaml.FlowStyle
	out, err := yaml.Marshal(&c)
	if err != nil {
		return fmt.Sprint(err)
	}
	return strings.TrimSpace(string(out))
}
