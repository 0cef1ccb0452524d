package api

import (
	"slices"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
)

// A pattern RE2 cannot compile is skipped (listed once); every other pattern is still checked.
func TestLookaheadPatternsAreSkippedOthersChecked(t *testing.T) {
	lookahead := `^(?!forbidden)[a-z]+$`
	doc, err := openapi3.NewLoader().LoadFromData([]byte(`openapi: 3.0.1
info: {title: t, version: "1"}
paths: {}
components:
  schemas:
    Free:
      type: string
      pattern: '` + lookahead + `'
    Again:
      type: string
      pattern: '` + lookahead + `'
    Hex:
      type: string
      pattern: '^[a-f0-9]{4}$'
`))
	if err != nil {
		t.Fatal(err)
	}
	if err := doc.Validate(t.Context(), openapi3.SetRegexCompiler(CompilePattern)); err != nil {
		t.Fatalf("a lookahead pattern blocks validation: %v", err)
	}
	if got := UnsupportedPatterns(doc); !slices.Equal(got, []string{lookahead}) {
		t.Errorf("UnsupportedPatterns = %q, want the lookahead once", got)
	}
	opt := openapi3.SetSchemaRegexCompiler(CompilePattern)
	if err := doc.Components.Schemas["Free"].Value.VisitJSON("forbidden", opt); err != nil {
		t.Errorf("the skipped pattern is enforced: %v", err)
	}
	if err := doc.Components.Schemas["Hex"].Value.VisitJSON("zzzz", opt); err == nil {
		t.Error("a compilable pattern is no longer checked")
	}
	if err := doc.Components.Schemas["Hex"].Value.VisitJSON("ab12", opt); err != nil {
		t.Errorf("a matching value is refused: %v", err)
	}
}

func TestPathPatternAndMediaType(t *testing.T) {
	re := PathPattern("/api/atlas/v2/orgs/{orgId}/liveMigrations/linkTokens")
	for path, want := range map[string]bool{
		"/api/atlas/v2/orgs/abc/liveMigrations/linkTokens":   true,
		"/api/atlas/v2/orgs/a/b/liveMigrations/linkTokens":   false,
		"/api/atlas/v2/orgs//liveMigrations/linkTokens":      false,
		"/api/atlas/v2/orgs/abc/liveMigrations/linkTokens/x": false,
	} {
		if re.MatchString(path) != want {
			t.Errorf("%s: match %v, want %v", path, !want, want)
		}
	}
	if got := MediaType("2024-05-30"); got != "application/vnd.atlas.2024-05-30+json" {
		t.Errorf("MediaType = %q", got)
	}
}
