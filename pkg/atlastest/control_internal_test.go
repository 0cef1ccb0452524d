package atlastest

import (
	"errors"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/atlas-linktoken/atlas-linktoken/api/emulator"
)

// The control plane serves exactly the operations its document describes, with the Go methods it names.
func TestControlRoutesMatchTheDocument(t *testing.T) {
	doc, err := openapi3.NewLoader().LoadFromData(emulator.Document())
	if err != nil {
		t.Fatal(err)
	}
	inDoc := map[string]bool{}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			key := strings.TrimPrefix(path, ControlPrefix) + " " + method
			inDoc[key] = true
			route := controlRoutes[strings.TrimPrefix(path, ControlPrefix)]
			if route[method] == nil {
				t.Errorf("%s %s is in the document, not served", method, path)
			}
			if name, ok := op.Extensions["x-go-method"].(string); ok && !serverMethods[name] {
				t.Errorf("%s %s: x-go-method %s is no Server method the test knows", method, path, name)
			}
		}
	}
	for path, route := range controlRoutes {
		for method := range route {
			if !inDoc[path+" "+method] {
				t.Errorf("%s %s%s is served, not in the document", method, ControlPrefix, path)
			}
		}
	}
}

// serverMethods are the Server methods the control plane's operations call (its document's x-go-method); the
// method values below make the compiler check that they exist.
var serverMethods = func() map[string]bool {
	var s *Server
	methods := map[string]any{"Health": s.Health, "Reset": s.Reset, "Seed": s.Seed, "Now": s.Now, "AdvanceClock": s.AdvanceClock,
		"Job": s.Job, "SetJob": s.SetJob, "Faults": s.Faults, "AddFault": s.AddFault, "ClearFaults": s.ClearFaults,
		"DeleteFault": s.DeleteFault, "Journal": s.Journal, "ClearJournal": s.ClearJournal}
	known := map[string]bool{}
	for name := range methods {
		known[name] = true
	}
	return known
}()

// Control documents are read strictly and in bounded memory, whatever their syntax.
func TestControlDocumentsAreBounded(t *testing.T) {
	aliasBomb := "a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n" +
		"c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n" +
		"e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n"
	deep := strings.Repeat("[", 100) + strings.Repeat("]", 100)
	for _, tc := range []struct{ name, doc, want string }{
		{"YAML aliases", aliasBomb, "too large"},
		{"deep JSON", deep, "too large or too deeply nested"},
		{"YAML key twice", "orgs: []\norgs: []\n", "given twice"},
		{"two YAML documents", "orgs: []\n---\norgs: []\n", "one YAML document"},
		{"not UTF-8", "{\"orgs\": \"\xff\"}", "UTF-8"},
		{"JSON ends early", `{"orgs": [`, "ends early"},
	} {
		var seed Seed
		err := decodeDocument([]byte(tc.doc), &seed)
		var ve *ValueError
		if !errors.As(err, &ve) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want a ValueError saying %q", tc.name, err, tc.want)
		}
	}
}

// Redacted queries keep the names and declared values only; clipped text stays UTF-8.
func TestJournalRedaction(t *testing.T) {
	for raw, want := range map[string]string{
		"pretty=true":                      "pretty=true",
		"pretty=true&token=abc&envelope":   "pretty=true&token=REDACTED&envelope",
		"pr%65tty=true":                    "pr%65tty=true",
		"client_secret=s3cret&pretty=true": "client_secret=REDACTED&pretty=true",
	} {
		if got := redactQuery(raw, []string{"pretty", "envelope"}); got != want {
			t.Errorf("redactQuery(%q) = %q, want %q", raw, got, want)
		}
	}
	if got := clip(strings.Repeat("é", 10), 5); got != "éé…" {
		t.Errorf("clip = %q", got)
	}
	for _, tc := range []struct{ method, path, want string }{
		{"POST", TokenPath, TokenOperationID},
		{"GET", TokenPath, ""},
		{"POST", "/api/atlas/v1.0/orgs/" + DefaultOrgID + "/liveMigrations/linkTokens", "createLinkToken"},
		{"GET", "/api/atlas/v2/groups/" + DefaultGroupID + "/liveMigrations/validate/0123456789abcdef01234567", "getMigrationValidateStatus"},
		{"GET", "/api/public/v1.0/orgs/" + DefaultOrgID + "/liveExport/migrationLink/status", "connectionStatus"},
		{"DELETE", "/api/atlas/v2/orgs/" + DefaultOrgID + "/liveMigrations/linkTokens", "deleteLinkTokens"},
		{"GET", "/api/atlas/v2/orgs/" + DefaultOrgID + "/nothing", ""},
	} {
		if got := resolveOperation(tc.method, tc.path).id; got != tc.want {
			t.Errorf("%s %s: %q, want %q", tc.method, tc.path, got, tc.want)
		}
	}
}
