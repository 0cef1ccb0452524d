package atlas_test

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/atlas-linktoken/atlas-linktoken/internal/redact"
	"github.com/atlas-linktoken/atlas-linktoken/pkg/atlas"
	"github.com/atlas-linktoken/atlas-linktoken/pkg/atlastest"
)

// A redirect from the token endpoint must never carry the service account's Basic credentials to another origin:
// not to another port, not to https from http, not to a sub-domain (net/http itself forwards Authorization to all
// three, since it compares host names only).
func TestTokenEndpointRedirectsStayInTheOrigin(t *testing.T) {
	var mu sync.Mutex
	seen := map[string]string{} // host → Authorization it received
	record := func(w http.ResponseWriter, r *http.Request) bool {
		if r.Host == "cloud.test" { // the origin: its token endpoint redirects
			http.Redirect(w, r, r.Header.Get("X-Test-Target"), http.StatusTemporaryRedirect)
			return true
		}
		mu.Lock()
		seen[r.Host] = r.Header.Get("Authorization")
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"access_token":"leaked","token_type":"Bearer","expires_in":3600}`))
		return true
	}
	plain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { record(w, r) }))
	defer plain.Close()
	secure := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { record(w, r) }))
	defer secure.Close()
	// Every host name resolves to the test servers: port 443 to the TLS one, any other port to the plain one.
	dial := func(ctx context.Context, network, addr string) (net.Conn, error) {
		target := strings.TrimPrefix(plain.URL, "http://")
		if strings.HasSuffix(addr, ":443") {
			target = strings.TrimPrefix(secure.URL, "https://")
		}
		return (&net.Dialer{}).DialContext(ctx, network, target)
	}
	for _, target := range []string{
		"http://cloud.test:8081/api/oauth/token", // another port
		"https://cloud.test/api/oauth/token",     // another scheme
		"http://sub.cloud.test/api/oauth/token",  // a sub-domain
	} {
		t.Run(target, func(t *testing.T) {
			transport := &http.Transport{DialContext: dial, TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}
			defer transport.CloseIdleConnections()
			header := roundTripFunc(func(r *http.Request) (*http.Response, error) {
				r = r.Clone(r.Context())
				r.Header.Set("X-Test-Target", target)
				return transport.RoundTrip(r)
			})
			c, err := atlas.NewClient(atlas.WithBaseURL("http://cloud.test"), atlas.WithInsecureHTTP(),
				atlas.WithServiceAccount("mdb_sa_id_x", "mdb_sa_sk_redirect-secret"), atlas.WithHTTPClient(&http.Client{Transport: header}), noRetry)
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.CreateLinkToken(context.Background(), atlastest.DefaultOrgID, accessList())
			u, _ := url.Parse(target)
			if err == nil || !strings.Contains(err.Error(), "redirected to "+target) || !strings.Contains(err.Error(), "refused") {
				t.Errorf("want an error naming the Location %s, got %v", target, err)
			}
			mu.Lock()
			defer mu.Unlock()
			if auth, ok := seen[u.Host]; ok {
				t.Errorf("%s was contacted (with Authorization: %v): credentials left the origin", u.Host, auth != "")
			}
		})
	}
}

// A password in a base URL must not be repeated by any error, parseable or not.
func TestBaseURLPasswordNeverInErrors(t *testing.T) {
	for _, raw := range []string{
		"https://user:pw-s3cr3t@cloud.example.com/%zz", // does not parse
		"ftp://user:pw-s3cr3t@cloud.example.com",       // wrong scheme
		"https://user:pw-s3cr3t@",                      // no host
		"https://user:pw-s3cr3t@cloud.example.com",     // user info
		"http://user:pw-s3cr3t@cloud.example.com",      // user info, plain http
	} {
		_, err := atlas.NewClient(atlas.WithBaseURL(raw), atlas.WithDigestAuth("p", "k"))
		if err == nil {
			t.Errorf("%s accepted", redact.URL(raw))
			continue
		}
		if strings.Contains(err.Error(), "pw-s3cr3t") {
			t.Errorf("error repeats the password: %v", err)
		}
		if !strings.Contains(err.Error(), "user:xxxxx@") {
			t.Errorf("error should show the redacted URL: %v", err)
		}
	}
}

// A caller whose context ends must stop waiting for a service-account token even while another caller's token
// request is in flight (the old cache held a lock for the whole request).
func TestTokenWaitEndsWithTheCallersContext(t *testing.T) {
	release := make(chan struct{})
	tokenRequests := make(chan struct{}, 8)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == atlas.TokenPath {
			tokenRequests <- struct{}{}
			select {
			case <-release:
			case <-r.Context().Done():
				return
			}
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"access_token":"tok","token_type":"Bearer","expires_in":3600}`))
			return
		}
		w.Header().Set("Content-Type", atlas.MediaType)
		w.WriteHeader(http.StatusCreated)
		_, _ = w.Write([]byte(`{"linkToken":"abc"}`))
	}))
	defer srv.Close()
	c, err := atlas.NewClient(atlas.WithBaseURL(srv.URL), atlas.WithServiceAccount("id", "secret"), noRetry)
	if err != nil {
		t.Fatal(err)
	}
	first := make(chan error, 1)
	go func() {
		_, err := c.CreateLinkToken(context.Background(), atlastest.DefaultOrgID, accessList())
		first <- err
	}()
	<-tokenRequests // the first caller's token request is now hanging

	second := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		_, err := c.CreateLinkToken(ctx, atlastest.DefaultOrgID, accessList())
		second <- err
	}()
	select {
	case err := <-second:
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("second caller: want its deadline, got %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("second caller still waiting for the first caller's token request after its own deadline")
	}
	close(release)
	if err := <-first; err != nil {
		t.Errorf("first caller: %v", err)
	}
	if n := len(tokenRequests); n != 0 {
		t.Errorf("%d extra token requests: waiters must share the fetch in flight", n)
	}
}

