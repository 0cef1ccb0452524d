package api

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/atlas-linktoken/atlas-linktoken/api/internal/upstreamtest"
)

// What our code depends on, not upstream's text: older upstream files lack responses newer ones declare (429, say).
func TestLoadValidatesAndHoldsCreateLinkToken(t *testing.T) {
	doc, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	op, method, path := findOperation(doc, "createLinkToken")
	if op == nil || method != "POST" || path != "/api/atlas/v2/orgs/{orgId}/liveMigrations/linkTokens" {
		t.Fatalf("createLinkToken is %s %s, want POST on the linkTokens path (generated names depend on it)", method, path)
	}
	for _, code := range []string{"200", "201"} { // 201: our overlay, the live server's answer
		if op.Responses.Value(code) == nil {
			t.Errorf("success response %s not declared", code)
		}
	}
	if s := successSchema(op); s == nil || s.Properties["linkToken"] == nil {
		t.Errorf("the success body does not hold linkToken: %+v", s)
	}
	orgID := op.Parameters.GetByInAndName("path", "orgId")
	if orgID == nil || orgID.Schema.Value.Pattern != "^([a-f0-9]{24})$" {
		t.Errorf("orgId parameter missing or pattern changed: %+v", orgID)
	}
	for _, q := range []string{"envelope", "pretty"} {
		if op.Parameters.GetByInAndName("query", q) == nil {
			t.Errorf("query parameter %s missing", q)
		}
	}
	for _, scheme := range []string{"DigestAuth", "ServiceAccounts"} {
		if doc.Components.SecuritySchemes[scheme] == nil {
			t.Errorf("security scheme %s missing", scheme)
		}
	}
	if got := OperationVersions(op); !slices.Contains(got, "2023-01-01") {
		t.Errorf("versions = %v, want 2023-01-01 among them", got)
	}
}

func TestLoadReturnsIndependentCopies(t *testing.T) {
	a, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	a.Servers = nil
	b, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Servers) != 1 || b.Servers[0].URL != "https://cloud.mongodb.com" {
		t.Fatalf("second Load saw the first caller's change: servers %v", b.Servers)
	}
	c := SpecYAML()
	c[0] = 'X'
	if bytes.Equal(c, SpecYAML()) {
		t.Fatal("SpecYAML returned the embedded slice, not a copy")
	}
}

// The document records the upstream file it was cut from. Where ../shared/upstream holds snapshots, the recorded
// file is looked up by its hash (after make update-spec UPSTREAM=<newer file> it may be a file not there: skip).
func TestUpstreamHashMatchesSnapshot(t *testing.T) {
	recorded := UpstreamSHA256()
	if len(recorded) != 64 {
		t.Fatalf("info.x-upstream-sha256 = %q, want a sha256 hex digest", recorded)
	}
	doc, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := doc.Info.Extensions["x-upstream-sha256"].(string); got != recorded {
		t.Errorf("UpstreamSHA256 = %s, info says %s", recorded, got)
	}
	dir := filepath.Join("..", "..", "shared", "upstream")
	if _, err := os.Stat(dir); os.IsNotExist(err) {
		t.Skip("../shared/upstream is absent (a user's clone); nothing to compare with")
	}
	path := upstreamtest.Find(dir, recorded)
	if path == "" {
		t.Skipf("the upstream file the spec records (sha256 %s) is not among ../shared/upstream's snapshots (nor its xz-packed history)", recorded)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	if hex.EncodeToString(sum[:]) != recorded {
		t.Errorf("%s does not hash to %s", path, recorded)
	}
}

// successSchema returns the JSON schema of op's success (2xx) answer, the lowest declared status first; nil when op
// answers with no body (204).
func successSchema(op *openapi3.Operation) *openapi3.Schema {
	if op == nil || op.Responses == nil {
		return nil
	}
	for code := 200; code < 300; code++ {
		resp := op.Responses.Status(code)
		if resp == nil || resp.Value == nil {
			continue
		}
		for _, media := range resp.Value.Content {
			if media.Schema != nil && media.Schema.Value != nil {
				return media.Schema.Value
			}
		}
	}
	return nil
}

// findOperation returns the operation whose operationId is id, with its method and path; nil when there is none.
func findOperation(doc *openapi3.T, id string) (op *openapi3.Operation, method, path string) {
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			if op.OperationID == id {
				return op, method, path
			}
		}
	}
	return nil, "", ""
}

// A path template's shape blanks its parameters' names; its parameters are listed as written.
func TestPathShape(t *testing.T) {
	if a, b := PathShape("/orgs/{orgId}/x/{id}"), PathShape("/orgs/{orgID}/x/{linkId}"); a != b || a != "/orgs/{}/x/{}" {
		t.Errorf("shapes %q and %q", a, b)
	}
	if got := PathParams("/orgs/{orgId}/x/{id}"); !slices.Equal(got, []string{"{orgId}", "{id}"}) {
		t.Errorf("params %v", got)
	}
}
