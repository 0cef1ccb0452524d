// Command genmeta compiles what the library and the CLI need to know about each operation of api/openapi.yaml into
// Go, at `go generate` time, so that neither parses an OpenAPI document at run time (go-github keeps its operation
// metadata the same way, in generated form):
//
//   - gen/operations.gen.go (package gen): per operation its operationId, aliases, tag, method, path template, path
//     and query parameters, resource versions with their x-sunset dates and request and answer schemas, whether it
//     is an action (x-xgen-method-verb-override customMethod), its success statuses; and the request and answer
//     schemas as Go values, for checks before sending and template samples. No prose of the document goes there:
//     every program importing pkg/atlas links it.
//
//   - gen/help/help.gen.go (package help): the summaries and descriptions of operations, parameters and tags, for
//     the CLI's help only.
//
//     go run ./api/cmd/genmeta [-spec api/openapi.yaml] [-spec api/source/openapi.yaml ...] [-out gen]
//
// Each document's operations join one table; a document names its API in info.x-api ("atlas" when absent, such as
// "cloud-manager" for the source side).
//
// The output is deterministic (everything sorted) and gofmt'ed; `make check-generated` fails when it is stale.
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"go/format"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/atlas-linktoken/atlas-linktoken/api"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "genmeta:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	flags := flag.NewFlagSet("genmeta", flag.ContinueOnError)
	var specPaths []string
	flags.Func("spec", "an OpenAPI `file` (repeatable; default api/openapi.yaml)", func(v string) error { specPaths = append(specPaths, v); return nil })
	outDir := flags.String("out", "gen", "output `directory` (gen/operations.gen.go and gen/help/help.gen.go)")
	if err := flags.Parse(args); err != nil {
		return err
	}
	if len(specPaths) == 0 {
		specPaths = []string{"api/openapi.yaml"}
	}
	var docs []*openapi3.T
	var ops []op
	for _, path := range specPaths {
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		doc, err := openapi3.NewLoader().LoadFromData(data)
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		if err := doc.Validate(context.Background(), openapi3.SetRegexCompiler(api.CompilePattern)); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		found, err := collect(doc)
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		docs, ops = append(docs, doc), append(ops, found...)
	}
	slices.SortFunc(ops, func(a, b op) int { return strings.Compare(a.id, b.id) })
	for i := 1; i < len(ops); i++ {
		if ops[i].id == ops[i-1].id {
			return fmt.Errorf("operationId %s is used twice", ops[i].id)
		}
	}
	meta, err := renderMeta(docs, ops)
	if err != nil {
		return err
	}
	help, err := renderHelp(docs, ops)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Join(*outDir, "help"), 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(*outDir, "operations.gen.go"), meta, 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(*outDir, "help", "help.gen.go"), help, 0o644)
}

// op is one operation as the generator sees it.
type op struct {
	id, method, path, api string
	raw                   *openapi3.Operation
	versions              []version
	plain                 version // the application/json request and answer of an unversioned API (date "")
}

type version struct {
	date, sunset      string
	request, response *openapi3.SchemaRef
}

var versioned = regexp.MustCompile(`^application/vnd\.atlas\.(\d{4}-\d{2}-\d{2})\+json$`)

