package atlastest_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/atlas-linktoken/atlas-linktoken/api/emulator"
	"github.com/atlas-linktoken/atlas-linktoken/pkg/atlastest"
)

// acmeSeed is the seed document of the control plane's issue, as a test suite in another language would send it.
const acmeSeed = `{"orgs": [{"id": "6b0b1c2d3e4f5a6b7c8d9e01", "name": "Acme Atlas",
  "apiKeys": [{"publicKey": "acmepub1", "privateKey": "11111111-2222-4333-8444-555555555555", "roles": ["ORG_OWNER"]}],
  "serviceAccounts": [{"clientId": "mdb_sa_id_acme", "clientSecret": "mdb_sa_sk_acme-secret", "roles": ["ORG_OWNER"]}],
  "projects": [{"id": "6b0b1c2d3e4f5a6b7c8d9e02", "name": "dest", "clusters": ["Dest0"]}]}],
 "sourceOrgs": [{"id": "7c0b1c2d3e4f5a6b7c8d9e03", "name": "Acme Cloud Manager",
  "apiKeys": [{"publicKey": "acmesrc1", "privateKey": "22222222-3333-4444-8555-666666666666", "roles": ["ORG_OWNER"]}],
  "projects": [{"id": "7c0b1c2d3e4f5a6b7c8d9e04", "name": "src", "deployments": [{"name": "rs0", "mongoDBVersion": "7.0.14"}],
   "migrationHosts": ["mh1.example.net"]}]}]}`

const (
	acmeSourceOrg  = "7c0b1c2d3e4f5a6b7c8d9e03"
	acmeOrg        = "6b0b1c2d3e4f5a6b7c8d9e01"
	acmeGroup      = "6b0b1c2d3e4f5a6b7c8d9e02"
	acmeSource     = "7c0b1c2d3e4f5a6b7c8d9e04"
	acmePublicKey  = "acmepub1"
	acmePrivateKey = "11111111-2222-4333-8444-555555555555"
	acmeSecret     = "mdb_sa_sk_acme-secret"
	acmeSourceKey  = "22222222-3333-4444-8555-666666666666"
)

var (
	acmeLinks    = "/api/atlas/v2/orgs/" + acmeOrg + "/liveMigrations/linkTokens"
	acmeProjects = "/api/atlas/v2/orgs/" + acmeOrg + "/liveMigrations/availableProjects"
	acmeMigrate  = "/api/atlas/v2/groups/" + acmeGroup + "/liveMigrations"
	// acmeSourceLink is the source side's migrationLink of Acme's seeded source org.
	acmeSourceLink = "/api/public/v1.0/orgs/" + acmeSourceOrg + "/liveExport/migrationLink"
)

// acmeBody is a 2024-05-30 validation or migration body from Acme's seeded source into its seeded destination.
func acmeBody(t *testing.T) string {
	return migrationBody(t, func(m map[string]any) {
		source(m)["groupId"] = acmeSource
		destination(m)["groupId"] = acmeGroup
	})
}

// acmeLink creates a link-token in Acme's seeded Atlas org and connects Acme's seeded source org with it, with the
// seeded source key acmesrc1; it returns the link-token's claims.
func acmeLink(t *testing.T, srv *atlastest.Server) map[string]string {
	t.Helper()
	resp, body := do(t, srv, acmeCall(http.MethodPost, acmeLinks, `{"accessListIps":["203.0.113.7"]}`))
	var token struct{ LinkToken string }
	if resp.StatusCode != 201 || json.Unmarshal(body, &token) != nil {
		t.Fatalf("acmepub1 createLinkToken: %d", resp.StatusCode)
	}
	raw, err := base64.StdEncoding.DecodeString(token.LinkToken)
	var claims map[string]string
	if err != nil || json.Unmarshal(raw, &claims) != nil {
		t.Fatalf("the link-token is not base64 of JSON: %v", err)
	}
	linkBody, _ := json.Marshal(map[string]string{"linkToken": token.LinkToken})
	resp, answer := do(t, srv, call{path: acmeSourceLink, contentType: "application/json", body: string(linkBody),
		user: "acmesrc1", password: acmeSourceKey})
	if resp.StatusCode != 201 || !bytes.Contains(answer, []byte(`"SYNCED"`)) {
		t.Fatalf("acmesrc1 connectOrganizations: %d %s", resp.StatusCode, answer)
	}
	return claims
}

func acmeCall(method, path, body string) call {
	c := call{method: method, path: path, body: body, user: acmePublicKey, password: acmePrivateKey}
	if body != "" {
		c.contentType = media2024
		if strings.Contains(path, "/linkTokens") {
			c.contentType = media2023
		}
	}
	return c
}

// controller sends control requests and checks each request it means to be valid, and every answer, against the
// control plane's OpenAPI document: the handlers cannot drift from what other languages generate clients from.
type controller struct {
	t      *testing.T
	srv    *atlastest.Server
	router routers.Router
	token  string
}

func newController(t *testing.T, srv *atlastest.Server) *controller {
	t.Helper()
	router, err := controlRouter()
	if err != nil {
		t.Fatalf("api/emulator/openapi.yaml: %v", err)
	}
	return &controller{t: t, srv: srv, router: router}
}

// controlRouter routes by the control plane's document, parsed and validated once for every controller of the run.
var controlRouter = sync.OnceValues(func() (routers.Router, error) {
	doc, err := openapi3.NewLoader().LoadFromData(emulator.Document())
	if err != nil {
		return nil, err
	}
	if err := doc.Validate(context.Background()); err != nil {
		return nil, err
	}
	doc.Servers = nil
	return gorillamux.NewRouter(doc)
})

// send sends a control request; valid says whether its body is meant to match the document.
func (c *controller) send(method, path, body string, valid bool) (*http.Response, []byte) {
	c.t.Helper()
	req, err := http.NewRequest(method, c.srv.URL+path, strings.NewReader(body))
	if err != nil {
		c.t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	route, params, routeErr := c.router.FindRoute(req)
	input := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}}
	if valid {
		if routeErr != nil {
			c.t.Fatalf("%s %s: not in the document: %v", method, path, routeErr)
		}
		if err := openapi3filter.ValidateRequest(context.Background(), input); err != nil {
			c.t.Fatalf("%s %s: the test's request does not match the document: %v", method, path, err)
		}
		req.Body = io.NopCloser(strings.NewReader(body))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(resp.Body)
	if resp.Header.Get(atlastest.VersionHeader) != atlastest.Version() {
		c.t.Errorf("%s %s: %s = %q, want %q", method, path, atlastest.VersionHeader, resp.Header.Get(atlastest.VersionHeader), atlastest.Version())
	}
	if routeErr == nil {
		err := openapi3filter.ValidateResponse(context.Background(), &openapi3filter.ResponseValidationInput{
			RequestValidationInput: input, Status: resp.StatusCode, Header: resp.Header,
			Body: io.NopCloser(bytes.NewReader(answer)), Options: &openapi3filter.Options{IncludeResponseStatus: true},
		})
		if err != nil {
			c.t.Errorf("%s %s → %d: the answer does not match the document: %v\n%s", method, path, resp.StatusCode, err, answer)
		}
	}
	return resp, answer
}

