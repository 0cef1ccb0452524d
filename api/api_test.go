package api

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func TestLoadValidatesAndHoldsCreateLinkToken(t *testing.T) {
	doc, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	const path = "/api/atlas/v2/orgs/{orgId}/liveMigrations/linkTokens"
	item := doc.Paths.Value(path)
	if item == nil || item.Post == nil {
		t.Fatalf("spec has no POST %s", path)
	}
	op := item.Post
	if op.OperationID != "createLinkToken" {
		t.Errorf("operationId = %q, want createLinkToken (generated names depend on it)", op.OperationID)
	}
	for _, code := range []string{"200", "201", "400", "401", "403", "404", "429", "500"} {
		if op.Responses.Value(code) == nil {
			t.Errorf("response %s not declared", code)
		}
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
	if got := Versions(doc); !slices.Equal(got, []string{"2023-01-01"}) {
		t.Errorf("Versions = %v, want [2023-01-01]", got)
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

// The document records the upstream file it was cut from; where that snapshot is present, its hash must match.
func TestUpstreamHashMatchesSnapshot(t *testing.T) {
	doc, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	recorded, _ := doc.Info.Extensions["x-upstream-sha256"].(string)
	if len(recorded) != 64 {
		t.Fatalf("info.x-upstream-sha256 = %q, want a sha256 hex digest", recorded)
	}
	upstream, err := os.ReadFile(filepath.Join("..", "..", "shared", "upstream", "v2.yaml"))
	if os.IsNotExist(err) {
		t.Skip("../shared/upstream is absent (a user's clone); nothing to compare with")
	}
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(upstream)
	if got := hex.EncodeToString(sum[:]); got != recorded {
		t.Errorf("upstream snapshot sha256 = %s, spec records %s", got, recorded)
	}
}