// collect lists the document's operations sorted by path and method, with their versions.
func collect(doc *openapi3.T) ([]op, error) {
	var out []op
	for _, path := range doc.Paths.InMatchingOrder() {
		item := doc.Paths.Value(path)
		for _, method := range []string{"GET", "POST", "PUT", "PATCH", "DELETE"} {
			o := item.GetOperation(method)
			if o == nil {
				continue
			}
			if o.OperationID == "" {
				return nil, fmt.Errorf("%s %s has no operationId", method, path)
			}
			entry := op{id: o.OperationID, method: method, path: path, raw: o, api: apiName(doc)}
			if o.RequestBody != nil && o.RequestBody.Value != nil {
				if media := o.RequestBody.Value.Content.Get("application/json"); media != nil {
					entry.plain.request = media.Schema
				}
			}
			for _, status := range successStatuses(o) {
				if media := o.Responses.Status(status).Value.Content.Get("application/json"); media != nil && entry.plain.response == nil {
					entry.plain.response = media.Schema
				}
			}
			byDate := map[string]*version{}
			get := func(date string) *version {
				if byDate[date] == nil {
					byDate[date] = &version{date: date}
				}
				return byDate[date]
			}
			if o.RequestBody != nil && o.RequestBody.Value != nil {
				for mediaType, media := range o.RequestBody.Value.Content {
					if m := versioned.FindStringSubmatch(mediaType); m != nil {
						v := get(m[1])
						v.request = media.Schema
						v.sunset = maxString(v.sunset, extString(media.Extensions, "x-sunset"))
					}
				}
			}
			for _, status := range successStatuses(o) {
				resp := o.Responses.Status(status)
				for mediaType, media := range resp.Value.Content {
					if m := versioned.FindStringSubmatch(mediaType); m != nil {
						v := get(m[1])
						if v.response == nil {
							v.response = media.Schema
						}
						v.sunset = maxString(v.sunset, extString(media.Extensions, "x-sunset"))
					}
				}
			}
			for _, resp := range o.Responses.Map() { // versions named only by error answers still exist
				if resp.Value == nil {
					continue
				}
				for mediaType, media := range resp.Value.Content {
					if m := versioned.FindStringSubmatch(mediaType); m != nil {
						v := get(m[1])
						v.sunset = maxString(v.sunset, extString(media.Extensions, "x-sunset"))
					}
				}
			}
			for _, date := range slices.Sorted(mapKeys(byDate)) {
				entry.versions = append(entry.versions, *byDate[date])
			}
			out = append(out, entry)
		}
	}
	return out, nil
}

// apiName is the API a document describes: info.x-api, "atlas" when absent.
func apiName(doc *openapi3.T) string {
	if name, ok := doc.Info.Extensions["x-api"].(string); ok && name != "" {
		return name
	}
	return "atlas"
}

func mapKeys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

func maxString(a, b string) string {
	if b > a {
		return b
	}
	return a
}

func extString(ext map[string]any, key string) string {
	s, _ := ext[key].(string)
	return s
}

// successStatuses are o's declared 2xx statuses, ascending.
func successStatuses(o *openapi3.Operation) []int {
	var out []int
	for code := 200; code < 300; code++ {
		if r := o.Responses.Status(code); r != nil && r.Value != nil {
			out = append(out, code)
		}
	}
	return out
}

// isAction reports x-xgen-method-verb-override customMethod: an action behind another HTTP verb.
func isAction(o *openapi3.Operation) bool {
	override, ok := o.Extensions["x-xgen-method-verb-override"].(map[string]any)
	if !ok {
		return false
	}
	switch v := override["customMethod"].(type) {
	case bool:
		return v
	case string:
		b, _ := strconv.ParseBool(v)
		return b
	}
	return false
}

// schemaWriter emits schemas as Go values: one package-level variable per component schema, inline literals for
// the rest.
type schemaWriter struct {
	names map[*openapi3.Schema]string // component schema → its variable's name
	byVar map[string]component        // variable name → the component
	used  map[string]bool             // variables to emit
	queue []string
}

// component is a component schema with its name in its document.
type component struct {
	name   string
	schema *openapi3.Schema
}

// newSchemaWriter knows the component schemas of docs; those of documents other than the Atlas one get their API's
// name in their variable's (schemaCloudManagerApiError), so that equal names in two documents do not collide.
func newSchemaWriter(docs []*openapi3.T) *schemaWriter {
	w := &schemaWriter{names: map[*openapi3.Schema]string{}, byVar: map[string]component{}, used: map[string]bool{}}
	for _, doc := range docs {
		prefix := ""
		if api := apiName(doc); api != "atlas" {
			for _, word := range strings.Split(api, "-") {
				if word != "" {
					prefix += strings.ToUpper(word[:1]) + word[1:]
				}
			}
			prefix = goIdent(prefix)
		}
		for name, ref := range doc.Components.Schemas {
			if ref.Value != nil {
				v := "schema" + prefix + goIdent(name)
				w.names[ref.Value] = v
				w.byVar[v] = component{name, ref.Value}
			}
		}
	}
	return w
}

