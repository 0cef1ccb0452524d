package atlastest_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/icholy/digest"

	"github.com/atlas-linktoken/atlas-linktoken/gen"
	"github.com/atlas-linktoken/atlas-linktoken/pkg/atlastest"
)

var (
	sourceLink   = "/api/public/v1.0/orgs/" + atlastest.DefaultSourceOrgID + "/liveExport/migrationLink"
	sourceStatus = sourceLink + "/status"
)

// sourceCall is c sent with the demo source key.
func sourceCall(c call) call {
	if c.user == "" {
		c.user, c.password = atlastest.DefaultSourcePublicKey, atlastest.DefaultSourcePrivateKey
	}
	return c
}

// connect connects source org orgID with token (never logged) and checks the answer's status.
func connect(t *testing.T, srv *atlastest.Server, orgID, token string, want int) []byte {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"linkToken": token})
	path := "/api/public/v1.0/orgs/" + orgID + "/liveExport/migrationLink"
	resp, answer := do(t, srv, sourceCall(call{path: path, contentType: "application/json", body: string(body)}))
	if resp.StatusCode != want {
		t.Fatalf("connectOrganizations: %d, want %d", resp.StatusCode, want)
	}
	if bytes.Contains(answer, []byte(token)) {
		t.Fatal("connectOrganizations quoted the link-token back")
	}
	return answer
}

// newLinkToken creates a link-token in the demo org with the demo key.
func newLinkToken(t *testing.T, srv *atlastest.Server) string {
	t.Helper()
	resp, body := do(t, srv, call{path: orgLinks, contentType: media2023, body: `{"accessListIps":["203.0.113.7"]}`})
	var token struct{ LinkToken string }
	if resp.StatusCode != 201 || json.Unmarshal(body, &token) != nil || token.LinkToken == "" {
		t.Fatalf("createLinkToken: %d", resp.StatusCode)
	}
	return token.LinkToken
}

func statusOf(t *testing.T, srv *atlastest.Server) string {
	t.Helper()
	resp, body := do(t, srv, sourceCall(call{method: http.MethodGet, path: sourceStatus}))
	var s struct{ Status string }
	if resp.StatusCode != 200 || json.Unmarshal(body, &s) != nil || resp.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("connectionStatus: %d %s", resp.StatusCode, body)
	}
	return s.Status
}

func projectCount(t *testing.T, srv *atlastest.Server) int {
	t.Helper()
	resp, body := do(t, srv, call{method: http.MethodGet, path: orgProjects})
	var projects []gen.LiveImportAvailableProject
	if resp.StatusCode != 200 || json.Unmarshal(body, &projects) != nil {
		t.Fatalf("listAvailableProjects: %d %s", resp.StatusCode, body)
	}
	return len(projects)
}

var (
	uuidPattern      = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	publicKeyPattern = regexp.MustCompile(`^[a-z]{8}$`)
)