// ok sends a valid control request and decodes its answer, which must have status want.
func (c *controller) ok(method, path, body string, want int, into any) {
	c.t.Helper()
	resp, answer := c.send(method, path, body, true)
	if resp.StatusCode != want {
		c.t.Fatalf("%s %s: %d, want %d: %s", method, path, resp.StatusCode, want, answer)
	}
	if into != nil {
		if err := json.Unmarshal(answer, into); err != nil {
			c.t.Fatalf("%s %s: %v: %s", method, path, err, answer)
		}
	}
}

type controlError struct {
	Error     int    `json:"error"`
	ErrorCode string `json:"errorCode"`
	Detail    string `json:"detail"`
	Path      string `json:"path"`
}

func (c *controller) refused(method, path, body string, status int, code, at string) controlError {
	c.t.Helper()
	resp, answer := c.send(method, path, body, false)
	var e controlError
	if err := json.Unmarshal(answer, &e); err != nil || resp.StatusCode != status || e.ErrorCode != code || e.Path != at {
		c.t.Errorf("%s %s %.120s: %d %s, want %d %s at %q", method, path, body, resp.StatusCode, answer, status, code, at)
	}
	return e
}

func TestControlDocumentIsServed(t *testing.T) {
	srv := start(t)
	c := newController(t, srv)
	resp, body := c.send(http.MethodGet, "/_emulator/openapi.yaml", "", true)
	if resp.StatusCode != 200 || !bytes.Equal(body, emulator.Document()) || resp.Header.Get("Content-Type") != "application/yaml" {
		t.Errorf("GET openapi.yaml: %d %s, %d bytes", resp.StatusCode, resp.Header.Get("Content-Type"), len(body))
	}
	var h atlastest.Health
	c.ok(http.MethodGet, "/_emulator/health", "", 200, &h)
	if h.State != "ready" || h.Version != atlastest.Version() || h.BaseURL != srv.URL || h.Time.IsZero() {
		t.Errorf("health %+v", h)
	}
	c.refused(http.MethodGet, "/_emulator/nothing", "", 404, "NOT_FOUND", "")
	resp, _ = c.send(http.MethodPut, "/_emulator/clock", "", false)
	if resp.StatusCode != 405 || resp.Header.Get("Allow") != "GET, POST" {
		t.Errorf("PUT clock: %d Allow %q", resp.StatusCode, resp.Header.Get("Allow"))
	}
	// The emulated APIs carry the version too, whatever they answer.
	resp, _ = do(t, srv, call{path: v2Path, contentType: mediaType, body: `{}`, user: "nobody", password: "nothing"})
	if resp.StatusCode != 401 || resp.Header.Get(atlastest.VersionHeader) != atlastest.Version() {
		t.Errorf("Atlas answer: %d, %s %q", resp.StatusCode, atlastest.VersionHeader, resp.Header.Get(atlastest.VersionHeader))
	}
}

// The seed lets acmepub1 create a link-token for its org (named as the seed names it), acmesrc1 connect the
// seeded source org with it, its source project show up then, and its service account get a token; what the seed
// added is counted.
func TestSeedAddsOrgsKeysAndProjects(t *testing.T) {
	srv := start(t)
	c := newController(t, srv)
	var sum atlastest.SeedSummary
	c.ok(http.MethodPost, "/_emulator/seed", acmeSeed, 200, &sum)
	want := atlastest.SeedSummary{Orgs: 1, APIKeys: 1, ServiceAccounts: 1, Projects: 1, SourceOrgs: 1, SourceAPIKeys: 1, SourceProjects: 1}
	if sum != want {
		t.Errorf("summary %+v, want %+v", sum, want)
	}
	resp, body := do(t, srv, acmeCall(http.MethodGet, acmeProjects, ""))
	if resp.StatusCode != 200 || string(body) != "[]" {
		t.Errorf("listAvailableProjects before the link: %d %s", resp.StatusCode, body)
	}
	if claims := acmeLink(t, srv); claims["orgId"] != acmeOrg || claims["orgName"] != "Acme Atlas" {
		t.Errorf("link-token of org %q named %q, want %s named Acme Atlas", claims["orgId"], claims["orgName"], acmeOrg)
	}
	// The seeded source key is Owner of its own source org only, and no Atlas key.
	demoStatus := "/api/public/v1.0/orgs/" + atlastest.DefaultSourceOrgID + "/liveExport/migrationLink/status"
	if resp, _ := do(t, srv, call{method: http.MethodGet, path: demoStatus, user: "acmesrc1", password: acmeSourceKey}); resp.StatusCode != 403 {
		t.Errorf("acmesrc1 on the demo source org: %d, want 403", resp.StatusCode)
	}
	if resp, _ := do(t, srv, acmeCall(http.MethodGet, acmeSourceLink+"/status", "")); resp.StatusCode != 401 {
		t.Errorf("acmepub1 on the source side: %d, want 401", resp.StatusCode)
	}
	resp, body = do(t, srv, acmeCall(http.MethodGet, acmeProjects, ""))
	if resp.StatusCode != 200 || !bytes.Contains(body, []byte(acmeSource)) || !bytes.Contains(body, []byte(`"mongoDBVersion":"7.0.14"`)) ||
		!bytes.Contains(body, []byte(`"featureCompatibilityVersion":"7.0"`)) {
		t.Errorf("listAvailableProjects: %d %s", resp.StatusCode, body)
	}
	tokenResp, token := tokenRequest(t, srv, http.MethodPost, "mdb_sa_id_acme", acmeSecret, "application/x-www-form-urlencoded", "grant_type=client_credentials")
	if tokenResp.StatusCode != 200 || token["access_token"] == nil {
		t.Fatalf("service account token: %d", tokenResp.StatusCode)
	}
	if resp := bearerCall(t, srv, acmeOrg, token["access_token"].(string)); resp.StatusCode != 201 {
		t.Errorf("service account createLinkToken: %d", resp.StatusCode)
	}
	// The demo identity is still there: a seed adds.
	if resp, _ := do(t, srv, call{path: v2Path, contentType: mediaType, body: `{}`}); resp.StatusCode != 201 {
		t.Errorf("demo key after the seed: %d", resp.StatusCode)
	}
	// The seeded key is Owner of its org only.
	if resp, _ := do(t, srv, call{path: v2Path, contentType: mediaType, body: `{}`, user: acmePublicKey, password: acmePrivateKey}); resp.StatusCode != 403 {
		t.Errorf("acmepub1 on the demo org: %d, want 403", resp.StatusCode)
	}
	// Seeding it again is refused: keys and projects must be new.
	c.refused(http.MethodPost, "/_emulator/seed", acmeSeed, 400, "INVALID_SEED", "orgs[0].apiKeys[0].publicKey")
}

