package atlastest_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/atlas-linktoken/atlas-linktoken/pkg/atlastest"
)

func tokenRequest(t *testing.T, srv *atlastest.Server, method, id, secret, contentType, body string) (*http.Response, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(method, srv.URL+atlastest.TokenPath, strings.NewReader(body))
	if id != "" {
		req.SetBasicAuth(url.QueryEscape(id), url.QueryEscape(secret))
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp, out
}

func bearerCall(t *testing.T, srv *atlastest.Server, orgID, token string) *http.Response {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, srv.URL+strings.Replace(v2Path, atlastest.DefaultOrgID, orgID, 1), strings.NewReader(`{}`))
	req.Header.Set("Content-Type", mediaType)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}

const form = "application/x-www-form-urlencoded"

func TestTokenEndpoint(t *testing.T) {
	other := "eeeeeeeeeeeeeeeeeeeeeeee"
	srv := start(t,
		atlastest.WithServiceAccount("mdb_sa_id_a", "s&cret=1", atlastest.DefaultOrgID),
		atlastest.WithOrg(other))
	resp, tok := tokenRequest(t, srv, http.MethodPost, "mdb_sa_id_a", "s&cret=1", form, "grant_type=client_credentials")
	if resp.StatusCode != 200 || tok["token_type"] != "Bearer" || tok["expires_in"] != float64(3600) || tok["access_token"] == "" {
		t.Fatalf("token answer %d %v", resp.StatusCode, tok)
	}
	access := tok["access_token"].(string)
	if r := bearerCall(t, srv, atlastest.DefaultOrgID, access); r.StatusCode != 201 {
		t.Errorf("bearer call: %d", r.StatusCode)
	}
	if r := bearerCall(t, srv, other, access); r.StatusCode != 403 {
		t.Errorf("bearer call on an org the account does not own: %d, want 403", r.StatusCode)
	}
	r := bearerCall(t, srv, atlastest.DefaultOrgID, "forged")
	if r.StatusCode != 401 || !strings.Contains(strings.Join(r.Header.Values("WWW-Authenticate"), "\n"), `Bearer realm="MMS Public API", error="invalid_token"`) {
		t.Errorf("unknown token: %d %v", r.StatusCode, r.Header.Values("WWW-Authenticate"))
	}
	srv.RevokeTokens()
	if r := bearerCall(t, srv, atlastest.DefaultOrgID, access); r.StatusCode != 401 {
		t.Errorf("revoked token: %d", r.StatusCode)
	}
	if srv.TokenRequests() != 1 {
		t.Errorf("TokenRequests %d", srv.TokenRequests())
	}

	for _, tc := range []struct {
		name, method, id, secret, contentType, body string
		status                                      int
		code                                        string
	}{
		{"wrong secret", http.MethodPost, "mdb_sa_id_a", "nope", form, "grant_type=client_credentials", 401, "invalid_client"},
		{"unknown client", http.MethodPost, "ghost", "x", form, "grant_type=client_credentials", 401, "invalid_client"},
		{"no credentials", http.MethodPost, "", "", form, "grant_type=client_credentials", 401, "invalid_client"},
		{"wrong grant", http.MethodPost, "mdb_sa_id_a", "s&cret=1", form, "grant_type=password", 400, "unsupported_grant_type"},
		{"JSON body", http.MethodPost, "mdb_sa_id_a", "s&cret=1", "application/json", `{"grant_type":"client_credentials"}`, 400, "invalid_request"},
	} {
		resp, out := tokenRequest(t, srv, tc.method, tc.id, tc.secret, tc.contentType, tc.body)
		if resp.StatusCode != tc.status || out["error"] != tc.code {
			t.Errorf("%s: %d %v, want %d %s", tc.name, resp.StatusCode, out, tc.status, tc.code)
		}
		if tc.status == 401 && !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Basic ") {
			t.Errorf("%s: no Basic challenge", tc.name)
		}
	}
	if resp, _ := tokenRequest(t, srv, http.MethodGet, "mdb_sa_id_a", "s&cret=1", "", ""); resp.StatusCode != 405 {
		t.Errorf("GET token endpoint: %d", resp.StatusCode)
	}
	if srv.TokenRequests() != 1 {
		t.Errorf("failed requests issued tokens: %d", srv.TokenRequests())
	}
}

func TestTokensExpire(t *testing.T) {
	srv := start(t, atlastest.WithTokenLifetime(time.Second))
	_, tok := tokenRequest(t, srv, http.MethodPost, atlastest.DefaultClientID, atlastest.DefaultClientSecret, form, "grant_type=client_credentials")
	if tok["expires_in"] != float64(1) {
		t.Fatalf("expires_in %v", tok["expires_in"])
	}
	time.Sleep(1100 * time.Millisecond)
	if r := bearerCall(t, srv, atlastest.DefaultOrgID, tok["access_token"].(string)); r.StatusCode != 401 {
		t.Errorf("expired token: %d, want 401", r.StatusCode)
	}
	for _, bad := range []time.Duration{0, 500 * time.Millisecond, 1500 * time.Millisecond} {
		if s, err := atlastest.NewServer(atlastest.WithTokenLifetime(bad)); err == nil {
			s.Close()
			t.Errorf("token lifetime %v accepted", bad)
		}
	}
}
