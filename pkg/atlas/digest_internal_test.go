package atlas

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/icholy/digest"
)

// authRecorder is a server that remembers the Authorization headers it received.
type authRecorder struct {
	mu    sync.Mutex
	auths []string
}

func (a *authRecorder) add(h string) {
	a.mu.Lock()
	a.auths = append(a.auths, h)
	a.mu.Unlock()
}

func (a *authRecorder) all() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]string(nil), a.auths...)
}

const testChallenge = `Digest realm="MMS Public API", domain="", nonce="abc123", algorithm=MD5, qop="auth", stale=false`

// challengingServer answers unsigned requests with a digest challenge and signed ones with then(w, r).
func challengingServer(t *testing.T, rec *authRecorder, then http.HandlerFunc) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec.add(r.Header.Get("Authorization"))
		if r.Header.Get("Authorization") == "" {
			w.Header().Set("WWW-Authenticate", testChallenge)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		then(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestCredentialsStayWithTheConfiguredOrigin(t *testing.T) {
	var atOrigin, elsewhere authRecorder
	origin := challengingServer(t, &atOrigin, func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusOK) })
	other := challengingServer(t, &elsewhere, func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusOK) })
	originURL, _ := url.Parse(origin.URL)
	tr := newDigestTransport(http.DefaultTransport, originOf(originURL), "pub", "priv")
	client := &http.Client{Transport: tr, Timeout: 10 * time.Second}

	resp, err := client.Get(origin.URL + "/warm")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got := atOrigin.all(); len(got) != 2 || got[0] != "" || !strings.HasPrefix(got[1], "Digest ") {
		t.Fatalf("origin saw %q, want unsigned then signed", got)
	}

	// Same host, other port; and the same port under another host name: neither is the configured origin.
	otherURL, _ := url.Parse(other.URL)
	for _, target := range []string{other.URL + "/x", "http://localhost:" + originURL.Port() + "/x"} {
		resp, err := client.Get(target)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("%s: status %d, want the server's 401 passed through unanswered", target, resp.StatusCode)
		}
	}
	for _, h := range elsewhere.all() {
		if h != "" {
			t.Errorf("credentials sent to %s: %q", otherURL.Host, h)
		}
	}
	if got := atOrigin.all(); len(got) != 3 || got[2] != "" {
		t.Errorf("request to localhost alias: origin saw %q; want it unsigned", got)
	}
}