// A link-token is Atlas-shaped: standard base64 (padded) of compact JSON with the four keys in alphabetical order,
// holding a fresh Organization Owner key of the org that works on the Atlas side until the link is deleted.
func TestLinkTokenHoldsAnAtlasOrgKey(t *testing.T) {
	srv, _ := startMigrations(t)
	token := newLinkToken(t, srv)
	raw, err := base64.StdEncoding.Strict().DecodeString(token)
	if err != nil || len(token) != 192 || len(token)%4 != 0 {
		t.Fatalf("the link-token is not 192 characters of padded standard base64 (%d characters, %v)", len(token), err)
	}
	var claims struct {
		OrgID         string `json:"orgId"`
		OrgName       string `json:"orgName"`
		PrivateAPIKey string `json:"privateApiKey"`
		PublicAPIKey  string `json:"publicApiKey"`
	}
	if err := json.Unmarshal(raw, &claims); err != nil {
		t.Fatal("the link-token does not hold JSON")
	}
	var compact bytes.Buffer
	if keys := jsonKeys(t, raw); strings.Join(keys, ",") != "orgId,orgName,privateApiKey,publicApiKey" || json.Compact(&compact, raw) != nil || compact.String() != string(raw) {
		t.Errorf("link-token JSON keys %v, or not compact", keys)
	}
	if claims.OrgID != atlastest.DefaultOrgID || claims.OrgName != atlastest.DefaultOrgName ||
		!uuidPattern.MatchString(claims.PrivateAPIKey) || !publicKeyPattern.MatchString(claims.PublicAPIKey) {
		t.Errorf("claims: org %q %q, private key a UUID: %t, public key 8 letters: %t", claims.OrgID, claims.OrgName,
			uuidPattern.MatchString(claims.PrivateAPIKey), publicKeyPattern.MatchString(claims.PublicAPIKey))
	}
	asToken := call{method: http.MethodGet, path: orgProjects, user: claims.PublicAPIKey, password: claims.PrivateAPIKey}
	if resp, _ := do(t, srv, asToken); resp.StatusCode != 200 {
		t.Errorf("the link-token's key on Atlas: %d, want 200 (Organization Owner)", resp.StatusCode)
	}
	if resp, _ := do(t, srv, sourceCall(call{method: http.MethodGet, path: sourceStatus, user: claims.PublicAPIKey, password: claims.PrivateAPIKey})); resp.StatusCode != 401 {
		t.Errorf("the link-token's key on the source side: %d, want 401", resp.StatusCode)
	}
	if resp, _ := do(t, srv, call{method: http.MethodDelete, path: orgLinks}); resp.StatusCode != 204 {
		t.Fatalf("deleteLinkTokens: %d", resp.StatusCode)
	}
	if resp, _ := do(t, srv, asToken); resp.StatusCode != 401 {
		t.Errorf("the link-token's key after the link was deleted: %d, want 401", resp.StatusCode)
	}
}

// An org keeps one link: a new link-token revokes the key of the previous one, so link keys do not pile up.
func TestANewLinkTokenRevokesThePrevious(t *testing.T) {
	srv, _ := startMigrations(t)
	keyOf := func(token string) call {
		raw, _ := base64.StdEncoding.DecodeString(token)
		var claims struct {
			PrivateAPIKey string `json:"privateApiKey"`
			PublicAPIKey  string `json:"publicApiKey"`
		}
		_ = json.Unmarshal(raw, &claims)
		return call{method: http.MethodGet, path: orgProjects, user: claims.PublicAPIKey, password: claims.PrivateAPIKey}
	}
	first, second := keyOf(newLinkToken(t, srv)), keyOf(newLinkToken(t, srv))
	if resp, _ := do(t, srv, first); resp.StatusCode != 401 {
		t.Errorf("the replaced link-token's key: %d, want 401", resp.StatusCode)
	}
	if resp, _ := do(t, srv, second); resp.StatusCode != 200 {
		t.Errorf("the current link-token's key: %d, want 200", resp.StatusCode)
	}
}

// jsonKeys lists an object's top-level keys in the order they appear.
func jsonKeys(t *testing.T, raw []byte) []string {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(raw))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		t.Fatalf("not a JSON object: %v", err)
	}
	var keys []string
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, tok.(string))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			t.Fatal(err)
		}
	}
	return keys
}

// The handshake on one emulator: listAvailableProjects is empty until the source org connects with the Atlas org's
// link-token; deleting the Atlas link makes the source NOT_SYNCED; the source side disconnects too.
func TestBothSidesLink(t *testing.T) {
	srv, _ := startMigrations(t)
	if got := statusOf(t, srv); got != "NOT_SYNCED" {
		t.Errorf("status before any link: %s", got)
	}
	token := newLinkToken(t, srv)
	if n := projectCount(t, srv); n != 0 {
		t.Errorf("listAvailableProjects after createLinkToken alone: %d projects, want none", n)
	}
	if answer := connect(t, srv, atlastest.DefaultSourceOrgID, token, 201); string(answer) != `{"status":"SYNCED"}` {
		t.Errorf("connectOrganizations answered %s", answer)
	}
	if got := statusOf(t, srv); got != "SYNCED" {
		t.Errorf("status after connecting: %s", got)
	}
	if n := projectCount(t, srv); n != len(atlastest.DemoSourceProjects()) {
		t.Errorf("listAvailableProjects once connected: %d projects", n)
	}
	if resp, _ := do(t, srv, call{method: http.MethodDelete, path: orgLinks}); resp.StatusCode != 204 {
		t.Fatalf("deleteLinkTokens: %d", resp.StatusCode)
	}
	if got := statusOf(t, srv); got != "NOT_SYNCED" {
		t.Errorf("status after the Atlas link was deleted: %s", got)
	}
	if n := projectCount(t, srv); n != 0 {
		t.Errorf("listAvailableProjects after the link was deleted: %d", n)
	}

	connect(t, srv, atlastest.DefaultSourceOrgID, newLinkToken(t, srv), 201)
	if resp, body := do(t, srv, sourceCall(call{method: http.MethodDelete, path: sourceLink})); resp.StatusCode != 204 || len(body) != 0 {
		t.Fatalf("deleteConnection: %d %s", resp.StatusCode, body)
	}
	if got := statusOf(t, srv); got != "NOT_SYNCED" || projectCount(t, srv) != 0 {
		t.Errorf("after deleteConnection: %s, %d projects", got, projectCount(t, srv))
	}
	resp, body := do(t, srv, sourceCall(call{method: http.MethodDelete, path: sourceLink}))
	if e := decodeError(t, body); resp.StatusCode != 404 || e.ErrorCode != "ORG_LINK_NOT_FOUND" {
		t.Errorf("deleteConnection when not connected: %d %s", resp.StatusCode, body)
	}
}