// A member's seeded role is the role WithOrgMember gives: it may call what the document's x-rolesRequirements let an
// Organization Member call (with the committed document, read a migration), nothing more.
func TestSeedRoles(t *testing.T) {
	srv := start(t)
	seed, err := atlastest.ParseSeed([]byte(acmeSeed))
	if err != nil {
		t.Fatal(err)
	}
	seed.Orgs[0].APIKeys = append(seed.Orgs[0].APIKeys, atlastest.SeedAPIKey{PublicKey: "acmemember",
		PrivateKey: "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee", Roles: []string{atlastest.RoleOrgMember}})
	if _, err := srv.Seed(seed); err != nil {
		t.Fatal(err)
	}
	member := call{path: acmeLinks, contentType: media2023, body: `{}`, user: "acmemember", password: "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee"}
	if resp, _ := do(t, srv, member); resp.StatusCode != 403 {
		t.Errorf("member createLinkToken: %d, want 403", resp.StatusCode)
	}
	member.method, member.path, member.body, member.contentType = http.MethodGet, acmeMigrate+"/0123456789abcdef01234567", "", ""
	want := "LIVE_MIGRATION_NOT_FOUND" // past the role check: no such migration
	if !memberMay(t, "getGroupLiveMigration") {
		want = "USER_UNAUTHORIZED"
	}
	if resp, body := do(t, srv, member); decodeError(t, body).ErrorCode != want {
		t.Errorf("member getGroupLiveMigration: %d %s, want %s", resp.StatusCode, body, want)
	}
}

// A bad seed is refused whole, naming the path of the bad value; nothing of it is applied.
func TestBadSeedIsRefusedWhole(t *testing.T) {
	srv := start(t)
	c := newController(t, srv)
	secondKey := strings.Replace(acmeSeed, `"roles": ["ORG_OWNER"]}],
  "serviceAccounts"`, `"roles": ["ORG_OWNER"]}, {"publicKey": "acmepub2", "privateKey": "not-a-uuid", "roles": ["ORG_OWNER"]}],
  "serviceAccounts"`, 1)
	if secondKey == acmeSeed {
		t.Fatal("the test's edit did not apply")
	}
	e := c.refused(http.MethodPost, "/_emulator/seed", secondKey, 400, "INVALID_SEED", "orgs[0].apiKeys[1].privateKey")
	if !strings.HasPrefix(e.Detail, "orgs[0].apiKeys[1].privateKey: ") || strings.Contains(e.Detail, "not-a-uuid") {
		t.Errorf("detail %q: want the path first, and no quoted secret", e.Detail)
	}
	if resp, _ := do(t, srv, acmeCall(http.MethodPost, acmeLinks, `{}`)); resp.StatusCode != 401 {
		t.Errorf("acmepub1, from the refused seed: %d, want 401", resp.StatusCode)
	}
	for _, tc := range []struct{ name, doc, path string }{
		{"unknown field", `{"orgs": [{"id": "6b0b1c2d3e4f5a6b7c8d9e01", "nmae": "x"}]}`, "orgs[0].nmae"},
		{"unknown top-level field", `{"org": []}`, "org"},
		{"wrong type", `{"orgs": [{"id": 42}]}`, "orgs[0].id"},
		{"not a list", `{"orgs": {"id": "6b0b1c2d3e4f5a6b7c8d9e01"}}`, "orgs"},
		{"key given twice", `{"orgs": [{"id": "6b0b1c2d3e4f5a6b7c8d9e01", "id": "6b0b1c2d3e4f5a6b7c8d9e01"}]}`, "orgs[0].id"},
		{"bad org ID", `{"orgs": [{"id": "6B0B1C2D3E4F5A6B7C8D9E01"}]}`, "orgs[0].id"},
		{"missing org ID", `{"orgs": [{"name": "x"}]}`, "orgs[0].id"},
		{"org twice", `{"orgs": [{"id": "6b0b1c2d3e4f5a6b7c8d9e01"}, {"id": "6b0b1c2d3e4f5a6b7c8d9e01"}]}`, "orgs[1].id"},
		{"bad role", `{"orgs": [{"id": "6b0b1c2d3e4f5a6b7c8d9e01", "apiKeys": [{"publicKey": "k", "privateKey": "11111111-2222-4333-8444-555555555555", "roles": ["ORG_READ_ONLY"]}]}]}`, "orgs[0].apiKeys[0].roles[0]"},
		{"no role", `{"orgs": [{"id": "6b0b1c2d3e4f5a6b7c8d9e01", "apiKeys": [{"publicKey": "k", "privateKey": "11111111-2222-4333-8444-555555555555", "roles": []}]}]}`, "orgs[0].apiKeys[0].roles"},
		{"existing key", `{"orgs": [{"id": "6b0b1c2d3e4f5a6b7c8d9e01", "apiKeys": [{"publicKey": "emulatorpub", "privateKey": "11111111-2222-4333-8444-555555555555", "roles": ["ORG_OWNER"]}]}]}`, "orgs[0].apiKeys[0].publicKey"},
		{"existing project", `{"orgs": [{"id": "6b0b1c2d3e4f5a6b7c8d9e01", "projects": [{"id": "` + atlastest.DefaultGroupID + `"}]}]}`, "orgs[0].projects[0].id"},
		{"cluster twice", `{"orgs": [{"id": "6b0b1c2d3e4f5a6b7c8d9e01", "projects": [{"id": "6b0b1c2d3e4f5a6b7c8d9e02", "clusters": ["A", "A"]}]}]}`, "orgs[0].projects[0].clusters[1]"},
		{"source key collides", `{"sourceOrgs": [{"id": "7c0b1c2d3e4f5a6b7c8d9e03", "apiKeys": [{"publicKey": "emulatorpub", "privateKey": "11111111-2222-4333-8444-555555555555", "roles": ["ORG_OWNER"]}]}]}`, "sourceOrgs[0].apiKeys[0].publicKey"},
		{"source org is an Atlas org", `{"sourceOrgs": [{"id": "` + atlastest.DefaultOrgID + `"}]}`, "sourceOrgs[0].id"},
		{"bad host", `{"sourceOrgs": [{"id": "7c0b1c2d3e4f5a6b7c8d9e03", "projects": [{"id": "7c0b1c2d3e4f5a6b7c8d9e04", "migrationHosts": ["a host"]}]}]}`, "sourceOrgs[0].projects[0].migrationHosts[0]"},
		{"bad version", `{"sourceOrgs": [{"id": "7c0b1c2d3e4f5a6b7c8d9e03", "projects": [{"id": "7c0b1c2d3e4f5a6b7c8d9e04", "deployments": [{"name": "rs0", "mongoDBVersion": "seven"}]}]}]}`, "sourceOrgs[0].projects[0].deployments[0].mongoDBVersion"},
		{"demo source project again", `{"sourceOrgs": [{"id": "7c0b1c2d3e4f5a6b7c8d9e03", "projects": [{"id": "` + atlastest.DemoSourceProjectID + `"}]}]}`, "sourceOrgs[0].projects[0].id"},
		{"YAML, unknown field", "orgs:\n  - id: 6b0b1c2d3e4f5a6b7c8d9e01\n    apiKeys:\n      - publicKey: k\n        secret: x\n", "orgs[0].apiKeys[0].secret"},
		{"YAML, number for a string", "orgs:\n  - id: 123456789012345678901234\n", "orgs[0].id"},
		{"malformed JSON", `{"orgs": [}`, ""},
		{"data after JSON", `{} {}`, ""},
		{"empty", ``, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newController(t, srv)
			c.refused(http.MethodPost, "/_emulator/seed", tc.doc, 400, "INVALID_SEED", tc.path)
		})
	}
	var sum atlastest.SeedSummary
	c.ok(http.MethodPost, "/_emulator/seed", acmeSeed, 200, &sum) // none of the refused seeds left anything behind
}

