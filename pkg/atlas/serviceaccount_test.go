package atlas_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/atlas-linktoken/atlas-linktoken/pkg/atlas"
	"github.com/atlas-linktoken/atlas-linktoken/pkg/atlastest"
)

func newSAClient(t testing.TB, srv *atlastest.Server, secret string) *atlas.Client {
	t.Helper()
	c, err := atlas.NewClient(atlas.WithServiceAccount(atlastest.DefaultClientID, secret), atlas.WithBaseURL(srv.URL))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestServiceAccountCallsShareOneToken(t *testing.T) {
	srv := newEmulator(t)
	c := newSAClient(t, srv, atlastest.DefaultClientSecret) // WithBaseURL after WithServiceAccount: order must not matter
	const goroutines, calls = 16, 10
	var wg sync.WaitGroup
	var failures atomic.Int32
	for range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range calls {
				if _, err := c.CreateLinkToken(context.Background(), atlastest.DefaultOrgID, accessList("10.0.0.1")); err != nil {
					t.Error(err)
					failures.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	if got := srv.TokenRequests(); got != 1 {
		t.Errorf("%d calls from %d goroutines fetched %d tokens, want 1", goroutines*calls, goroutines, got)
	}
	if got := srv.RequestCount(); got != goroutines*calls+1 {
		t.Errorf("%d requests, want %d API calls + 1 token request", got, goroutines*calls)
	}
	for _, r := range srv.Requests() {
		if r.Path == atlastest.TokenPath {
			if !strings.HasPrefix(r.Header.Get("Authorization"), "Basic ") || string(r.Body) != "grant_type=client_credentials" {
				t.Errorf("token request: Authorization %q body %q", r.Header.Get("Authorization"), r.Body)
			}
			continue
		}
		if !strings.HasPrefix(r.Header.Get("Authorization"), "Bearer ") || r.Auth != atlastest.AuthOK {
			t.Errorf("API request without a valid bearer token: %q %s", r.Header.Get("Authorization"), r.Auth)
			break
		}
	}
}

func TestServiceAccountTokenIsRefreshedOnceAfterExpiry(t *testing.T) {
	srv := newEmulator(t, atlastest.WithTokenLifetime(time.Second))
	c := newSAClient(t, srv, atlastest.DefaultClientSecret)
	ctx := context.Background()
	for range 3 {
		if _, err := c.CreateLinkToken(ctx, atlastest.DefaultOrgID, accessList()); err != nil {
			t.Fatal(err)
		}
	}
	if got := srv.TokenRequests(); got != 1 {
		t.Fatalf("three calls within the token's life fetched %d tokens", got)
	}
	time.Sleep(time.Second + 50*time.Millisecond)
	for range 3 {
		if _, err := c.CreateLinkToken(ctx, atlastest.DefaultOrgID, accessList()); err != nil {
			t.Fatal(err)
		}
	}
	if got := srv.TokenRequests(); got != 2 {
		t.Errorf("after expiry: %d token requests, want exactly 2", got)
	}
	if got := srv.AuthFailures(); got != 0 {
		t.Errorf("%d requests were rejected; the token should be replaced before it expires", got)
	}
}

func TestRevokedTokenIsRecoveredOnce(t *testing.T) {
	srv := newEmulator(t)
	c := newSAClient(t, srv, atlastest.DefaultClientSecret)
	ctx := context.Background()
	if _, err := c.CreateLinkToken(ctx, atlastest.DefaultOrgID, accessList()); err != nil {
		t.Fatal(err)
	}
	srv.RevokeTokens()
	before := srv.RequestCount()
	if _, err := c.CreateLinkToken(ctx, atlastest.DefaultOrgID, accessList("192.0.2.1")); err != nil {
		t.Fatalf("call after revocation: %v", err)
	}
	reqs := srv.Requests()[before:]
	var paths []string
	for _, r := range reqs {
		paths = append(paths, r.Path+" "+string(r.Auth))
	}
	if len(reqs) != 3 || reqs[0].Auth != atlastest.AuthBadToken || reqs[1].Path != atlastest.TokenPath || reqs[2].Auth != atlastest.AuthOK {
		t.Fatalf("want rejected call, one token request, retried call; got %v", paths)
	}
	if string(reqs[2].Body) != `{"accessListIps":["192.0.2.1"]}` {
		t.Errorf("retried request lost its body: %q", reqs[2].Body)
	}
}

func TestPersistentlyRejectedTokenDoesNotLoop(t *testing.T) {
	var apiCalls, tokenCalls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == atlas.TokenPath {
			tokenCalls.Add(1)
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"access_token":"t","token_type":"Bearer","expires_in":3600}`))
			return
		}
		apiCalls.Add(1)
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(401)
		_, _ = w.Write([]byte(`{"error":401,"errorCode":"UNAUTHORIZED","detail":"revoked"}`))
	}))
	t.Cleanup(srv.Close)
	c, err := atlas.NewClient(atlas.WithBaseURL(srv.URL), atlas.WithServiceAccount("id", "secret"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.CreateLinkToken(context.Background(), atlastest.DefaultOrgID, accessList())
	if !atlas.IsErrorCode(err, "UNAUTHORIZED") {
		t.Fatalf("want the server's 401, got %v", err)
	}
	if apiCalls.Load() != 2 || tokenCalls.Load() != 2 {
		t.Errorf("%d API calls and %d token requests; want exactly one refresh and one retry (2 and 2)", apiCalls.Load(), tokenCalls.Load())
	}
}

func TestWrongClientSecretSaysSo(t *testing.T) {
	srv := newEmulator(t)
	c := newSAClient(t, srv, "not-the-secret")
	_, err := c.CreateLinkToken(context.Background(), atlastest.DefaultOrgID, accessList())
	var apiErr *atlas.APIError
	if !errors.As(err, &apiErr) {
		t.Fatalf("want *APIError, got %v", err)
	}
	if apiErr.StatusCode != 401 || apiErr.ErrorCode != "invalid_client" || apiErr.URL != srv.URL+atlas.TokenPath ||
		!strings.Contains(apiErr.Detail, "rejected service account") || !strings.Contains(string(apiErr.Body), `"error":"invalid_client"`) {
		t.Errorf("token error: %+v", apiErr)
	}
	if !strings.Contains(err.Error(), "wrong client ID or client secret") || strings.Contains(err.Error(), "oauth2:") {
		t.Errorf("message is not plain: %v", err)
	}
	if strings.Contains(err.Error(), "not-the-secret") {
		t.Error("error leaks the secret")
	}
	if srv.RequestCount() != 1 || srv.TokenRequests() != 0 {
		t.Errorf("%d requests, %d tokens: a rejected secret must not be retried or reach the API", srv.RequestCount(), srv.TokenRequests())
	}
}

func TestAuthOptionsAreExclusive(t *testing.T) {
	_, err := atlas.NewClient(atlas.WithDigestAuth("p", "k"), atlas.WithServiceAccount("id", "s"))
	if err == nil || !strings.Contains(err.Error(), "choose one") {
		t.Errorf("both auth options: %v", err)
	}
	for _, opt := range []atlas.Option{atlas.WithServiceAccount("", "s"), atlas.WithServiceAccount("id", "")} {
		if _, err := atlas.NewClient(opt); err == nil {
			t.Error("empty service account credential accepted")
		}
	}
}