// Cloud Manager refuses a link-token that is malformed, revoked (deleted or replaced) or from another Atlas, with 400
// INVALID_LINK_TOKEN naming the field and never quoting the token.
func TestConnectRefusesUnusableTokens(t *testing.T) {
	srv, _ := startMigrations(t)
	other, _ := startMigrations(t)
	fromOther := newLinkToken(t, other)
	replaced := newLinkToken(t, srv)
	current := newLinkToken(t, srv) // replaces the first
	notJSON := base64.StdEncoding.EncodeToString([]byte("not json"))
	noKey := base64.StdEncoding.EncodeToString([]byte(`{"orgId":"` + atlastest.DefaultOrgID + `","orgName":"x","privateApiKey":"","publicApiKey":""}`))
	for _, tc := range []struct{ name, token, detail string }{
		{"not base64", "eyJ%%%", "malformed"},
		{"unpadded", strings.TrimRight(current, "="), "malformed"},
		{"not JSON", notJSON, "malformed"},
		{"no key", noKey, "malformed"},
		{"another emulator's", fromOther, "not valid"},
		{"replaced by a newer one", replaced, "not valid"},
	} {
		answer := connect(t, srv, atlastest.DefaultSourceOrgID, tc.token, 400)
		if e := decodeError(t, answer); e.ErrorCode != "INVALID_LINK_TOKEN" || !strings.Contains(e.Detail, tc.detail) ||
			e.BadRequestDetail == nil || e.BadRequestDetail.Fields[0].Field != "linkToken" {
			t.Errorf("%s: %s", tc.name, answer)
		}
	}
	if got := statusOf(t, srv); got != "NOT_SYNCED" {
		t.Errorf("status after refused tokens: %s", got)
	}
	connect(t, srv, atlastest.DefaultSourceOrgID, current, 201)
	do(t, srv, call{method: http.MethodDelete, path: orgLinks})
	if e := decodeError(t, connect(t, srv, atlastest.DefaultSourceOrgID, current, 400)); !strings.Contains(e.Detail, "not valid") {
		t.Errorf("a revoked token: %+v", e)
	}
}