// One document, JSON or YAML: the same seed either way.
func TestSeedYAMLAndJSONAgree(t *testing.T) {
	yamlSeed := `
orgs:
  - id: 6b0b1c2d3e4f5a6b7c8d9e01
    name: Acme Atlas
    apiKeys:
      - {publicKey: acmepub1, privateKey: 11111111-2222-4333-8444-555555555555, roles: [ORG_OWNER]}
    serviceAccounts:
      - {clientId: mdb_sa_id_acme, clientSecret: mdb_sa_sk_acme-secret, roles: [ORG_OWNER]}
    projects:
      - {id: 6b0b1c2d3e4f5a6b7c8d9e02, name: dest, clusters: [Dest0]}
sourceOrgs:
  - id: 7c0b1c2d3e4f5a6b7c8d9e03
    name: Acme Cloud Manager
    apiKeys:
      - {publicKey: acmesrc1, privateKey: 22222222-3333-4444-8555-666666666666, roles: [ORG_OWNER]}
    projects:
      - id: 7c0b1c2d3e4f5a6b7c8d9e04
        name: src
        deployments: [{name: rs0, mongoDBVersion: 7.0.14}]
        migrationHosts: [mh1.example.net]
`
	fromYAML, err := atlastest.ParseSeed([]byte(yamlSeed))
	if err != nil {
		t.Fatal(err)
	}
	fromJSON, err := atlastest.ParseSeed([]byte(acmeSeed))
	if err != nil {
		t.Fatal(err)
	}
	a, _ := json.Marshal(fromYAML)
	b, _ := json.Marshal(fromJSON)
	if !bytes.Equal(a, b) {
		t.Errorf("YAML and JSON differ:\n%s\n%s", a, b)
	}
	// A seed given at start-up is part of the state; it prints without its secrets.
	srv := start(t, atlastest.WithSeed(fromYAML))
	if resp, _ := do(t, srv, acmeCall(http.MethodPost, acmeLinks, `{}`)); resp.StatusCode != 201 {
		t.Errorf("acmepub1 after WithSeed: %d", resp.StatusCode)
	}
	for _, printed := range []string{fromYAML.String(), fmt.Sprintf("%v", fromYAML), fmt.Sprintf("%+v", fromYAML.Orgs), fmt.Sprint(fromYAML.Orgs[0].APIKeys[0])} {
		if strings.Contains(printed, acmePrivateKey) || strings.Contains(printed, acmeSecret) {
			t.Errorf("a printed seed shows a secret")
		}
	}
	var ve *atlastest.ValueError
	if _, err := atlastest.NewServer(atlastest.WithSeed(atlastest.Seed{Orgs: []atlastest.SeedOrg{{ID: "x"}}})); !errors.As(err, &ve) || ve.Path != "orgs[0].id" {
		t.Errorf("NewServer with a bad seed: %v", err)
	}
}

// Reset forgets the seed's organization, links, jobs, faults, the journal and the clock's advance; the state the
// emulator started with (its own seed included) stays.
func TestResetReturnsToTheStartingState(t *testing.T) {
	startSeed, err := atlastest.ParseSeed([]byte(`{"orgs": [{"id": "5a0b1c2d3e4f5a6b7c8d9e01", "apiKeys": [{"publicKey": "startpub", "privateKey": "33333333-4444-4555-8666-777777777777", "roles": ["ORG_OWNER"]}]}]}`))
	if err != nil {
		t.Fatal(err)
	}
	srv := start(t, atlastest.WithSeed(startSeed))
	c := newController(t, srv)
	c.ok(http.MethodPost, "/_emulator/seed", acmeSeed, 200, nil)
	link(t, srv)
	c.ok(http.MethodPost, "/_emulator/faults", `{"operationId": "getGroupLiveMigration", "status": 500}`, 201, nil)
	c.ok(http.MethodPost, "/_emulator/clock", `{"advance": "1h"}`, 200, nil)
	if resp, _ := do(t, srv, acmeCall(http.MethodPost, acmeLinks, `{}`)); resp.StatusCode != 201 {
		t.Fatalf("before reset: %d", resp.StatusCode)
	}
	before := srv.Now()
	var h atlastest.Health
	c.ok(http.MethodPost, "/_emulator/reset", "", 200, &h)
	if h.State != "ready" || !h.Time.Before(before) {
		t.Errorf("reset answered %+v; the clock should be back by about an hour from %v", h, before)
	}
	if resp, _ := do(t, srv, acmeCall(http.MethodPost, acmeLinks, `{}`)); resp.StatusCode != 401 {
		t.Errorf("acmepub1 after reset: %d, want 401 (the seed's org and key are forgotten)", resp.StatusCode)
	}
	if srv.Linked(atlastest.DefaultOrgID) {
		t.Error("the demo org is still linked after reset")
	}
	startKey := call{path: "/api/atlas/v2/orgs/5a0b1c2d3e4f5a6b7c8d9e01/liveMigrations/linkTokens", contentType: media2023, body: `{}`,
		user: "startpub", password: "33333333-4444-4555-8666-777777777777"}
	if resp, _ := do(t, srv, startKey); resp.StatusCode != 201 {
		t.Errorf("the start-up seed's key after reset: %d, want 201", resp.StatusCode)
	}
	var faults struct{ Faults []atlastest.FaultRule }
	c.ok(http.MethodGet, "/_emulator/faults", "", 200, &faults)
	var clock atlastest.Clock
	c.ok(http.MethodGet, "/_emulator/clock", "", 200, &clock)
	journal := srv.Journal()
	if len(faults.Faults) != 0 || clock.Offset != "0s" || len(journal) != 4 || len(srv.Requests()) != 4 { // two calls since, each with its challenge
		t.Errorf("after reset: %d faults, clock offset %s, %d journal entries, %d recorded requests", len(faults.Faults), clock.Offset, len(journal), len(srv.Requests()))
	}
	// The same seed can be given again.
	c.ok(http.MethodPost, "/_emulator/seed", acmeSeed, 200, nil)
}