// ref is the Go expression for a schema reference: a component's variable, or an inline literal.
func (w *schemaWriter) ref(r *openapi3.SchemaRef) (string, error) {
	if r == nil || r.Value == nil {
		return "nil", nil
	}
	if v, ok := w.names[r.Value]; ok {
		if !w.used[v] {
			w.used[v] = true
			w.queue = append(w.queue, v)
		}
		return v, nil
	}
	return w.literal("", r.Value)
}

// mergeAllOf is s with its allOf parts merged in, when they are plain objects (no composition of their own, no
// property declared twice with different schemas): their properties and required lists joined, as allOf means. A
// schema upstream splits into allOf for reuse keeps its checks before sending and the CLI's Go names that way. nil
// when s has no allOf, or one that cannot be merged (then it stays Composed: the server judges it).
func mergeAllOf(s *openapi3.Schema) *openapi3.Schema {
	if len(s.AllOf) == 0 || len(s.OneOf)+len(s.AnyOf) > 0 || s.Not != nil {
		return nil
	}
	merged := *s
	merged.AllOf = nil
	merged.Properties = maps.Clone(s.Properties)
	if merged.Properties == nil {
		merged.Properties = openapi3.Schemas{}
	}
	merged.Required = slices.Clone(s.Required)
	for _, ref := range s.AllOf {
		part := ref.Value
		if part == nil || len(part.AllOf)+len(part.OneOf)+len(part.AnyOf) > 0 || part.Not != nil ||
			(part.Type != nil && !part.Type.Is("object")) || part.AdditionalProperties.Has != nil || part.AdditionalProperties.Schema != nil {
			return nil
		}
		for pname, prop := range part.Properties {
			if have, ok := merged.Properties[pname]; ok && have.Value != prop.Value {
				return nil
			}
			merged.Properties[pname] = prop
		}
		for _, r := range part.Required {
			if !slices.Contains(merged.Required, r) {
				merged.Required = append(merged.Required, r)
			}
		}
		if part.Type != nil && merged.Type == nil {
			merged.Type = part.Type
		}
	}
	return &merged
}

func (w *schemaWriter) literal(name string, s *openapi3.Schema) (string, error) {
	if merged := mergeAllOf(s); merged != nil {
		s = merged
	}
	var b strings.Builder
	b.WriteString("&Schema{")
	field := func(k, v string) { fmt.Fprintf(&b, "%s: %s, ", k, v) }
	if name != "" {
		field("Name", strconv.Quote(name))
	}
	if s.Type != nil && len(*s.Type) > 0 {
		types := s.Type.Slice()
		if len(types) > 1 {
			return "", fmt.Errorf("schema %s: several types %v", name, types)
		}
		field("Type", strconv.Quote(types[0]))
	}
	if s.Format != "" {
		field("Format", strconv.Quote(s.Format))
	}
	if len(s.AllOf)+len(s.OneOf)+len(s.AnyOf) > 0 || s.Not != nil {
		field("Composed", "true") // not checked locally: the server judges composed schemas
	}
	if len(s.Properties) > 0 {
		b.WriteString("Properties: []Property{")
		for _, pname := range slices.Sorted(mapKeys(s.Properties)) {
			expr, err := w.ref(s.Properties[pname])
			if err != nil {
				return "", err
			}
			fmt.Fprintf(&b, "{Name: %q, Schema: %s}, ", pname, expr)
		}
		b.WriteString("}, ")
	}
	if len(s.Required) > 0 {
		req := slices.Clone(s.Required)
		slices.Sort(req)
		field("Required", quoteSlice(req))
	}
	if ap := s.AdditionalProperties; ap.Schema != nil || (ap.Has != nil && *ap.Has) {
		field("AdditionalProperties", "true")
	}
	if s.Items != nil {
		expr, err := w.ref(s.Items)
		if err != nil {
			return "", err
		}
		field("Items", expr)
	}
	if len(s.Enum) > 0 {
		var values []string
		for _, v := range s.Enum {
			values = append(values, fmt.Sprint(v))
		}
		field("Enum", quoteSlice(values)) // in the document's order: values are matched, never positions
	}
	if s.Pattern != "" {
		field("Pattern", strconv.Quote(s.Pattern))
	}
	if s.MinLength > 0 {
		field("MinLength", strconv.FormatUint(s.MinLength, 10))
	}
	if s.MaxLength != nil {
		field("MaxLength", "count("+strconv.FormatUint(*s.MaxLength, 10)+")")
	}
	if s.MinItems > 0 {
		field("MinItems", strconv.FormatUint(s.MinItems, 10))
	}
	if s.MaxItems != nil {
		field("MaxItems", "count("+strconv.FormatUint(*s.MaxItems, 10)+")")
	}
	if s.UniqueItems {
		field("UniqueItems", "true")
	}
	if s.Min != nil {
		field("Minimum", "ptr("+strconv.FormatFloat(*s.Min, 'g', -1, 64)+")")
	}
	if s.Max != nil {
		field("Maximum", "ptr("+strconv.FormatFloat(*s.Max, 'g', -1, 64)+")")
	}
	if s.Nullable {
		field("Nullable", "true")
	}
	if s.ReadOnly {
		field("ReadOnly", "true")
	}
	if s.WriteOnly {
		field("WriteOnly", "true")
	}
	b.WriteString("}")
	return b.String(), nil
}