func TestRedirectToAnotherHostCarriesNoCredentials(t *testing.T) {
	var atTarget, atOrigin authRecorder
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		atTarget.add(r.Header.Get("Authorization"))
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(target.Close)
	origin := challengingServer(t, &atOrigin, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, target.URL+"/landed", http.StatusTemporaryRedirect)
	})
	originURL, _ := url.Parse(origin.URL)
	client := &http.Client{Transport: newDigestTransport(http.DefaultTransport, originOf(originURL), "pub", "priv")}
	resp, err := client.Post(origin.URL+"/start", "application/json", strings.NewReader(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	got := atTarget.all()
	if len(got) != 1 || got[0] != "" {
		t.Fatalf("redirect target saw Authorization %q, want one request without it", got)
	}
}

func TestOriginOfFillsDefaultPorts(t *testing.T) {
	for raw, want := range map[string]string{
		"https://Cloud.MongoDB.com/api":  "https://cloud.mongodb.com:443",
		"https://cloud.mongodb.com:443/": "https://cloud.mongodb.com:443",
		"http://cloud.mongodb.com":       "http://cloud.mongodb.com:80",
		"http://[::1]:8080/x":            "http://[::1]:8080",
	} {
		u, _ := url.Parse(raw)
		if got := originOf(u); got != want {
			t.Errorf("originOf(%s) = %s, want %s", raw, got, want)
		}
	}
	// A downgrade to http on the same host and port is another origin: no credentials follow it.
	https, _ := url.Parse("https://cloud.mongodb.com:443/")
	http, _ := url.Parse("http://cloud.mongodb.com:443/")
	if originOf(https) == originOf(http) {
		t.Error("https and http on the same host and port share an origin")
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for value, want := range map[string]time.Duration{
		"":                              0,
		"12":                            12 * time.Second,
		"-3":                            0,
		"soon":                          0,
		"Thu, 01 Jan 2026 00:01:00 GMT": time.Minute,
		"Wed, 31 Dec 2025 23:00:00 GMT": 0,
	} {
		if got := parseRetryAfter(value, now); got != want {
			t.Errorf("parseRetryAfter(%q) = %v, want %v", value, got, want)
		}
	}
}

// formatCredentials must say exactly what icholy's Credentials.String says, as a parser reads it.
func TestFormatCredentialsParsesLikeIcholys(t *testing.T) {
	for _, c := range []*digest.Credentials{
		{Username: "pub", Realm: "MMS Public API", Nonce: "abc", URI: "/api/x?pretty=true", Response: "0123", Algorithm: "MD5", QOP: "auth", Nc: 1, Cnonce: "ff00"},
		{Username: `we"ird\name`, Realm: "r", Nonce: "n", URI: "/", Response: "r", Algorithm: "SHA-256", QOP: "auth", Nc: 0x1a2b3c4d, Cnonce: "c", Opaque: "op", Userhash: true},
		{Username: "u", Realm: "r", Nonce: "n", URI: "/", Response: "r"}, // RFC 2069: no qop
	} {
		ours, err := digest.ParseCredentials(formatCredentials(c))
		if err != nil {
			t.Fatal(err)
		}
		theirs, err := digest.ParseCredentials(c.String())
		if err != nil {
			t.Fatal(err)
		}
		if *ours != *theirs {
			t.Errorf("formatCredentials parses to %+v, icholy's to %+v", *ours, *theirs)
		}
	}
}

// The precomputed A1 must give the response icholy computes without it.
func TestPrecomputedA1MatchesIcholy(t *testing.T) {
	for _, alg := range []string{"", "MD5", "md5", "SHA-256"} {
		chal := &digest.Challenge{Realm: "MMS Public API", Nonce: "n0nce", Algorithm: alg, QOP: []string{"auth"}}
		opts := digest.Options{Method: "POST", URI: "/x", Count: 3, Cnonce: "c", Username: "pub", Password: "priv"}
		plain, err := digest.Digest(chal, opts)
		if err != nil {
			t.Fatal(err)
		}
		opts.A1 = ha1(alg, "pub", chal.Realm, "priv")
		fast, err := digest.Digest(chal, opts)
		if err != nil {
			t.Fatal(err)
		}
		if opts.A1 == "" || plain.Response != fast.Response {
			t.Errorf("%q: response %s with precomputed A1, %s without", alg, fast.Response, plain.Response)
		}
	}
	if ha1("SHA-512-256", "u", "r", "p") != "" {
		t.Error("ha1 must leave algorithms it does not know to icholy")
	}
}

func TestRetryAfterAndBackoffNeverOverflow(t *testing.T) {
	now := time.Now()
	for value, want := range map[string]time.Duration{
		"2147483648":                 2147483648 * time.Second,
		"9223372036":                 9223372036 * time.Second,
		"9223372037":                 maxRetryAfter,
		"99999999999999999999999999": maxRetryAfter,
	} {
		if got := parseRetryAfter(value, now); got != want {
			t.Errorf("parseRetryAfter(%q) = %v, want %v", value, got, want)
		}
	}
	p := RetryPolicy{MaxAttempts: 100, BaseDelay: time.Hour, MaxDelay: 1000 * time.Hour}
	for attempt := 1; attempt < 100; attempt++ {
		if got := p.backoff(attempt); got <= 0 || got > p.MaxDelay {
			t.Fatalf("backoff(%d) = %v, want within (0, %v]", attempt, got, p.MaxDelay)
		}
	}
	if got := p.backoff(40); got != p.MaxDelay {
		t.Errorf("backoff(40) = %v, want the cap %v", got, p.MaxDelay)
	}
	if d, ok := p.retryDelay("POST", &http.Response{StatusCode: 429, Header: http.Header{}}, nil, 40); !ok || d < p.MaxDelay/2 {
		t.Errorf("retryDelay after attempt 40 = %v, %v; want about MaxDelay", d, ok)
	}
}

// The fast path signs exactly as icholy does, for every challenge it takes; it leaves the others to icholy.
func TestFastSigningMatchesIcholy(t *testing.T) {
	for _, alg := range []string{"", "MD5", "SHA-256", "md5"} {
		chal := &digest.Challenge{Realm: "MMS Public API", Nonce: "abc123", Algorithm: alg, QOP: []string{"auth"}, Opaque: "op\"aque"}
		a1 := ha1(alg, "pub", chal.Realm, "priv")
		for _, nc := range []int{1, 2, 255, 65536} {
			got, ok := signFast(chal, a1, "pub", "POST", "/api/atlas/v2/orgs/x/liveMigrations/linkTokens?pretty=true", nc, "0a1b2c3d4e5f6071")
			want, err := digest.Digest(chal, digest.Options{Method: "POST", URI: "/api/atlas/v2/orgs/x/liveMigrations/linkTokens?pretty=true",
				Count: nc, Username: "pub", Password: "priv", Cnonce: "0a1b2c3d4e5f6071"})
			if err != nil || !ok || got != formatCredentials(want) {
				t.Errorf("alg %q nc %d:\n fast   %s\n icholy %s (%v)", alg, nc, got, formatCredentials(want), err)
			}
		}
	}
	for _, chal := range []*digest.Challenge{
		{Realm: "r", Nonce: "n", QOP: []string{"auth-int"}},
		{Realm: "r", Nonce: "n", QOP: []string{"auth"}, Algorithm: "MD5-sess"},
		{Realm: "r", Nonce: "n", QOP: []string{"auth"}, Userhash: true},
		{Realm: "r", Nonce: "n"},
	} {
		if _, ok := signFast(chal, "a1", "u", "GET", "/", 1, ""); ok {
			t.Errorf("fast path took %+v", chal)
		}
	}
	if v, ok := signFast(&digest.Challenge{Realm: "r", Nonce: "n", QOP: []string{"auth"}}, "a1", "u", "GET", "/", 1, ""); !ok || !strings.Contains(v, `cnonce="`) {
		t.Errorf("generated cnonce: %s", v)
	}
}