// A fault fires for its operation only, exactly as often as asked, with Retry-After and Atlas' error body; the list
// tells how often each matched and fired.
func TestFaultFiresAsAsked(t *testing.T) {
	srv := start(t)
	c := newController(t, srv)
	c.ok(http.MethodPost, "/_emulator/seed", acmeSeed, 200, nil)
	var f atlastest.FaultRule
	c.ok(http.MethodPost, "/_emulator/faults", `{"operationId": "createLinkToken", "status": 503, "retryAfter": 1, "times": 1}`, 201, &f)
	if f.ID != "F1" || f.Status != 503 || f.Times != 1 {
		t.Errorf("added %+v", f)
	}
	if resp, _ := do(t, srv, acmeCall(http.MethodGet, acmeProjects, "")); resp.StatusCode != 200 {
		t.Errorf("another operation: %d, want 200", resp.StatusCode)
	}
	resp, body := do(t, srv, acmeCall(http.MethodPost, acmeLinks, `{}`))
	if e := decodeError(t, body); resp.StatusCode != 503 || resp.Header.Get("Retry-After") != "1" || e.ErrorCode != "SERVICE_UNAVAILABLE" ||
		e.Error != 503 || e.Reason != "Service Unavailable" || resp.Header.Get(atlastest.VersionHeader) == "" {
		t.Errorf("fault: %d Retry-After %q %s", resp.StatusCode, resp.Header.Get("Retry-After"), body)
	}
	if resp, _ := do(t, srv, acmeCall(http.MethodPost, acmeLinks, `{}`)); resp.StatusCode != 201 {
		t.Errorf("after the fault fired once: %d, want 201", resp.StatusCode)
	}
	var list struct{ Faults []atlastest.FaultRule }
	c.ok(http.MethodGet, "/_emulator/faults", "", 200, &list)
	// A digest client sends each call twice, the first time for the challenge: the fault fired on the first request
	// of the first call, and matched both of the second.
	if len(list.Faults) != 1 || list.Faults[0].Matched != 3 || list.Faults[0].Fired != 1 {
		t.Errorf("faults %+v, want one that matched 3 and fired 1", list.Faults)
	}

	// after, org matching, a group's org, an error code of one's own: with bearer tokens, one request a call.
	_, demoToken := tokenRequest(t, srv, http.MethodPost, atlastest.DefaultClientID, atlastest.DefaultClientSecret, "application/x-www-form-urlencoded", "grant_type=client_credentials")
	_, acmeToken := tokenRequest(t, srv, http.MethodPost, "mdb_sa_id_acme", acmeSecret, "application/x-www-form-urlencoded", "grant_type=client_credentials")
	c.ok(http.MethodDelete, "/_emulator/faults", "", 204, nil)
	c.ok(http.MethodPost, "/_emulator/faults", `{"operationId": "createLinkToken", "orgId": "`+atlastest.DefaultOrgID+`", "status": 429, "errorCode": "TOO_MANY", "after": 1}`, 201, nil)
	c.ok(http.MethodPost, "/_emulator/faults", `{"orgId": "`+acmeOrg+`", "status": 500, "after": 1, "times": 1}`, 201, nil)
	demoLink := func() *http.Response {
		return bearerCall(t, srv, atlastest.DefaultOrgID, demoToken["access_token"].(string))
	}
	acmeLink := func() *http.Response { return bearerCall(t, srv, acmeOrg, acmeToken["access_token"].(string)) }
	acmeRead := func() *http.Response {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+acmeMigrate+"/0123456789abcdef01234567", nil)
		req.Header.Set("Authorization", "Bearer "+acmeToken["access_token"].(string))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	for i, tc := range []struct {
		call   func() *http.Response
		status int
	}{
		{demoLink, 201}, // F2's after
		{acmeLink, 201}, // F3's after
		{demoLink, 429}, // F2 fires, every time
		{demoLink, 429},
		{acmeRead, 500}, // F3 fires for acme's project, once
		{acmeRead, 404},
		{acmeLink, 201},
	} {
		if resp := tc.call(); resp.StatusCode != tc.status {
			t.Errorf("call %d: %d, want %d", i, resp.StatusCode, tc.status)
		}
	}
	c.ok(http.MethodGet, "/_emulator/faults", "", 200, &list)
	if len(list.Faults) != 2 || list.Faults[0].Matched != 3 || list.Faults[0].Fired != 2 || list.Faults[1].Matched != 4 || list.Faults[1].Fired != 1 {
		t.Errorf("faults %+v", list.Faults)
	}
	c.ok(http.MethodDelete, "/_emulator/faults/F2", "", 204, nil)
	c.refused(http.MethodDelete, "/_emulator/faults/F2", "", 404, "FAULT_NOT_FOUND", "")
	c.ok(http.MethodPost, "/_emulator/faults", `{"operationId": "createLinkToken", "delay": "1ms", "times": 1}`, 201, nil)
	if resp, _ := do(t, srv, call{path: v2Path, contentType: mediaType, body: `{}`}); resp.StatusCode != 201 {
		t.Errorf("a delay alone: %d, want the emulator's own 201", resp.StatusCode)
	}
	c.ok(http.MethodPost, "/_emulator/faults", `{"operationId": "requestToken", "reset": true, "times": 1}`, 201, nil)
	fresh := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}} // a new connection: no retry on a reused one
	if _, err := fresh.Post(srv.URL+atlastest.TokenPath, "application/x-www-form-urlencoded", strings.NewReader("grant_type=client_credentials")); err == nil {
		t.Error("a reset fault: the client got an answer")
	}
	// The emulator journals the request once its handler returns, after it closed the connection: the client may see
	// the reset first.
	var last atlastest.JournalEntry
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		journal := srv.Journal()
		if last = journal[len(journal)-1]; last.OperationID == atlastest.TokenOperationID || time.Now().After(deadline) {
			break
		}
	}
	if last.OperationID != atlastest.TokenOperationID || last.Status != 0 || last.FaultID != "F5" {
		t.Errorf("the reset request's journal entry: %+v", last)
	}

	for _, tc := range []struct{ body, path string }{
		{`{"operationId": "createLinkTokens", "status": 503}`, "operationId"},
		{`{"operationId": "createLinkToken"}`, ""},
		{`{"operationId": "createLinkToken", "status": 200}`, "status"},
		{`{"operationId": "createLinkToken", "status": 503, "reset": true}`, "reset"},
		{`{"operationId": "createLinkToken", "retryAfter": 1, "delay": "1s"}`, "status"},
		{`{"operationId": "createLinkToken", "delay": "an hour"}`, "delay"},
		{`{"operationId": "createLinkToken", "delay": "11m"}`, "delay"},
		{`{"operationId": "createLinkToken", "status": 503, "times": -1}`, "times"},
		{`{"operationId": "createLinkToken", "status": 503, "fired": 3}`, "id"},
		{`{"operationId": "createLinkToken", "status": 503, "orgId": "nope"}`, "orgId"},
		{`{"operationId": "createLinkToken", "status": 503, "errorCode": "lower"}`, "errorCode"},
		{`{"operationId": "createLinkToken", "status": "503"}`, "status"},
		{`{"operation": "createLinkToken", "status": 503}`, "operation"},
	} {
		c.refused(http.MethodPost, "/_emulator/faults", tc.body, 400, "INVALID_REQUEST", tc.path)
	}
	// An alias names its operation; the Cloud Manager side's operations are known too.
	var alias atlastest.FaultRule
	c.ok(http.MethodPost, "/_emulator/faults", `{"operationId": "createPushMigration", "status": 503}`, 201, &alias)
	c.ok(http.MethodPost, "/_emulator/faults", `{"operationId": "connectOrganizations", "status": 503}`, 201, nil)
	if alias.OperationID != "createGroupLiveMigration" {
		t.Errorf("alias stored as %q", alias.OperationID)
	}
}