func quoteSlice(values []string) string {
	quoted := make([]string, len(values))
	for i, v := range values {
		quoted[i] = strconv.Quote(v)
	}
	return "[]string{" + strings.Join(quoted, ", ") + "}"
}

// goIdent is name as the tail of a Go identifier.
func goIdent(name string) string {
	var b strings.Builder
	for _, r := range name {
		if r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

const header = "// Code generated by api/cmd/genmeta from api/openapi.yaml; DO NOT EDIT.\n\n"

// renderMeta writes gen/operations.gen.go: the types, the operation table, then the component schemas it uses.
func renderMeta(docs []*openapi3.T, ops []op) ([]byte, error) {
	w := newSchemaWriter(docs)
	b := &bytes.Buffer{}
	b.WriteString(header)
	b.WriteString(metaTypes)
	b.WriteString("// Operations are the operations of api/openapi.yaml, sorted by operationId.\nvar Operations = []Operation{\n")
	for _, o := range ops {
		fmt.Fprintf(b, "{\nID: %q,\nAPI: %q,\n", o.id, o.api)
		if aliases := api.OperationAliases(o.raw); len(aliases) > 0 {
			fmt.Fprintf(b, "Aliases: %s,\n", quoteSlice(aliases))
		}
		tag := "other"
		if len(o.raw.Tags) > 0 {
			tag = o.raw.Tags[0]
		}
		fmt.Fprintf(b, "Tag: %q,\n", tag)
		if previous, ok := o.raw.Extensions["x-previous-tags"].([]any); ok && len(previous) > 0 {
			var names []string
			for _, t := range previous {
				if s, ok := t.(string); ok && s != tag && !slices.Contains(names, s) {
					names = append(names, s)
				}
			}
			if len(names) > 0 {
				fmt.Fprintf(b, "PreviousTags: %s,\n", quoteSlice(names))
			}
		}
		fmt.Fprintf(b, "Method: %q,\nPath: %q,\n", o.method, o.path)
		var params []*openapi3.Parameter
		for _, ref := range o.raw.Parameters {
			if ref.Value != nil && (ref.Value.In == "path" || ref.Value.In == "query") {
				params = append(params, ref.Value)
			}
		}
		slices.SortFunc(params, func(a, b *openapi3.Parameter) int { return strings.Compare(a.Name, b.Name) })
		if len(params) > 0 {
			b.WriteString("Params: []Param{\n")
			for _, p := range params {
				expr, err := w.ref(p.Schema)
				if err != nil {
					return nil, err
				}
				fmt.Fprintf(b, "{Name: %q, In: %q, Required: %t, Schema: %s},\n", p.Name, p.In, p.Required, expr)
			}
			b.WriteString("},\n")
		}
		if o.raw.RequestBody != nil && o.raw.RequestBody.Value != nil {
			fmt.Fprintf(b, "Body: true,\nBodyRequired: %t,\n", o.raw.RequestBody.Value.Required)
		}
		if len(o.versions) > 0 {
			b.WriteString("Versions: []Version{\n")
			for _, v := range o.versions {
				req, err := w.ref(v.request)
				if err != nil {
					return nil, err
				}
				resp, err := w.ref(v.response)
				if err != nil {
					return nil, err
				}
				fmt.Fprintf(b, "{Date: %q, Sunset: %q, Request: %s, Response: %s},\n", v.date, v.sunset, req, resp)
			}
			b.WriteString("},\n")
		}
		if o.plain.request != nil || o.plain.response != nil {
			req, err := w.ref(o.plain.request)
			if err != nil {
				return nil, err
			}
			resp, err := w.ref(o.plain.response)
			if err != nil {
				return nil, err
			}
			fmt.Fprintf(b, "Plain: &Version{Request: %s, Response: %s},\n", req, resp)
		}
		if isAction(o.raw) {
			b.WriteString("Action: true,\n")
		}
		if o.raw.Deprecated {
			b.WriteString("Deprecated: true,\n")
		}
		var statuses []string
		for _, s := range successStatuses(o.raw) {
			statuses = append(statuses, strconv.Itoa(s))
		}
		fmt.Fprintf(b, "Success: []int{%s},\n},\n", strings.Join(statuses, ", "))
	}
	b.WriteString("}\n\n")
	// Component schemas, each once, sorted by name; emitting one may queue others.
	emitted := map[string]bool{}
	var bodies []string
	for len(w.queue) > 0 {
		sort.Strings(w.queue)
		v := w.queue[0]
		w.queue = w.queue[1:]
		if emitted[v] {
			continue
		}
		emitted[v] = true
		c := w.byVar[v]
		lit, err := w.literal(c.name, c.schema)
		if err != nil {
			return nil, err
		}
		bodies = append(bodies, fmt.Sprintf("var %s = %s\n", v, lit))
	}
	sort.Strings(bodies)
	for _, body := range bodies {
		b.WriteString(body)
	}
	b.WriteString("\nfunc ptr(f float64) *float64 { return &f }\n\nfunc count(n uint64) *uint64 { return &n }\n")
	out, err := format.Source(b.Bytes())
	if err != nil {
		return nil, fmt.Errorf("gofmt operations.gen.go: %w\n%s", err, b.Bytes())
	}
	return out, nil
}

const metaTypes = `package gen

// Operation is what the library and the CLI know of one operation of api/openapi.yaml, compiled at build time.
type Operation struct {
	API     string   // the API it belongs to: "atlas" (api/openapi.yaml), "cloud-manager" (api/source/openapi.yaml)
	ID      string   // operationId in our document (api/operations.txt)
	Aliases []string // upstream's operationId, x-xgen-operation-id-override and our aliases
	Tag     string   // the first tag, "other" when none
	// PreviousTags are the tags the operation had in earlier updates (x-previous-tags, written by the trimmer when
	// upstream renames one): the CLI keeps their groups as aliases, so that scripts written for them still run.
	PreviousTags []string
	Method       string // GET, POST, PUT, PATCH, DELETE
	Path    string   // path template, such as /api/atlas/v2/orgs/{orgId}/liveMigrations/linkTokens
	Params  []Param  // path and query parameters, by name

	Body         bool // takes a request body
	BodyRequired bool

	// Versions are the resource versions the operation declares, oldest first (Atlas' versioned media types).
	Versions []Version
	// Plain is the request and answer of an unversioned operation (application/json, the v1.0 APIs); nil for a
	// versioned one.
	Plain *Version
	// Action: an action behind another HTTP verb (x-xgen-method-verb-override customMethod), never idempotent.
	Action     bool
	Deprecated bool
	Success    []int // the declared 2xx statuses, ascending
}

// Param is a path or query parameter.
type Param struct {
	Name     string
	In       string // "path" or "query"
	Required bool
	Schema   *Schema
}

// Version is one resource version of an operation.
type Version struct {
	Date     string  // 2023-01-01, sent as application/vnd.atlas.2023-01-01+json
	Sunset   string  // x-sunset: the date Atlas stops serving this version; "" when none is announced
	Request  *Schema // the request body in this version; nil when none
	Response *Schema // the success answer in this version; nil when none (204)
}

// Schema is a JSON Schema of the document, as far as checks before sending and samples need it.
type Schema struct {
	Name                 string // the component schema's name, "" when inline
	Type                 string // object, array, string, integer, number, boolean; "" when any
	Format               string
	Composed             bool       // allOf, oneOf, anyOf or not: left to the server
	Properties           []Property // sorted by name
	Required             []string   // sorted
	AdditionalProperties bool       // undeclared attributes are allowed
	Items                *Schema
	Enum                 []string // allowed values, in the document's order
	Pattern              string
	MinLength            uint64
	MaxLength            *uint64
	MinItems             uint64
	MaxItems             *uint64
	UniqueItems          bool
	Minimum, Maximum     *float64
	Nullable             bool
	ReadOnly             bool // sent by the server only
	WriteOnly            bool // sent by clients only
}

// Property is a named property of an object schema.
type Property struct {
	Name   string
	Schema *Schema
}

// Version returns the resource version date of o, nil when o has none.
func (o *Operation) Version(date string) *Version {
	for i := range o.Versions {
		if o.Versions[i].Date == date {
			return &o.Versions[i]
		}
	}
	return nil
}

// Newest is o's newest resource version date, "" when it has none.
func (o *Operation) Newest() string {
	if len(o.Versions) == 0 {
		return ""
	}
	return o.Versions[len(o.Versions)-1].Date
}

// OperationByID returns the operation whose operationId is id, nil when there is none.
func OperationByID(id string) *Operation {
	for i := range Operations {
		if Operations[i].ID == id {
			return &Operations[i]
		}
	}
	return nil
}

// Property returns the schema of property name, nil when s declares none.
func (s *Schema) Property(name string) *Schema {
	for _, p := range s.Properties {
		if p.Name == name {
			return p.Schema
		}
	}
	return nil
}

`

func renderHelp(docs []*openapi3.T, ops []op) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString(header)
	b.WriteString(`// Package help holds the prose of api/openapi.yaml the CLI shows in --help: summaries and descriptions of
// operations, parameters and tags. It is apart from package gen so that programs importing pkg/atlas link none of
// it (the document's text is under CC BY-NC-SA 3.0 US; see NOTICE).
package help

// Operation is the help of one operation.
type Operation struct {
	ID, Summary, Description string
	Params                   []Param // path and query parameters, by name
}

// Param is the help of one parameter.
type Param struct{ Name, Description string }

// Tag is the description of a tag, which becomes a command group.
type Tag struct{ Name, Description string }

// Of returns the help of operation id; the zero Operation when there is none.
func Of(id string) Operation {
	for _, o := range Operations {
		if o.ID == id {
			return o
		}
	}
	return Operation{ID: id}
}

// TagDescription is the description of tag name, name itself when there is none.
func TagDescription(name string) string {
	for _, t := range Tags {
		if t.Name == name {
			return t.Description
		}
	}
	return name
}

// ParamDescription is the description of parameter name of o, "" when there is none.
func (o Operation) ParamDescription(name string) string {
	for _, p := range o.Params {
		if p.Name == name {
			return p.Description
		}
	}
	return ""
}

`)
	b.WriteString("// Operations are the help texts of every operation, sorted by operationId.\nvar Operations = []Operation{\n")
	for _, o := range ops {
		fmt.Fprintf(&b, "{ID: %q, Summary: %q, Description: %q", o.id, o.raw.Summary, o.raw.Description)
		var params []*openapi3.Parameter
		for _, ref := range o.raw.Parameters {
			if ref.Value != nil && (ref.Value.In == "path" || ref.Value.In == "query") {
				params = append(params, ref.Value)
			}
		}
		slices.SortFunc(params, func(a, b *openapi3.Parameter) int { return strings.Compare(a.Name, b.Name) })
		if len(params) > 0 {
			b.WriteString(", Params: []Param{")
			for _, p := range params {
				fmt.Fprintf(&b, "{%q, %q}, ", p.Name, p.Description)
			}
			b.WriteString("}")
		}
		b.WriteString("},\n")
	}
	b.WriteString("}\n\n// Tags are the document's tags, by name.\nvar Tags = []Tag{\n")
	var tags openapi3.Tags
	for _, doc := range docs {
		tags = append(tags, doc.Tags...)
	}
	slices.SortFunc(tags, func(a, b *openapi3.Tag) int { return strings.Compare(a.Name, b.Name) })
	for _, t := range tags {
		fmt.Fprintf(&b, "{%q, %q},\n", t.Name, t.Description)
	}
	b.WriteString("}\n")
	out, err := format.Source(b.Bytes())
	if err != nil {
		return nil, fmt.Errorf("gofmt help.gen.go: %w", err)
	}
	return out, nil
}