// The source side authenticates with the source organizations' keys only (digest), needs Organization Owner of
// the source org, and answers unknown orgs, paths and methods as the Atlas side does.
func TestSourceSideAccess(t *testing.T) {
	const otherOrg = "5e2211c17a3e5a48f5497d00"
	srv, _ := startMigrations(t, atlastest.WithSourceOrg(atlastest.DefaultSourceOrgID, atlastest.DemoSourceProjects()...),
		atlastest.WithSourceAPIKey(atlastest.DefaultSourcePublicKey, atlastest.DefaultSourcePrivateKey, atlastest.DefaultSourceOrgID),
		atlastest.WithSourceAPIKey("srcmember", "member-secret"), atlastest.WithSourceOrg(otherOrg))
	for _, tc := range []struct {
		name string
		c    call
		want int
		code string
	}{
		{"owner", sourceCall(call{method: http.MethodGet, path: sourceStatus}), 200, ""},
		{"Atlas key", call{method: http.MethodGet, path: sourceStatus}, 401, "UNAUTHORIZED"},
		{"wrong private key", sourceCall(call{method: http.MethodGet, path: sourceStatus, user: atlastest.DefaultSourcePublicKey, password: "x"}), 401, "UNAUTHORIZED"},
		{"key of no org", sourceCall(call{method: http.MethodGet, path: sourceStatus, user: "srcmember", password: "member-secret"}), 403, "USER_UNAUTHORIZED"},
		{"another org", sourceCall(call{method: http.MethodGet, path: strings.Replace(sourceStatus, atlastest.DefaultSourceOrgID, otherOrg, 1)}), 403, "USER_UNAUTHORIZED"},
		{"unknown org", sourceCall(call{method: http.MethodGet, path: strings.Replace(sourceStatus, atlastest.DefaultSourceOrgID, "aaaaaaaaaaaaaaaaaaaaaaaa", 1)}), 404, "ORG_NOT_FOUND"},
		{"malformed org", sourceCall(call{method: http.MethodGet, path: strings.Replace(sourceStatus, atlastest.DefaultSourceOrgID, "XYZ", 1)}), 400, "VALIDATION_ERROR"},
		{"unknown path", sourceCall(call{method: http.MethodGet, path: "/api/public/v1.0/orgs"}), 404, "NOT_FOUND"},
		{"wrong method", sourceCall(call{method: http.MethodPut, path: sourceLink}), 405, "METHOD_NOT_ALLOWED"},
		{"no token", sourceCall(call{path: sourceLink, contentType: "application/json", body: `{}`}), 400, "VALIDATION_ERROR"},
		{"unknown attribute", sourceCall(call{path: sourceLink, contentType: "application/json", body: `{"linkToken":"x","extra":1}`}), 400, "INVALID_ATTRIBUTE"},
	} {
		resp, body := do(t, srv, tc.c)
		if resp.StatusCode != tc.want || (tc.code != "" && decodeError(t, body).ErrorCode != tc.code) {
			t.Errorf("%s: %d %s, want %d %s", tc.name, resp.StatusCode, body, tc.want, tc.code)
		}
		if tc.want == 405 && resp.Header.Get("Allow") != "DELETE, POST" {
			t.Errorf("%s: Allow %q", tc.name, resp.Header.Get("Allow"))
		}
		if tc.code != "" && resp.Header.Get("X-Error-Code") != tc.code {
			t.Errorf("%s: X-Error-Code %q", tc.name, resp.Header.Get("X-Error-Code"))
		}
	}
	// A bearer token of an Atlas service account is not a source credential.
	req, _ := http.NewRequest(http.MethodGet, srv.URL+sourceStatus, nil)
	req.Header.Set("Authorization", "Bearer eyJhbGciOiJub25lIn0.e30.x")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 {
		t.Errorf("bearer on the source side: %d", resp.StatusCode)
	}
}

// Two source organizations connected with one Atlas org's link-token: listAvailableProjects lists both's projects,
// in the order the organizations were added.
func TestSeveralSourceOrgs(t *testing.T) {
	const orgA, orgB = "5e2211c17a3e5a48f5497da1", "5e2211c17a3e5a48f5497db1"
	a := gen.LiveImportAvailableProject{ProjectID: ptrTo("5e2211c17a3e5a48f5497da2"), Name: ptrTo("A")}
	b := gen.LiveImportAvailableProject{ProjectID: ptrTo("5e2211c17a3e5a48f5497db2"), Name: ptrTo("B")}
	srv, _ := startMigrations(t, atlastest.WithSourceOrg(orgA, a), atlastest.WithSourceOrg(orgB, b))
	token := newLinkToken(t, srv)
	connect(t, srv, orgB, token, 201)
	connect(t, srv, orgA, token, 201)
	_, body := do(t, srv, call{method: http.MethodGet, path: orgProjects})
	var projects []gen.LiveImportAvailableProject
	if json.Unmarshal(body, &projects) != nil || len(projects) != 2 || *projects[0].Name != "A" || *projects[1].Name != "B" {
		t.Errorf("listAvailableProjects: %s", body)
	}
	if _, err := atlastest.NewServer(atlastest.WithSourceOrg(orgA, a), atlastest.WithSourceOrg(orgB, a)); err == nil {
		t.Error("one project in two source orgs was accepted")
	}
	if _, err := atlastest.NewServer(atlastest.WithSourceOrg(orgA), atlastest.WithSourceOrg(orgA)); err == nil {
		t.Error("a source org given twice was accepted")
	}
	if _, err := atlastest.NewServer(atlastest.WithSourceAPIKey("k", "", orgA)); err == nil {
		t.Error("a source key without a private key was accepted")
	}
}