// Advancing the clock moves a new migration to readyForCutover without waiting, and CutoverWindow later to EXPIRED;
// a validation leaves PENDING.
func TestClockMovesJobs(t *testing.T) {
	srv := start(t)
	c := newController(t, srv)
	c.ok(http.MethodPost, "/_emulator/seed", acmeSeed, 200, nil)
	acmeLink(t, srv)
	v := doJob(t, srv, acmeCall(http.MethodPost, acmeMigrate+"/validate", acmeBody(t)), 200)
	m := doJob(t, srv, acmeCall(http.MethodPost, acmeMigrate, acmeBody(t)), 201)
	if v.Status != "PENDING" || m.Status != "NEW" {
		t.Fatalf("validation %s, migration %s", v.Status, m.Status)
	}
	var clock atlastest.Clock
	c.ok(http.MethodPost, "/_emulator/clock", `{"advance": "10m"}`, 200, &clock)
	if clock.Offset != "10m0s" {
		t.Errorf("clock %+v", clock)
	}
	if v = doJob(t, srv, acmeCall(http.MethodGet, acmeMigrate+"/validate/"+v.ID, ""), 200); v.Status != "SUCCESS" {
		t.Errorf("validation after 10m: %+v", v)
	}
	if m = doJob(t, srv, acmeCall(http.MethodGet, acmeMigrate+"/"+m.ID, ""), 200); m.Status != "WORKING" || !m.ReadyForCutover {
		t.Errorf("migration after 10m: %+v", m)
	}
	c.ok(http.MethodPost, "/_emulator/clock", `{"advance": "120h"}`, 200, &clock)
	if m = doJob(t, srv, acmeCall(http.MethodGet, acmeMigrate+"/"+m.ID, ""), 200); m.Status != "EXPIRED" || m.ReadyForCutover {
		t.Errorf("migration 120 h later: %+v", m)
	}
	var now atlastest.Clock
	c.ok(http.MethodGet, "/_emulator/clock", "", 200, &now)
	if now.Offset != "120h10m0s" || now.Now.Before(clock.Now) {
		t.Errorf("GET clock %+v after %+v", now, clock)
	}
	for _, body := range []string{`{"advance": "-1m"}`, `{"advance": "0s"}`, `{}`, `{"advance": 600}`, `{"advance": "876000h"}`} {
		c.refused(http.MethodPost, "/_emulator/clock", body, 400, "INVALID_REQUEST", "advance")
	}
}

// Forcing a job's state: the next reads show it, a FAILED validation with its message.
func TestSetJob(t *testing.T) {
	srv := start(t, atlastest.WithPhaseDuration(time.Hour)) // nothing moves on by itself while the test reads
	c := newController(t, srv)
	c.ok(http.MethodPost, "/_emulator/seed", acmeSeed, 200, nil)
	acmeLink(t, srv)
	v := doJob(t, srv, acmeCall(http.MethodPost, acmeMigrate+"/validate", acmeBody(t)), 200)
	var got atlastest.Job
	c.ok(http.MethodPost, "/_emulator/jobs/"+v.ID, `{"status": "FAILED", "errorMessage": "Source cluster rs0 is unreachable."}`, 200, &got)
	if got.Kind != "validation" || got.Status != "FAILED" || got.ErrorMessage != "Source cluster rs0 is unreachable." || got.GroupID != acmeGroup {
		t.Errorf("set validation: %+v", got)
	}
	if v = doJob(t, srv, acmeCall(http.MethodGet, acmeMigrate+"/validate/"+v.ID, ""), 200); v.Status != "FAILED" || v.ErrorMessage != "Source cluster rs0 is unreachable." {
		t.Errorf("read validation: %+v", v)
	}
	c.ok(http.MethodPost, "/_emulator/jobs/"+v.ID, `{"status": "SUCCESS"}`, 200, &got)
	if v = doJob(t, srv, acmeCall(http.MethodGet, acmeMigrate+"/validate/"+v.ID, ""), 200); v.Status != "SUCCESS" || v.ErrorMessage != "" {
		t.Errorf("validation set to SUCCESS: %+v", v)
	}

	m := doJob(t, srv, acmeCall(http.MethodPost, acmeMigrate, acmeBody(t)), 201)
	c.ok(http.MethodPost, "/_emulator/jobs/"+m.ID, `{"lagTimeSeconds": 42}`, 200, &got)
	for range 2 { // held: the next reads show it, however the clock moves
		if m = doJob(t, srv, acmeCall(http.MethodGet, acmeMigrate+"/"+m.ID, ""), 200); m.Status != "WORKING" || m.ReadyForCutover || m.LagTimeSeconds == nil || *m.LagTimeSeconds != 42 {
			t.Errorf("held lag: %+v", m)
		}
		if _, err := srv.AdvanceClock(time.Hour); err != nil {
			t.Fatal(err)
		}
	}
	c.ok(http.MethodPost, "/_emulator/jobs/"+m.ID, `{"readyForCutover": true}`, 200, &got)
	if got.Status != "WORKING" || got.ReadyForCutover == nil || !*got.ReadyForCutover {
		t.Errorf("set ready: %+v", got)
	}
	if resp, _ := do(t, srv, acmeCall(http.MethodPut, acmeMigrate+"/"+m.ID+"/cutover", "")); resp.StatusCode != 202 {
		t.Errorf("cutover of a migration set ready: %d", resp.StatusCode)
	}
	c.ok(http.MethodPost, "/_emulator/jobs/"+m.ID, `{"status": "FAILED", "errorMessage": "oplog rolled over"}`, 200, &got)
	if m = doJob(t, srv, acmeCall(http.MethodGet, acmeMigrate+"/"+m.ID, ""), 200); m.Status != "FAILED" || got.ErrorMessage != "oplog rolled over" {
		t.Errorf("set FAILED: read %+v, control %+v", m, got)
	}
	for _, status := range []string{"NEW", "COMPLETE", "EXPIRED", "WORKING"} {
		c.ok(http.MethodPost, "/_emulator/jobs/"+m.ID, `{"status": "`+status+`"}`, 200, nil)
		if m = doJob(t, srv, acmeCall(http.MethodGet, acmeMigrate+"/"+m.ID, ""), 200); m.Status != status {
			t.Errorf("set %s: read %+v", status, m)
		}
	}
	var read atlastest.Job
	c.ok(http.MethodGet, "/_emulator/jobs/"+m.ID, "", 200, &read)
	if read.Kind != "migration" || read.Status != "WORKING" || read.ErrorMessage != "" || read.LagTimeSeconds == nil {
		t.Errorf("GET job: %+v", read)
	}
	for _, tc := range []struct{ id, body, path string }{
		{v.ID, `{"status": "WORKING"}`, "status"},
		{v.ID, `{}`, "status"},
		{v.ID, `{"readyForCutover": true}`, "readyForCutover"},
		{v.ID, `{"status": "SUCCESS", "errorMessage": "no"}`, "errorMessage"},
		{m.ID, `{"status": "PENDING"}`, "status"},
		{m.ID, `{}`, ""},
		{m.ID, `{"status": "FAILED", "readyForCutover": true}`, "readyForCutover"},
		{m.ID, `{"lagTimeSeconds": 5, "readyForCutover": true}`, "lagTimeSeconds"},
		{m.ID, `{"lagTimeSeconds": -5}`, "lagTimeSeconds"},
		{m.ID, `{"lag": 5}`, "lag"},
	} {
		c.refused(http.MethodPost, "/_emulator/jobs/"+tc.id, tc.body, 400, "INVALID_REQUEST", tc.path)
	}
	c.refused(http.MethodPost, "/_emulator/jobs/0123456789abcdef01234567", `{"status": "FAILED"}`, 404, "JOB_NOT_FOUND", "")
	c.refused(http.MethodGet, "/_emulator/jobs/0123456789abcdef01234567", "", 404, "JOB_NOT_FOUND", "")
}

