package api

import (
	"regexp"
	"slices"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
)

// codepoint rewrites \uXXXX, which Go's regexp does not know, as \x{XXXX}, as kin-openapi does by default.
var codepoint = regexp.MustCompile(`\\u([0-9A-Fa-f]{4})`)

// compileGo compiles a schema pattern with Go's regexp, as kin-openapi does by default.
func compileGo(expr string) (*regexp.Regexp, error) {
	return regexp.Compile(codepoint.ReplaceAllString(expr, `\x{$1}`))
}

// matchAll stands in for a pattern Go cannot compile: it accepts every string.
type matchAll struct{}

func (matchAll) MatchString(string) bool { return true }

var (
	skippedMu sync.Mutex
	skipped   []string
)

// CompilePattern is the regex compiler the trimmer, Load and the emulator give kin-openapi. Upstream schemas use
// patterns RE2 cannot compile (lookaheads such as (?!…)); such a pattern must not block trimming, generation or
// validation, so it compiles to a matcher that accepts everything, and is listed by SkippedPatterns. Every other
// pattern is checked as usual.
func CompilePattern(expr string) (openapi3.RegexMatcher, error) {
	re, err := compileGo(expr)
	if err == nil {
		return re, nil
	}
	skippedMu.Lock()
	if !slices.Contains(skipped, expr) {
		skipped = append(skipped, expr)
	}
	skippedMu.Unlock()
	return matchAll{}, nil
}

// UnsupportedPatterns lists, once each and sorted, the schema patterns in doc that Go's regexp cannot compile and
// that CompilePattern therefore does not check.
func UnsupportedPatterns(doc *openapi3.T) []string {
	var out []string
	seen := map[*openapi3.Schema]bool{}
	var visit func(*openapi3.SchemaRef)
	visit = func(ref *openapi3.SchemaRef) {
		if ref == nil || ref.Value == nil || seen[ref.Value] {
			return
		}
		s := ref.Value
		seen[s] = true
		if s.Pattern != "" {
			if _, err := compileGo(s.Pattern); err != nil && !slices.Contains(out, s.Pattern) {
				out = append(out, s.Pattern)
			}
		}
		for _, p := range s.Properties {
			visit(p)
		}
		visit(s.Items)
		visit(s.Not)
		if s.AdditionalProperties.Schema != nil {
			visit(s.AdditionalProperties.Schema)
		}
		for _, group := range [][]*openapi3.SchemaRef{s.AllOf, s.AnyOf, s.OneOf} {
			for _, r := range group {
				visit(r)
			}
		}
	}
	for _, s := range doc.Components.Schemas {
		visit(s)
	}
	for _, p := range doc.Components.Parameters {
		if p.Value != nil {
			visit(p.Value.Schema)
		}
	}
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			for _, p := range op.Parameters {
				if p.Value != nil {
					visit(p.Value.Schema)
				}
			}
			if op.RequestBody != nil && op.RequestBody.Value != nil {
				for _, m := range op.RequestBody.Value.Content {
					visit(m.Schema)
				}
			}
		}
	}
	slices.Sort(out)
	return out
}