// While a migration into one of the org's projects is active, the link cannot be deleted: 409 as the document's
// example; once it is COMPLETE it can.
func TestDeleteLinkDuringAMigration(t *testing.T) {
	srv, clock := startMigrations(t)
	link(t, srv)
	m := doJob(t, srv, call{path: groupMigrate, contentType: media2024, body: migrationBody(t, nil)}, 201)
	for range 1 + atlastest.SyncPhases {
		clock.Advance(phase)
	}
	resp, body := do(t, srv, call{method: http.MethodDelete, path: orgLinks})
	e := decodeError(t, body)
	if resp.StatusCode != 409 || e.ErrorCode != "CANNOT_DELETE_ORG_ACTIVE_LIVE_MIGRATION_ATLAS_ORG_LINK" ||
		e.Detail != "Cannot delete organization link while there is active migration in following project ids: "+groupID ||
		resp.Header.Get("X-Error-Code") != e.ErrorCode {
		t.Fatalf("delete during a migration: %d %s", resp.StatusCode, body)
	}
	if got := statusOf(t, srv); got != "SYNCED" {
		t.Errorf("the refused delete unlinked the source: %s", got)
	}
	if resp, _ := do(t, srv, call{method: http.MethodPut, path: groupMigrate + "/" + m.ID + "/cutover"}); resp.StatusCode != 202 {
		t.Fatalf("cutover: %d", resp.StatusCode)
	}
	clock.Advance(phase)
	if m = doJob(t, srv, call{method: http.MethodGet, path: groupMigrate + "/" + m.ID}, 200); m.Status != "COMPLETE" {
		t.Fatalf("after the cutover: %+v", m)
	}
	if resp, body := do(t, srv, call{method: http.MethodDelete, path: orgLinks}); resp.StatusCode != 204 {
		t.Errorf("delete once the migration is COMPLETE: %d %s", resp.StatusCode, body)
	}
}

// readyForCutover starts the 120-hour window on the emulator's clock: ready until it runs out, EXPIRED from then.
func TestCutoverWindowRunsOutOnTheClock(t *testing.T) {
	srv, clock := startMigrations(t)
	link(t, srv)
	m := doJob(t, srv, call{path: groupMigrate, contentType: media2024, body: migrationBody(t, nil)}, 201)
	get := call{method: http.MethodGet, path: groupMigrate + "/" + m.ID}
	clock.Advance((1 + atlastest.SyncPhases) * phase)
	if m = doJob(t, srv, get, 200); !m.ReadyForCutover {
		t.Fatalf("not ready: %+v", m)
	}
	clock.Advance(atlastest.CutoverWindow - time.Nanosecond)
	if m = doJob(t, srv, get, 200); !m.ReadyForCutover || m.Status != "WORKING" {
		t.Errorf("a nanosecond before the window runs out: %+v", m)
	}
	clock.Advance(time.Nanosecond)
	if m = doJob(t, srv, get, 200); m.ReadyForCutover || m.Status != "EXPIRED" {
		t.Errorf("when the window runs out: %+v", m)
	}
}

