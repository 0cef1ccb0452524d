package atlastest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/icholy/digest"

	"github.com/atlas-linktoken/atlas-linktoken/pkg/atlastest"
)

const (
	v2Path    = "/api/atlas/v2/orgs/" + atlastest.DefaultOrgID + "/liveMigrations/linkTokens"
	v1Path    = "/api/atlas/v1.0/orgs/" + atlastest.DefaultOrgID + "/liveMigrations/linkTokens"
	mediaType = "application/vnd.atlas.2023-01-01+json"
)

// start runs an emulator that validates its own answers against the document; the test fails if one drifts.
func start(t *testing.T, opts ...atlastest.Option) *atlastest.Server {
	t.Helper()
	srv, err := atlastest.NewServer(append([]atlastest.Option{atlastest.WithResponseValidation()}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		srv.Close()
		for _, err := range srv.ResponseValidationErrors() {
			t.Errorf("the emulator answered outside the spec: %v", err)
		}
	})
	return srv
}

type call struct {
	method, path, accept, contentType, body string
	user, password                          string
}

// do sends c, answering the digest challenge by hand with icholy/digest (a third-party client, not ours), and returns
// the final response and its body.
func do(t *testing.T, srv *atlastest.Server, c call) (*http.Response, []byte) {
	t.Helper()
	if c.method == "" {
		c.method = http.MethodPost
	}
	if c.user == "" {
		c.user, c.password = atlastest.DefaultPublicKey, atlastest.DefaultPrivateKey
	}
	client := &http.Client{Transport: &digest.Transport{Username: c.user, Password: c.password}}
	req, err := http.NewRequest(c.method, srv.URL+c.path, strings.NewReader(c.body))
	if err != nil {
		t.Fatal(err)
	}
	if c.accept != "" {
		req.Header.Set("Accept", c.accept)
	}
	if c.contentType != "" {
		req.Header.Set("Content-Type", c.contentType)
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var buf bytes.Buffer
	_, _ = buf.ReadFrom(resp.Body)
	return resp, buf.Bytes()
}

type apiError struct {
	Error            int    `json:"error"`
	ErrorCode        string `json:"errorCode"`
	Detail           string `json:"detail"`
	Reason           string `json:"reason"`
	BadRequestDetail *struct {
		Fields []struct{ Field, Description string } `json:"fields"`
	} `json:"badRequestDetail"`
}

func TestCreatesTokensOnBothPaths(t *testing.T) {
	srv := start(t)
	resp, body := do(t, srv, call{path: v2Path, accept: mediaType, contentType: mediaType, body: `{"accessListIps":["1.2.3.4"]}`})
	if resp.StatusCode != 201 || resp.Header.Get("Content-Type") != mediaType+";charset=utf-8" {
		t.Fatalf("v2: %d %s %s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	var first struct{ LinkToken string }
	if err := json.Unmarshal(body, &first); err != nil || len(first.LinkToken) < 64 || bytes.HasSuffix(body, []byte("\n")) {
		t.Fatalf("v2 body %q", body)
	}
	resp, body = do(t, srv, call{path: v1Path, accept: "application/json", contentType: "application/json", body: `{"accessListIps":["203.0.113.7"]}`})
	var second struct{ LinkToken string }
	if resp.StatusCode != 201 || resp.Header.Get("Content-Type") != "application/json" || json.Unmarshal(body, &second) != nil {
		t.Fatalf("v1.0: %d %s %s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	if second.LinkToken == first.LinkToken || second.LinkToken == "" {
		t.Error("tokens are not fresh per request")
	}
}

func TestPrettyAndEnvelope(t *testing.T) {
	srv := start(t)
	_, body := do(t, srv, call{path: v2Path + "?pretty=true", contentType: mediaType, body: `{}`})
	if !bytes.HasPrefix(body, []byte("{\n  \"linkToken\": ")) {
		t.Errorf("pretty body %q", body)
	}
	resp, body := do(t, srv, call{path: v2Path + "?envelope=true", contentType: mediaType, body: `{}`})
	var env struct {
		Status  int `json:"status"`
		Content struct {
			LinkToken string `json:"linkToken"`
		} `json:"content"`
	}
	if resp.StatusCode != 200 || json.Unmarshal(body, &env) != nil || env.Status != 201 || env.Content.LinkToken == "" {
		t.Errorf("envelope: %d %s", resp.StatusCode, body)
	}
	resp, body = do(t, srv, call{path: strings.Replace(v2Path, atlastest.DefaultOrgID, "aaaaaaaaaaaaaaaaaaaaaaaa", 1) + "?envelope=true", contentType: mediaType, body: `{}`})
	if resp.StatusCode != 200 || !bytes.Contains(body, []byte(`"status":404`)) || !bytes.Contains(body, []byte("ORG_NOT_FOUND")) {
		t.Errorf("enveloped error: %d %s", resp.StatusCode, body)
	}
}

func TestErrorAnswers(t *testing.T) {
	other := "aaaaaaaaaaaaaaaaaaaaaaaa"
	srv := start(t,
		atlastest.WithAPIKey(atlastest.DefaultPublicKey, atlastest.DefaultPrivateKey, atlastest.DefaultOrgID),
		atlastest.WithAPIKey("member", "member-secret"),
		atlastest.WithOrg(other))
	for _, tc := range []struct {
		name   string
		c      call
		status int
		code   string
		field  string
	}{
		{"unknown path", call{path: "/api/atlas/v2/nothing"}, 404, "NOT_FOUND", ""},
		{"wrong method", call{method: http.MethodGet, path: v2Path}, 405, "METHOD_NOT_ALLOWED", ""},
		{"wrong method v1", call{method: http.MethodPut, path: v1Path}, 405, "METHOD_NOT_ALLOWED", ""},
		{"wrong key", call{path: v2Path, contentType: mediaType, body: `{}`, password: "nope", user: atlastest.DefaultPublicKey}, 401, "UNAUTHORIZED", ""},
		{"unknown key", call{path: v2Path, contentType: mediaType, body: `{}`, user: "ghost", password: "x"}, 401, "UNAUTHORIZED", ""},
		{"unknown version", call{path: v2Path, accept: "application/vnd.atlas.2020-01-01+json", contentType: mediaType, body: `{}`}, 406, "INVALID_ACCEPT_HEADER", ""},
		{"bad orgId", call{path: strings.Replace(v2Path, atlastest.DefaultOrgID, "XYZ", 1), contentType: mediaType, body: `{}`}, 400, "VALIDATION_ERROR", "orgId"},
		{"bad orgId v1", call{path: strings.Replace(v1Path, atlastest.DefaultOrgID, "XYZ", 1), contentType: "application/json", body: `{}`}, 400, "VALIDATION_ERROR", "orgId"},
		{"bad pretty", call{path: v2Path + "?pretty=maybe", contentType: mediaType, body: `{}`}, 400, "VALIDATION_ERROR", "pretty"},
		{"wrong content type", call{path: v2Path, contentType: "text/plain", body: `{}`}, 400, "VALIDATION_ERROR", "Content-Type"},
		{"wrong content type v1", call{path: v1Path, contentType: mediaType, body: `{}`}, 400, "VALIDATION_ERROR", "Content-Type"},
		{"malformed body", call{path: v2Path, contentType: mediaType, body: `{"accessListIps":`}, 400, "VALIDATION_ERROR", "body"},
		{"mistyped list", call{path: v2Path, contentType: mediaType, body: `{"accessListIps":"1.2.3.4"}`}, 400, "VALIDATION_ERROR", "accessListIps"},
		{"mistyped entry", call{path: v2Path, contentType: mediaType, body: `{"accessListIps":["1.2.3.4",5]}`}, 400, "VALIDATION_ERROR", "accessListIps[1]"},
		{"mistyped entry v1", call{path: v1Path, contentType: "application/json", body: `{"accessListIps":[true]}`}, 400, "VALIDATION_ERROR", "accessListIps[0]"},
		{"missing body", call{path: v2Path, contentType: mediaType}, 400, "VALIDATION_ERROR", "body"},
		{"unknown org", call{path: strings.Replace(v2Path, atlastest.DefaultOrgID, "bbbbbbbbbbbbbbbbbbbbbbbb", 1), contentType: mediaType, body: `{}`}, 404, "ORG_NOT_FOUND", ""},
		{"not owner of org", call{path: strings.Replace(v2Path, atlastest.DefaultOrgID, other, 1), contentType: mediaType, body: `{}`}, 403, "USER_UNAUTHORIZED", ""},
		{"key owns nothing", call{path: v2Path, contentType: mediaType, body: `{}`, user: "member", password: "member-secret"}, 403, "USER_UNAUTHORIZED", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := do(t, srv, tc.c)
			var e apiError
			if err := json.Unmarshal(body, &e); err != nil {
				t.Fatalf("body is not an ApiError: %s", body)
			}
			if resp.StatusCode != tc.status || e.Error != tc.status || e.ErrorCode != tc.code || e.Reason != http.StatusText(tc.status) {
				t.Fatalf("got %d %+v, want %d %s", resp.StatusCode, e, tc.status, tc.code)
			}
			if resp.Header.Get("Content-Type") != "application/json" {
				t.Errorf("error Content-Type %q", resp.Header.Get("Content-Type"))
			}
			if tc.field != "" {
				if e.BadRequestDetail == nil || len(e.BadRequestDetail.Fields) != 1 || e.BadRequestDetail.Fields[0].Field != tc.field ||
					!strings.Contains(e.Detail, tc.field) {
					t.Errorf("field not named: detail %q, badRequestDetail %+v", e.Detail, e.BadRequestDetail)
				}
			}
			if tc.status == 401 && len(resp.Header.Values("WWW-Authenticate")) != 2 {
				t.Errorf("401 without fresh challenges: %v", resp.Header.Values("WWW-Authenticate"))
			}
		})
	}
}

// challenge fetches a fresh challenge with an unsigned request.
func challenge(t *testing.T, srv *atlastest.Server, algorithm string) *digest.Challenge {
	t.Helper()
	resp, err := http.Post(srv.URL+v2Path, mediaType, strings.NewReader(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 {
		t.Fatalf("unsigned request answered %d", resp.StatusCode)
	}
	for _, h := range resp.Header.Values("WWW-Authenticate") {
		c, err := digest.ParseChallenge(h)
		if err != nil {
			t.Fatal(err)
		}
		if c.Realm != atlastest.Realm || !c.SupportsQOP("auth") || c.Stale {
			t.Fatalf("challenge %q", h)
		}
		if c.Algorithm == algorithm {
			return c
		}
	}
	t.Fatalf("no %s challenge in %v", algorithm, resp.Header.Values("WWW-Authenticate"))
	return nil
}

// signedPost sends one POST signed with chal and nonce count nc.
func signedPost(t *testing.T, srv *atlastest.Server, chal *digest.Challenge, nc int) int {
	t.Helper()
	cred, err := digest.Digest(chal, digest.Options{
		Method: http.MethodPost, URI: v2Path, Count: nc,
		Username: atlastest.DefaultPublicKey, Password: atlastest.DefaultPrivateKey,
	})
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodPost, srv.URL+v2Path, strings.NewReader(`{}`))
	req.Header.Set("Content-Type", mediaType)
	req.Header.Set("Authorization", cred.String())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func TestDigestProtocol(t *testing.T) {
	srv := start(t)
	for _, alg := range []string{"MD5", "SHA-256"} {
		chal := challenge(t, srv, alg)
		if got := signedPost(t, srv, chal, 1); got != 201 {
			t.Errorf("%s nc=1: %d", alg, got)
		}
		// Out-of-order counts are fine (concurrent clients); a count used before is a replay.
		if got := signedPost(t, srv, chal, 3); got != 201 {
			t.Errorf("%s nc=3: %d", alg, got)
		}
		if got := signedPost(t, srv, chal, 2); got != 201 {
			t.Errorf("%s nc=2 after 3: %d", alg, got)
		}
		if got := signedPost(t, srv, chal, 3); got != 401 {
			t.Errorf("%s replayed nc=3: %d, want 401", alg, got)
		}
	}
	reqs := srv.Requests()
	if last := reqs[len(reqs)-1]; last.Auth != atlastest.AuthReplay {
		t.Errorf("replay recorded as %q", last.Auth)
	}
	// A nonce the server never issued, with an otherwise right digest: stale=true.
	forged := *challenge(t, srv, "MD5")
	forged.Nonce = "00000000000000000000000000000000"
	if got := signedPost(t, srv, &forged, 1); got != 401 {
		t.Errorf("unknown nonce: %d", got)
	}
	if last := srv.Requests()[len(srv.Requests())-1]; last.Auth != atlastest.AuthStale {
		t.Errorf("unknown nonce recorded as %q, want stale", last.Auth)
	}
}

func TestAlgorithmsAreConfigurable(t *testing.T) {
	srv := start(t, atlastest.WithAlgorithms("SHA-256"))
	resp, body := do(t, srv, call{path: v2Path, contentType: mediaType, body: `{}`})
	if resp.StatusCode != 201 {
		t.Fatalf("SHA-256 only: %d %s", resp.StatusCode, body)
	}
	md5 := *challenge(t, srv, "SHA-256")
	md5.Algorithm = "MD5"
	if got := signedPost(t, srv, &md5, 1); got != 401 {
		t.Errorf("MD5 answer to a SHA-256-only server: %d, want 401", got)
	}
}

func TestStaleNonceIsAnsweredWithStaleTrue(t *testing.T) {
	srv := start(t, atlastest.WithNonceLifetime(1)) // every nonce is already expired when answered
	chal := challenge(t, srv, "MD5")
	cred, _ := digest.Digest(chal, digest.Options{Method: http.MethodPost, URI: v2Path, Count: 1,
		Username: atlastest.DefaultPublicKey, Password: atlastest.DefaultPrivateKey})
	req, _ := http.NewRequest(http.MethodPost, srv.URL+v2Path, strings.NewReader(`{}`))
	req.Header.Set("Authorization", cred.String())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	got, err := digest.FindChallenge(resp.Header)
	if resp.StatusCode != 401 || err != nil || !got.Stale {
		t.Fatalf("want 401 with stale=true, got %d %v", resp.StatusCode, resp.Header.Values("WWW-Authenticate"))
	}
}

func TestMalformedCredentialsAreRejected(t *testing.T) {
	srv := start(t)
	chal := challenge(t, srv, "MD5")
	good, _ := digest.Digest(chal, digest.Options{Method: http.MethodPost, URI: v2Path, Count: 1,
		Username: atlastest.DefaultPublicKey, Password: atlastest.DefaultPrivateKey})
	wrongURI := *good
	wrongURI.URI = "/elsewhere"
	wrongRealm := *good
	wrongRealm.Realm = "other"
	for name, header := range map[string]string{
		"basic":       "Basic " + "ZW11bGF0b3JwdWI6eA==",
		"bearer":      "Bearer abc",
		"garbage":     "Digest ===",
		"wrong uri":   wrongURI.String(),
		"wrong realm": wrongRealm.String(),
	} {
		req, _ := http.NewRequest(http.MethodPost, srv.URL+v2Path, strings.NewReader(`{}`))
		req.Header.Set("Content-Type", mediaType)
		req.Header.Set("Authorization", header)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 401 {
			t.Errorf("%s: %d, want 401", name, resp.StatusCode)
		}
	}
}

func TestOptionsCheckTheirInput(t *testing.T) {
	for name, opt := range map[string]atlastest.Option{
		"bad org":             atlastest.WithOrg("nope"),
		"bad owner org":       atlastest.WithAPIKey("a", "b", "NOPE"),
		"empty key":           atlastest.WithAPIKey("", "b"),
		"zero nonce lifetime": atlastest.WithNonceLifetime(0),
		"no algorithms":       atlastest.WithAlgorithms(),
		"MD5-sess":            atlastest.WithAlgorithms("MD5-sess"),
		"public address":      atlastest.WithAddr("0.0.0.0:0"),
		"remote host":         atlastest.WithAddr("192.0.2.1:80"),
		"no port":             atlastest.WithAddr("127.0.0.1"),
		"nil hook":            atlastest.WithRequestHook(nil),
		"no jobs":             atlastest.WithMaxJobs(0),
		"jobs past MaxJobs":   atlastest.WithMaxJobs(atlastest.MaxJobs + 1),
	} {
		if srv, err := atlastest.NewServer(opt); err == nil {
			srv.Close()
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestRequestHookAndInspection(t *testing.T) {
	hooked := make(chan atlastest.Request, 4)
	srv := start(t, atlastest.WithRequestHook(func(r atlastest.Request) { hooked <- r }))
	do(t, srv, call{path: v2Path + "?pretty=false", contentType: mediaType, body: `{"accessListIps":[]}`})
	if srv.RequestCount() != 2 || srv.AuthFailures() != 1 {
		t.Errorf("count %d, auth failures %d", srv.RequestCount(), srv.AuthFailures())
	}
	for i, want := range []int{401, 201} {
		r := <-hooked
		if r.Status != want || r.RawQuery != "pretty=false" || string(r.Body) != `{"accessListIps":[]}` {
			t.Errorf("hooked request %d: %+v", i, r)
		}
	}
	reqs := srv.Requests()
	reqs[0].Header.Set("Accept", "changed")
	if srv.Requests()[0].Header.Get("Accept") == "changed" {
		t.Error("Requests returned shared headers")
	}
}

// Any conforming digest client must work: curl is one that is not written in Go.
func TestCurlDigest(t *testing.T) {
	curl, err := exec.LookPath("curl")
	if err != nil {
		t.Skip("curl is not installed")
	}
	srv := start(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out, err := exec.CommandContext(ctx, curl, "--silent", "--show-error", "--digest",
		"--user", atlastest.DefaultPublicKey+":"+atlastest.DefaultPrivateKey,
		"--header", "Accept: "+mediaType, "--header", "Content-Type: "+mediaType,
		"--data", `{"accessListIps":["192.0.2.1"]}`, "--write-out", "\n%{http_code}",
		srv.URL+v2Path).CombinedOutput()
	if err != nil {
		t.Fatalf("curl: %v\n%s", err, out)
	}
	if !bytes.HasSuffix(out, []byte("\n201")) || !bytes.Contains(out, []byte(`"linkToken":"`)) {
		t.Fatalf("curl got %s", out)
	}
}

func TestDeleteLinkTokens(t *testing.T) {
	srv := start(t)
	resp, body := do(t, srv, call{method: http.MethodDelete, path: v2Path})
	if resp.StatusCode != 404 || !bytes.Contains(body, []byte(`"errorCode":"UNEXPECTED_ERROR"`)) {
		t.Fatalf("delete before any create: %d %s", resp.StatusCode, body)
	}
	do(t, srv, call{path: v2Path, contentType: mediaType, body: `{}`})
	if !srv.Linked(atlastest.DefaultOrgID) {
		t.Fatal("create did not link the org")
	}
	resp, body = do(t, srv, call{method: http.MethodDelete, path: v2Path, accept: mediaType})
	if resp.StatusCode != 204 || len(body) != 0 || srv.Linked(atlastest.DefaultOrgID) {
		t.Fatalf("delete: %d %q linked=%v", resp.StatusCode, body, srv.Linked(atlastest.DefaultOrgID))
	}
	resp, _ = do(t, srv, call{method: http.MethodDelete, path: v2Path})
	if resp.StatusCode != 404 {
		t.Errorf("second delete: %d, want 404", resp.StatusCode)
	}
}

func TestLatencyAndBytesReceived(t *testing.T) {
	srv := start(t, atlastest.WithLatency(30*time.Millisecond))
	begin := time.Now()
	do(t, srv, call{path: v2Path, contentType: mediaType, body: `{"accessListIps":[]}`})
	if elapsed := time.Since(begin); elapsed < 60*time.Millisecond {
		t.Errorf("two requests took %v, want at least 2×30ms of emulated latency", elapsed)
	}
	if got := srv.BytesReceived(); got != 2*int64(len(`{"accessListIps":[]}`)) {
		t.Errorf("BytesReceived %d: the body was sent twice (challenge, then signed)", got)
	}
	if _, err := atlastest.NewServer(atlastest.WithLatency(-time.Second)); err == nil {
		t.Error("negative latency accepted")
	}
}