// The journal lists the calls that reached the emulated APIs, newest last, with their operation, principal, status
// and created IDs; no secret, token, password or link-token is in it, and no control request.
func TestJournalListsCallsWithoutSecrets(t *testing.T) {
	srv := start(t)
	c := newController(t, srv)
	c.ok(http.MethodPost, "/_emulator/seed", acmeSeed, 200, nil)
	linkResp, linkBody := do(t, srv, acmeCall(http.MethodPost, acmeLinks+"?pretty=true", `{"accessListIps":["203.0.113.7"]}`))
	var link struct{ LinkToken string }
	if err := json.Unmarshal(linkBody, &link); err != nil || link.LinkToken == "" {
		t.Fatalf("no link-token: %d, %v", linkResp.StatusCode, err)
	}
	withPassword := migrationBody(t, func(m map[string]any) {
		source(m)["groupId"] = acmeSource
		source(m)["managedAuthentication"] = false
		source(m)["username"] = "admin"
		source(m)["password"] = "pw-s3cr3t"
		destination(m)["groupId"] = acmeGroup
	})
	v := doJob(t, srv, acmeCall(http.MethodPost, acmeMigrate+"/validate", withPassword), 200)
	m := doJob(t, srv, acmeCall(http.MethodPost, acmeMigrate, acmeBody(t)), 201)
	_, token := tokenRequest(t, srv, http.MethodPost, "mdb_sa_id_acme", acmeSecret, "application/x-www-form-urlencoded", "grant_type=client_credentials")
	bearer := token["access_token"].(string)
	bearerCall(t, srv, acmeOrg, bearer)
	// A query parameter the operation does not declare is journaled without its value.
	if resp, _ := do(t, srv, acmeCall(http.MethodGet, acmeProjects+"?access_token=leaky&pretty=true", "")); resp.StatusCode != 200 {
		t.Errorf("undeclared query parameter: %d", resp.StatusCode)
	}
	c.ok(http.MethodGet, "/_emulator/health", "", 200, nil)

	resp, body := c.send(http.MethodGet, "/_emulator/requests", "", true)
	if resp.StatusCode != 200 {
		t.Fatalf("GET requests: %d", resp.StatusCode)
	}
	for _, secret := range []string{acmePrivateKey, acmeSecret, acmeSourceKey, link.LinkToken, bearer, "pw-s3cr3t", "leaky"} {
		if bytes.Contains(body, []byte(secret)) {
			t.Errorf("the journal holds a secret (%d bytes)", len(secret))
		}
	}
	var journal struct{ Requests []atlastest.JournalEntry }
	if err := json.Unmarshal(body, &journal); err != nil {
		t.Fatal(err)
	}
	type seen struct {
		op, principal string
		status        int
		created       string
	}
	var got []seen
	for _, e := range journal.Requests {
		if e.Status == 401 && e.Auth == "missing" {
			continue // the digest challenges
		}
		created := ""
		if len(e.Created) > 0 {
			created = e.Created[0]
		}
		got = append(got, seen{e.OperationID, e.Principal, e.Status, created})
	}
	want := []seen{
		{"createLinkToken", acmePublicKey, 201, ""},
		{"validateLiveMigrations", acmePublicKey, 200, v.ID},
		{"createGroupLiveMigration", acmePublicKey, 201, m.ID},
		{atlastest.TokenOperationID, "mdb_sa_id_acme", 200, ""},
		{"createLinkToken", "mdb_sa_id_acme", 201, ""},
		{"listAvailableProjects", acmePublicKey, 200, ""},
	}
	if len(got) != len(want) {
		t.Fatalf("journal %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("journal[%d] = %+v, want %+v", i, got[i], want[i])
		}
	}
	first, last := journal.Requests[1], journal.Requests[len(journal.Requests)-1] // the first answered after its challenge
	if first.Query != "pretty=true" || first.Method != http.MethodPost || first.Path != acmeLinks || first.Time.IsZero() || first.Auth != "ok" {
		t.Errorf("first entry %+v", first)
	}
	if last.Query != "access_token=REDACTED&pretty=true" {
		t.Errorf("last entry's query %q", last.Query)
	}
	c.ok(http.MethodDelete, "/_emulator/requests", "", 204, nil)
	if n := len(srv.Journal()); n != 0 {
		t.Errorf("%d entries after DELETE", n)
	}
}

// The journal keeps the latest MaxJournalEntries requests.
func TestJournalIsBounded(t *testing.T) {
	srv := start(t)
	for i := range atlastest.MaxJournalEntries + 10 {
		req := httptest.NewRequest(http.MethodGet, "/api/atlas/v2/nothing?i="+string(rune('a'+i%26)), nil)
		srv.ServeHTTP(httptest.NewRecorder(), req)
	}
	journal := srv.Journal()
	if len(journal) != atlastest.MaxJournalEntries || journal[0].Status != 404 || journal[0].Query != "i=REDACTED" {
		t.Errorf("%d entries, first %+v", len(journal), journal[0])
	}
}