// Atlas' RateLimit headers: 500 a minute per principal, Remaining counting down on the emulator's clock; the first
// answer of a minute says 499. 401 answers and the source side carry none.
func TestRateLimitHeaders(t *testing.T) {
	const otherKey, otherSecret = "otherpub", "secret-1"
	srv, clock := startMigrations(t, atlastest.WithAPIKey(otherKey, otherSecret, atlastest.DefaultOrgID))
	demo := newSession(t, srv, atlastest.DefaultPublicKey, atlastest.DefaultPrivateKey)
	remaining := func(s *session) string {
		t.Helper()
		resp, _ := s.do(http.MethodGet, orgProjects, "", "")
		if resp.Header.Get("RateLimit-Limit") != "500" {
			t.Fatalf("RateLimit-Limit %q", resp.Header.Get("RateLimit-Limit"))
		}
		return resp.Header.Get("RateLimit-Remaining")
	}
	for _, want := range []string{"499", "498", "497"} {
		if got := remaining(demo); got != want {
			t.Errorf("RateLimit-Remaining %s, want %s", got, want)
		}
	}
	if got := remaining(newSession(t, srv, otherKey, otherSecret)); got != "499" {
		t.Errorf("another principal's first request: %s", got)
	}
	clock.Advance(time.Minute)
	if got := remaining(demo); got != "499" {
		t.Errorf("a minute later: %s", got)
	}
	for range atlastest.RateLimit {
		remaining(demo)
	}
	if got := remaining(demo); got != "0" {
		t.Errorf("past the limit: %s (the emulator does not refuse, Remaining stays 0)", got)
	}
	resp, _ := http.Get(srv.URL + orgProjects)
	resp.Body.Close()
	if resp.StatusCode != 401 || resp.Header.Get("RateLimit-Remaining") != "" {
		t.Errorf("401: %d, RateLimit-Remaining %q", resp.StatusCode, resp.Header.Get("RateLimit-Remaining"))
	}
	src, _ := do(t, srv, sourceCall(call{method: http.MethodGet, path: sourceStatus}))
	if src.Header.Get("RateLimit-Limit") != "" {
		t.Error("the source side sent RateLimit headers")
	}
}

// Link keys are minted, revoked and restored while requests authenticate with every kind of key, and Seed and Reset
// swap the key stores: under the race detector, every read and write of them is under the same lock.
func TestKeysChangeWhileRequestsAuthenticate(t *testing.T) {
	srv, _ := startMigrations(t)
	status := func(user, password, method, path, contentType, body string) int {
		client := &http.Client{Transport: &digest.Transport{Username: user, Password: password}}
		req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
		if contentType != "" {
			req.Header.Set("Content-Type", contentType)
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Error(err)
			return 0
		}
		var out struct{ LinkToken string }
		_ = json.NewDecoder(resp.Body).Decode(&out)
		resp.Body.Close()
		if out.LinkToken != "" { // use the minted key at once, while others are minted
			raw, _ := base64.StdEncoding.DecodeString(out.LinkToken)
			var claims struct{ PublicAPIKey, PrivateAPIKey string }
			_ = json.Unmarshal(raw, &claims)
			client.Transport = &digest.Transport{Username: claims.PublicAPIKey, Password: claims.PrivateAPIKey}
			if r, err := client.Get(srv.URL + orgProjects); err == nil {
				r.Body.Close()
			}
		}
		return resp.StatusCode
	}
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() {
			for range 10 {
				if got := status(atlastest.DefaultPublicKey, atlastest.DefaultPrivateKey, http.MethodPost, orgLinks, media2023, `{}`); got != 201 {
					t.Errorf("createLinkToken: %d", got)
				}
			}
		})
	}
	wg.Go(func() {
		for range 10 {
			status(atlastest.DefaultSourcePublicKey, atlastest.DefaultSourcePrivateKey, http.MethodGet, sourceStatus, "", "")
			status(atlastest.DefaultPublicKey, atlastest.DefaultPrivateKey, http.MethodGet, orgProjects, "", "")
			req, _ := http.NewRequest(http.MethodPost, srv.URL+atlastest.TokenPath, strings.NewReader("grant_type=client_credentials"))
			req.SetBasicAuth(atlastest.DefaultClientID, atlastest.DefaultClientSecret)
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			if resp, err := http.DefaultClient.Do(req); err == nil {
				resp.Body.Close()
			}
		}
	})
	wg.Go(func() {
		for i := range 5 {
			if _, err := srv.Seed(atlastest.Seed{Orgs: []atlastest.SeedOrg{{ID: fmt.Sprintf("6c0b1c2d3e4f5a6b7c8d9e%02x", i),
				APIKeys: []atlastest.SeedAPIKey{{PublicKey: fmt.Sprintf("racepub%d", i), PrivateKey: "11111111-2222-4333-8444-555555555555", Roles: []string{atlastest.RoleOrgOwner}}}}}}); err != nil {
				t.Error(err)
			}
			srv.Reset()
		}
	})
	wg.Wait()
}