// An idempotent DELETE may be retried on a 503 without Retry-After; a POST may not (see RetryPolicy).
func TestIdempotentDeleteRetries503(t *testing.T) {
	srv := newEmulator(t)
	c := newClient(t, srv.URL, fastRetry)
	if _, err := c.CreateLinkToken(context.Background(), atlastest.DefaultOrgID, accessList()); err != nil {
		t.Fatal(err)
	}
	srv.InjectFaults(jsonFault(503, `{"errorCode":"SERVICE_UNAVAILABLE"}`))
	before := srv.RequestCount()
	if err := c.DeleteLinkToken(context.Background(), atlastest.DefaultOrgID); err != nil {
		t.Fatal(err)
	}
	if got := srv.RequestCount() - before; got != 2 {
		t.Errorf("%d requests, want 2 (503, then the retried DELETE)", got)
	}
}

// singleUseNonceServer accepts each nonce once and answers any reuse with a new challenge, stale=false, as some
// servers do. With wrongKey it never accepts anything.
func singleUseNonceServer(t *testing.T, wrongKey bool) (*httptest.Server, func() int) {
	var mu sync.Mutex
	issued, used := map[string]bool{}, map[string]bool{}
	requests, n := 0, 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		requests++
		auth := r.Header.Get("Authorization")
		if i := strings.Index(auth, `nonce="`); i >= 0 && !wrongKey {
			nonce := strings.SplitN(auth[i+7:], `"`, 2)[0]
			if issued[nonce] && !used[nonce] {
				used[nonce] = true
				w.Header().Set("Content-Type", atlas.MediaType)
				w.WriteHeader(http.StatusCreated)
				_, _ = w.Write([]byte(`{"linkToken":"abc"}`))
				return
			}
		}
		n++
		nonce := strings.Repeat("n", 8) + string(rune('a'+n%26)) + time.Now().Format("150405.000000000")
		issued[nonce] = true
		w.Header().Set("WWW-Authenticate", `Digest realm="MMS Public API", nonce="`+nonce+`", algorithm=MD5, qop="auth", stale=false`)
		w.WriteHeader(http.StatusUnauthorized)
	}))
	t.Cleanup(srv.Close)
	return srv, func() int { mu.Lock(); defer mu.Unlock(); return requests }
}

// Once warm, a 401 carrying another challenge than the cached one is answered once: single-use nonces work, and
// wrong keys still end after one freshly signed try.
func TestCachedChallengeReplacedByTheServerIsAnsweredOnce(t *testing.T) {
	srv, requests := singleUseNonceServer(t, false)
	c := newClient(t, srv.URL, noRetry)
	for i := range 10 {
		before := requests()
		if _, err := c.CreateLinkToken(context.Background(), atlastest.DefaultOrgID, accessList()); err != nil {
			t.Fatalf("call %d with single-use nonces: %v", i, err)
		}
		if got := requests() - before; got > 2 {
			t.Errorf("call %d: %d requests, want at most 2", i, got)
		}
	}
	bad, badRequests := singleUseNonceServer(t, true)
	c = newClient(t, bad.URL, noRetry)
	for i := range 3 {
		before := badRequests()
		_, err := c.CreateLinkToken(context.Background(), atlastest.DefaultOrgID, accessList())
		var apiErr *atlas.APIError
		if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusUnauthorized {
			t.Fatalf("call %d with rejected keys: want *APIError 401, got %v", i, err)
		}
		if got := badRequests() - before; got != 2 {
			t.Errorf("call %d with rejected keys: %d requests, want exactly 2 (never a loop)", i, got)
		}
	}
}