// Who may use the control plane: loopback clients without credentials, or anyone with the control token; never
// Atlas credentials; and Atlas paths never take its token. Tested at the handler, faking the client's address: no
// traffic leaves loopback.
func TestControlAccess(t *testing.T) {
	control := func(srv *atlastest.Server, remote, authorization string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodGet, "/_emulator/health", nil)
		req.RemoteAddr = remote
		if authorization != "" {
			req.Header.Set("Authorization", authorization)
		}
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		return rec
	}
	open := start(t)
	for _, tc := range []struct {
		remote, authorization string
		status                int
	}{
		{"127.0.0.1:50000", "", 200},
		{"[::1]:50000", "", 200},
		{"203.0.113.9:50000", "", 403},
		{"10.0.0.2:50000", "", 403},
		{"garbage", "", 403},
		{"127.0.0.1:50000", `Digest username="emulatorpub", realm="MMS Public API"`, 401},
		{"127.0.0.1:50000", "Bearer anything", 401},
	} {
		rec := control(open, tc.remote, tc.authorization)
		if rec.Code != tc.status || rec.Header().Get(atlastest.VersionHeader) == "" {
			t.Errorf("no token, from %s with %q: %d, want %d", tc.remote, tc.authorization, rec.Code, tc.status)
		}
	}
	const token = "ctl-token-0123456789"
	guarded := start(t, atlastest.WithControlToken(token))
	for _, tc := range []struct {
		remote, authorization string
		status                int
	}{
		{"127.0.0.1:50000", "", 401},
		{"203.0.113.9:50000", "", 401},
		{"127.0.0.1:50000", "Bearer wrong", 401},
		{"127.0.0.1:50000", "Bearer " + token, 200},
		{"203.0.113.9:50000", "Bearer " + token, 200},
		{"127.0.0.1:50000", "Basic " + token, 401},
	} {
		rec := control(guarded, tc.remote, tc.authorization)
		if rec.Code != tc.status {
			t.Errorf("token, from %s: %d, want %d", tc.remote, rec.Code, tc.status)
		}
		if rec.Code == 401 && !strings.HasPrefix(rec.Header().Get("WWW-Authenticate"), "Bearer ") {
			t.Errorf("401 without a Bearer challenge: %q", rec.Header().Get("WWW-Authenticate"))
		}
	}
	// Over the network too, and with the document's checks.
	c := newController(t, guarded)
	c.refused(http.MethodGet, "/_emulator/health", "", 401, "UNAUTHORIZED", "")
	c.token = token
	c.ok(http.MethodGet, "/_emulator/health", "", 200, nil)
	// Atlas paths never take the control token.
	req, _ := http.NewRequest(http.MethodPost, guarded.URL+v2Path, strings.NewReader(`{}`))
	req.Header.Set("Content-Type", mediaType)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 || !strings.Contains(resp.Header.Get("WWW-Authenticate"), "invalid_token") {
		t.Errorf("Atlas path with the control token: %d %q", resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
	}
	if _, err := atlastest.NewServer(atlastest.WithControlToken("has space")); err == nil {
		t.Error("a token with a space was accepted")
	}

	// Without the control plane its paths are unknown paths, as on Atlas, and they are journaled like any other.
	off := start(t, atlastest.WithoutControl())
	rec := control(off, "127.0.0.1:50000", "")
	if rec.Code != 404 || !strings.Contains(rec.Body.String(), `"errorCode":"NOT_FOUND"`) || rec.Header().Get(atlastest.VersionHeader) == "" {
		t.Errorf("WithoutControl: %d %s", rec.Code, rec.Body.String())
	}
	if len(off.Journal()) != 1 || len(open.Journal()) != 0 {
		t.Errorf("journals: %d with the control plane off, %d with control requests only", len(off.Journal()), len(open.Journal()))
	}
}

// Seeds and resets while clients call the emulated APIs: requests see the state before or after, never half of it
// (run with -race).
func TestSeedAndResetDuringRequests(t *testing.T) {
	srv := start(t)
	seed, err := atlastest.ParseSeed([]byte(acmeSeed))
	if err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				resp, _ := do(t, srv, acmeCall(http.MethodPost, acmeLinks, `{}`))
				if resp.StatusCode != 201 && resp.StatusCode != 401 {
					t.Errorf("during seeds and resets: %d", resp.StatusCode)
					return
				}
			}
		}()
	}
	for range 20 {
		if _, err := srv.Seed(seed); err != nil {
			t.Error(err)
		}
		srv.Reset()
	}
	close(stop)
	wg.Wait()
}

// Reset forgets both sides of a link: the Atlas org's link and the key its link-token held (401 after), the source
// org's connection (NOT_SYNCED, nothing to list), a seeded source org and its key, and the rate windows; linking
// again works as from the start.
func TestResetUnlinksBothSides(t *testing.T) {
	srv := start(t)
	c := newController(t, srv)
	c.ok(http.MethodPost, "/_emulator/seed", acmeSeed, 200, nil)
	token := newLinkToken(t, srv)
	connect(t, srv, atlastest.DefaultSourceOrgID, token, 201)
	raw, _ := base64.StdEncoding.DecodeString(token)
	var claims struct{ PublicAPIKey, PrivateAPIKey string }
	if err := json.Unmarshal(raw, &claims); err != nil {
		t.Fatal(err)
	}
	acme := acmeLink(t, srv)
	minted := call{method: http.MethodGet, path: orgProjects, user: claims.PublicAPIKey, password: claims.PrivateAPIKey}
	acmeMinted := call{method: http.MethodGet, path: acmeProjects, user: acme["publicApiKey"], password: acme["privateApiKey"]}
	for _, k := range []call{minted, acmeMinted} {
		if resp, _ := do(t, srv, k); resp.StatusCode != 200 {
			t.Fatalf("a link-token's key before reset: %d", resp.StatusCode)
		}
	}
	if statusOf(t, srv) != "SYNCED" || projectCount(t, srv) != 1 || !srv.Linked(atlastest.DefaultOrgID) {
		t.Fatal("the demo orgs are not linked before reset")
	}

	c.ok(http.MethodPost, "/_emulator/reset", "", 200, nil)
	if srv.Linked(atlastest.DefaultOrgID) || srv.Linked(acmeOrg) {
		t.Error("an Atlas org is still linked after reset")
	}
	for _, k := range []call{minted, acmeMinted} {
		if resp, _ := do(t, srv, k); resp.StatusCode != 401 {
			t.Errorf("a link-token's key after reset: %d, want 401", resp.StatusCode)
		}
	}
	if got := statusOf(t, srv); got != "NOT_SYNCED" {
		t.Errorf("the demo source after reset: %s, want NOT_SYNCED", got)
	}
	resp, body := do(t, srv, call{method: http.MethodGet, path: orgProjects})
	if resp.StatusCode != 200 || string(body) != "[]" || resp.Header.Get("RateLimit-Remaining") != "499" {
		t.Errorf("listAvailableProjects after reset: %d %s, RateLimit-Remaining %q (want [] and the first of a minute, 499)",
			resp.StatusCode, body, resp.Header.Get("RateLimit-Remaining"))
	}
	if resp, _ := do(t, srv, call{method: http.MethodGet, path: acmeSourceLink + "/status", user: "acmesrc1", password: acmeSourceKey}); resp.StatusCode != 401 {
		t.Errorf("the seeded source key after reset: %d, want 401", resp.StatusCode)
	}
	// The token of before the reset connects nothing; a new one links both sides again.
	connect(t, srv, atlastest.DefaultSourceOrgID, token, 400)
	link(t, srv)
	if statusOf(t, srv) != "SYNCED" || projectCount(t, srv) != 1 {
		t.Error("linking again after reset failed")
	}
	c.ok(http.MethodPost, "/_emulator/seed", acmeSeed, 200, nil)
}
