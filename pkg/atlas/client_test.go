package atlas_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/atlas-linktoken/atlas-linktoken/gen"
	"github.com/atlas-linktoken/atlas-linktoken/pkg/atlas"
	"github.com/atlas-linktoken/atlas-linktoken/pkg/atlastest"
)

const linkTokensPath = "/api/atlas/v2/orgs/" + atlastest.DefaultOrgID + "/liveMigrations/linkTokens"

func newEmulator(t testing.TB, opts ...atlastest.Option) *atlastest.Server {
	t.Helper()
	srv, err := atlastest.NewServer(opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	return srv
}

func newClient(t testing.TB, baseURL string, opts ...atlas.Option) *atlas.Client {
	t.Helper()
	opts = append([]atlas.Option{
		atlas.WithBaseURL(baseURL),
		atlas.WithDigestAuth(atlastest.DefaultPublicKey, atlastest.DefaultPrivateKey),
	}, opts...)
	c, err := atlas.NewClient(opts...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// noRetry makes one attempt per call, for tests about a single answer.
var noRetry = atlas.WithRetry(atlas.RetryPolicy{MaxAttempts: 1})

func accessList(ips ...string) atlas.TargetOrgRequest {
	return atlas.TargetOrgRequest{AccessListIPs: ips}
}

func TestCreateLinkTokenWireLevel(t *testing.T) {
	srv := newEmulator(t)
	c := newClient(t, srv.URL, atlas.WithUserAgent("migrator/1.2"))
	token, err := c.CreateLinkToken(context.Background(), atlastest.DefaultOrgID, accessList("10.1.2.3", "2001:db8::/32"))
	if err != nil {
		t.Fatal(err)
	}
	reqs := srv.Requests()
	if len(reqs) != 2 {
		t.Fatalf("cold call made %d requests, want 2 (challenge, signed)", len(reqs))
	}
	for i, r := range reqs {
		if r.Method != http.MethodPost || r.Path != linkTokensPath || r.RawQuery != "" {
			t.Errorf("request %d: %s %s?%s", i, r.Method, r.Path, r.RawQuery)
		}
		if got := r.Header.Get("Accept"); got != "application/vnd.atlas.2023-01-01+json" {
			t.Errorf("request %d: Accept %q", i, got)
		}
		if got := r.Header.Get("Content-Type"); got != "application/vnd.atlas.2023-01-01+json" {
			t.Errorf("request %d: Content-Type %q", i, got)
		}
		if got := r.Header.Get("User-Agent"); got != "migrator/1.2" {
			t.Errorf("request %d: User-Agent %q", i, got)
		}
		var body map[string][]string
		if err := json.Unmarshal(r.Body, &body); err != nil || !slices.Equal(body["accessListIps"], []string{"10.1.2.3", "2001:db8::/32"}) {
			t.Errorf("request %d: body %s (%v)", i, r.Body, err)
		}
	}
	if reqs[0].Header.Get("Authorization") != "" || reqs[0].Auth != atlastest.AuthMissing {
		t.Errorf("first request should be unsigned, got auth %q", reqs[0].Auth)
	}
	auth := reqs[1].Header.Get("Authorization")
	if !strings.HasPrefix(auth, "Digest ") || !strings.Contains(auth, `username="`+atlastest.DefaultPublicKey+`"`) ||
		!strings.Contains(auth, "nc=00000001") || reqs[1].Auth != atlastest.AuthOK {
		t.Errorf("second request's Authorization %q, outcome %q", auth, reqs[1].Auth)
	}
	var served gen.TargetOrg
	if err := json.Unmarshal(reqs[1].ResponseBody, &served); err != nil || served.LinkToken != token.LinkToken || reqs[1].Status != 201 {
		t.Errorf("returned token %q, server sent %q with status %d", token.LinkToken, served.LinkToken, reqs[1].Status)
	}
}

func TestNilAndEmptyAccessListsAreSent(t *testing.T) {
	srv := newEmulator(t)
	c := newClient(t, srv.URL)
	for _, tc := range []struct {
		req  atlas.TargetOrgRequest
		body string
	}{
		{atlas.TargetOrgRequest{}, `{}`},
		{accessList(), `{}`}, // a nil slice is no list (omitzero), never null
		{atlas.TargetOrgRequest{AccessListIPs: []string{}}, `{"accessListIps":[]}`},
	} {
		if _, err := c.CreateLinkToken(context.Background(), atlastest.DefaultOrgID, tc.req); err != nil {
			t.Fatal(err)
		}
		reqs := srv.Requests()
		if got := string(reqs[len(reqs)-1].Body); got != tc.body {
			t.Errorf("body %s, want %s", got, tc.body)
		}
	}
}

func TestWarmCallsMakeOneRoundTrip(t *testing.T) {
	srv := newEmulator(t)
	c := newClient(t, srv.URL)
	ctx := context.Background()
	if _, err := c.CreateLinkToken(ctx, atlastest.DefaultOrgID, accessList()); err != nil {
		t.Fatal(err)
	}
	if got := srv.RequestCount(); got != 2 {
		t.Fatalf("first call: %d requests, want 2", got)
	}
	const warm = 5
	for i := range warm {
		if _, err := c.CreateLinkToken(ctx, atlastest.DefaultOrgID, accessList()); err != nil {
			t.Fatalf("warm call %d: %v", i, err)
		}
	}
	if got := srv.RequestCount() - 2; got != warm {
		t.Errorf("%d warm calls made %d requests, want %d", warm, got, warm)
	}
	if srv.AuthFailures() != 1 {
		t.Errorf("auth failures %d, want only the first challenge", srv.AuthFailures())
	}
	reqs := srv.Requests()
	if last := reqs[len(reqs)-1].Header.Get("Authorization"); !strings.Contains(last, "nc=00000006") {
		t.Errorf("sixth signed request should carry nc=00000006: %s", last)
	}
}

func signedCount(reqs []atlastest.Request) int {
	n := 0
	for _, r := range reqs {
		if r.Header.Get("Authorization") != "" {
			n++
		}
	}
	return n
}

func TestWrongKeysFailAfterOneSignedTry(t *testing.T) {
	srv := newEmulator(t)
	c, err := atlas.NewClient(atlas.WithBaseURL(srv.URL), atlas.WithDigestAuth(atlastest.DefaultPublicKey, "wrong-private-key"))
	if err != nil {
		t.Fatal(err)
	}
	// cold: challenge + one signed try; warm: the cached challenge is answered with a new one, which is tried once
	// (it might have been a rotated nonce): never more than one freshly signed try.
	for call, want := range []struct{ requests, signed int }{{2, 1}, {2, 2}} {
		before := srv.RequestCount()
		_, err = c.CreateLinkToken(context.Background(), atlastest.DefaultOrgID, accessList())
		var apiErr *atlas.APIError
		if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusUnauthorized || apiErr.ErrorCode != "UNAUTHORIZED" {
			t.Fatalf("call %d: want *APIError 401 UNAUTHORIZED, got %v", call, err)
		}
		if !strings.Contains(apiErr.Detail, "wrong") || !strings.Contains(string(apiErr.Body), `"errorCode":"UNAUTHORIZED"`) {
			t.Errorf("call %d: server's body lost: detail %q body %s", call, apiErr.Detail, apiErr.Body)
		}
		reqs := srv.Requests()[before:]
		if len(reqs) != want.requests || signedCount(reqs) != want.signed {
			t.Errorf("call %d: %d requests, %d signed; want %d and %d", call, len(reqs), signedCount(reqs), want.requests, want.signed)
		}
	}
	if strings.Contains(err.Error(), "wrong-private-key") {
		t.Error("error string leaks the private key")
	}
}

func TestStaleNonceReauthenticatesTransparently(t *testing.T) {
	srv := newEmulator(t, atlastest.WithNonceLifetime(20*time.Millisecond))
	c := newClient(t, srv.URL)
	ctx := context.Background()
	if _, err := c.CreateLinkToken(ctx, atlastest.DefaultOrgID, accessList()); err != nil {
		t.Fatal(err)
	}
	time.Sleep(60 * time.Millisecond) // let the cached nonce expire
	before := srv.RequestCount()
	if _, err := c.CreateLinkToken(ctx, atlastest.DefaultOrgID, accessList()); err != nil {
		t.Fatalf("call after nonce expiry: %v", err)
	}
	reqs := srv.Requests()[before:]
	if len(reqs) != 2 || reqs[0].Auth != atlastest.AuthStale || reqs[1].Auth != atlastest.AuthOK {
		t.Fatalf("want stale then ok, got %d requests: %+v", len(reqs), outcomes(reqs))
	}
}

func outcomes(reqs []atlastest.Request) []string {
	var out []string
	for _, r := range reqs {
		out = append(out, string(r.Auth))
	}
	return out
}

func TestInvalidInputIsRejectedBeforeSending(t *testing.T) {
	srv := newEmulator(t)
	c := newClient(t, srv.URL)
	for _, tc := range []struct {
		name, orgID string
		req         atlas.TargetOrgRequest
		field, val  string
	}{
		{"empty org", "", accessList(), "orgID", ""},
		{"short org", "4888442a", accessList(), "orgID", "4888442a"},
		{"upper-case org", "4888442A3354817A7320EB61", accessList(), "orgID", "4888442A3354817A7320EB61"},
		{"path injection", "4888442a3354817a7320eb61/../x", accessList(), "orgID", "4888442a3354817a7320eb61/../x"},
		{"bad IP", atlastest.DefaultOrgID, accessList("10.0.0.1", "10.0.0.300"), "accessListIps[1]", "10.0.0.300"},
		{"bad CIDR", atlastest.DefaultOrgID, accessList("10.0.0.0/33"), "accessListIps[0]", "10.0.0.0/33"},
		{"host name", atlastest.DefaultOrgID, accessList("example.com"), "accessListIps[0]", "example.com"},
		{"empty entry", atlastest.DefaultOrgID, accessList(""), "accessListIps[0]", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := c.CreateLinkToken(context.Background(), tc.orgID, tc.req)
			var inputErr *atlas.InputError
			if !errors.As(err, &inputErr) || inputErr.Field != tc.field || inputErr.Value != tc.val {
				t.Fatalf("want InputError on %s=%q, got %v", tc.field, tc.val, err)
			}
			if !strings.Contains(err.Error(), tc.field) {
				t.Errorf("message %q does not name %s", err, tc.field)
			}
		})
	}
	if n := srv.RequestCount(); n != 0 {
		t.Errorf("%d requests reached the server; invalid input must not be sent", n)
	}
}

func TestAPIErrorsCarryEverythingTheServerSaid(t *testing.T) {
	srv := newEmulator(t, atlastest.WithAPIKey("notowner", "secret-1"), atlastest.WithOrg(atlastest.DefaultOrgID))
	c, err := atlas.NewClient(atlas.WithBaseURL(srv.URL), atlas.WithDigestAuth("notowner", "secret-1"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.CreateLinkToken(context.Background(), atlastest.DefaultOrgID, accessList())
	if !atlas.IsErrorCode(err, "USER_UNAUTHORIZED") {
		t.Fatalf("want USER_UNAUTHORIZED, got %v", err)
	}
	var apiErr *atlas.APIError
	errors.As(err, &apiErr)
	if apiErr.StatusCode != 403 || apiErr.Reason != "Forbidden" || len(apiErr.Parameters) != 1 || !strings.Contains(apiErr.Detail, atlastest.DefaultOrgID) {
		t.Errorf("403 fields: %+v", apiErr)
	}
	_, err = c.CreateLinkToken(context.Background(), "aaaaaaaaaaaaaaaaaaaaaaaa", accessList())
	if !atlas.IsErrorCode(err, "ORG_NOT_FOUND") || atlas.IsErrorCode(err, "USER_UNAUTHORIZED") {
		t.Errorf("want ORG_NOT_FOUND only, got %v", err)
	}
	if atlas.IsErrorCode(errors.New("plain"), "ORG_NOT_FOUND") || atlas.IsErrorCode(nil, "") {
		t.Error("IsErrorCode matched a non-API error")
	}
}

// scripted answers every request with one fixed response and counts requests.
func scripted(t *testing.T, status int, header http.Header, body string) (*httptest.Server, *int) {
	t.Helper()
	var mu sync.Mutex
	count := new(int)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		*count++
		mu.Unlock()
		for k, v := range header {
			w.Header()[k] = v
		}
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	}))
	t.Cleanup(srv.Close)
	return srv, count
}

func TestServerErrorBodiesArePreserved(t *testing.T) {
	future := time.Now().Add(90 * time.Second).UTC().Format(http.TimeFormat)
	for _, tc := range []struct {
		name                string
		status              int
		header              http.Header
		body, code, detail  string
		retryAfterAtLeast   time.Duration
		retryAfterAtMost    time.Duration
		fieldViolationField string
	}{
		{name: "500 JSON", status: 500, header: http.Header{"Content-Type": {"application/json"}},
			body: `{"error":500,"errorCode":"UNEXPECTED_ERROR","detail":"boom","reason":"Internal Server Error","parameters":["a",1]}`,
			code: "UNEXPECTED_ERROR", detail: "boom"},
		{name: "502 HTML", status: 502, header: http.Header{"Content-Type": {"text/html"}},
			body: "<html>bad gateway</html>"},
		{name: "400 fields", status: 400, header: http.Header{"Content-Type": {"application/json"}},
			body: `{"error":400,"errorCode":"VALIDATION_ERROR","detail":"bad","badRequestDetail":{"fields":[{"field":"accessListIps[0]","description":"nope"}]}}`,
			code: "VALIDATION_ERROR", detail: "bad", fieldViolationField: "accessListIps[0]"},
		{name: "429 seconds", status: 429, header: http.Header{"Content-Type": {"application/json"}, "Retry-After": {"7"}},
			body: `{"error":429,"errorCode":"RATE_LIMITED"}`, code: "RATE_LIMITED",
			retryAfterAtLeast: 7 * time.Second, retryAfterAtMost: 7 * time.Second},
		{name: "429 date", status: 429, header: http.Header{"Content-Type": {"application/json"}, "Retry-After": {future}},
			body: `{"error":429,"errorCode":"RATE_LIMITED"}`, code: "RATE_LIMITED",
			retryAfterAtLeast: 80 * time.Second, retryAfterAtMost: 90 * time.Second},
		{name: "401 without challenge", status: 401, header: http.Header{"Content-Type": {"application/json"}},
			body: `{"error":401,"errorCode":"NOT_ORG_GROUP_CREATOR","detail":"no"}`, code: "NOT_ORG_GROUP_CREATOR", detail: "no"},
		{name: "401 bearer challenge only", status: 401,
			header: http.Header{"Content-Type": {"application/json"}, "Www-Authenticate": {`Bearer realm="atlas"`}},
			body:   `{"error":401,"errorCode":"UNAUTHORIZED","detail":"token"}`, code: "UNAUTHORIZED", detail: "token"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, count := scripted(t, tc.status, tc.header, tc.body)
			c := newClient(t, srv.URL, noRetry)
			_, err := c.CreateLinkToken(context.Background(), atlastest.DefaultOrgID, accessList())
			var apiErr *atlas.APIError
			if !errors.As(err, &apiErr) {
				t.Fatalf("want *APIError, got %v", err)
			}
			if apiErr.StatusCode != tc.status || apiErr.ErrorCode != tc.code || apiErr.Detail != tc.detail || string(apiErr.Body) != tc.body {
				t.Errorf("got status %d code %q detail %q body %q", apiErr.StatusCode, apiErr.ErrorCode, apiErr.Detail, apiErr.Body)
			}
			if apiErr.RetryAfter < tc.retryAfterAtLeast || apiErr.RetryAfter > tc.retryAfterAtMost {
				t.Errorf("RetryAfter %v, want in [%v, %v]", apiErr.RetryAfter, tc.retryAfterAtLeast, tc.retryAfterAtMost)
			}
			if tc.fieldViolationField != "" {
				if apiErr.BadRequestDetail == nil || (*apiErr.BadRequestDetail.Fields)[0].Field != tc.fieldViolationField {
					t.Errorf("badRequestDetail lost: %+v", apiErr.BadRequestDetail)
				}
			}
			if *count != 1 {
				t.Errorf("%d requests; a response without a usable challenge must not be retried", *count)
			}
			if !strings.Contains(err.Error(), srv.URL) || !strings.Contains(err.Error(), "POST") {
				t.Errorf("message %q should name the request", err)
			}
		})
	}
}

func TestErrorBodyReadIsCapped(t *testing.T) {
	huge := strings.Repeat("x", 3<<20)
	srv, _ := scripted(t, 503, http.Header{"Content-Type": {"text/plain"}}, huge)
	c := newClient(t, srv.URL, noRetry)
	_, err := c.CreateLinkToken(context.Background(), atlastest.DefaultOrgID, accessList())
	var apiErr *atlas.APIError
	if !errors.As(err, &apiErr) || len(apiErr.Body) != 1<<20 || !apiErr.BodyTruncated {
		t.Fatalf("want 1 MiB truncated body, got %d bytes, truncated=%v (%v)", len(apiErr.Body), apiErr.BodyTruncated, err)
	}
}

func TestSuccessStatusesDecode(t *testing.T) {
	for _, status := range []int{200, 201, 202} {
		srv, _ := scripted(t, status, http.Header{"Content-Type": {"application/vnd.atlas.2023-01-01+json;charset=utf-8"}}, `{"linkToken":"tok-abc"}`)
		c := newClient(t, srv.URL)
		token, err := c.CreateLinkToken(context.Background(), atlastest.DefaultOrgID, accessList())
		if err != nil || token.LinkToken != "tok-abc" {
			t.Errorf("status %d: token %+v, err %v", status, token, err)
		}
	}
}

// The generated parser decodes 201 because the spec declares it beside 200.
func TestGeneratedParserDecodes200And201(t *testing.T) {
	for _, status := range []int{200, 201} {
		srv, _ := scripted(t, status, http.Header{"Content-Type": {"application/vnd.atlas.2023-01-01+json"}}, `{"linkToken":"tok"}`)
		c := newClient(t, srv.URL)
		raw, err := c.Generated().CreateLinkTokenWithApplicationVndAtlas20230101PlusJSONBody(
			context.Background(), atlastest.DefaultOrgID, nil, accessList())
		if err != nil {
			t.Fatal(err)
		}
		resp, err := gen.ParseCreateLinkTokenResponse(raw)
		if err != nil {
			t.Fatal(err)
		}
		got := resp.ApplicationVndAtlas20230101JSON200
		if status == 201 {
			got = resp.ApplicationVndAtlas20230101JSON201
		}
		if got == nil || got.LinkToken != "tok" {
			t.Errorf("status %d not decoded by the generated parser", status)
		}
	}
}

func TestBadSuccessBodiesAreErrors(t *testing.T) {
	for _, tc := range []struct{ name, contentType, body, want string }{
		{"empty", "application/json", "", "decoding"},
		{"malformed", "application/json", `{"linkToken":`, "decoding"},
		{"no token", "application/json", `{}`, "no linkToken"},
		{"not JSON", "text/html", `<html></html>`, "Content-Type"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, _ := scripted(t, 201, http.Header{"Content-Type": {tc.contentType}}, tc.body)
			c := newClient(t, srv.URL)
			_, err := c.CreateLinkToken(context.Background(), atlastest.DefaultOrgID, accessList())
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("want error mentioning %q, got %v", tc.want, err)
			}
		})
	}
}

func TestConcurrentCallsShareOneClient(t *testing.T) {
	srv := newEmulator(t)
	c := newClient(t, srv.URL)
	const goroutines, calls = 32, 10
	var wg sync.WaitGroup
	errs := make(chan error, goroutines*calls)
	tokens := make(chan string, goroutines*calls)
	for range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range calls {
				token, err := c.CreateLinkToken(context.Background(), atlastest.DefaultOrgID, accessList("10.0.0.1"))
				if err != nil {
					errs <- err
					continue
				}
				tokens <- token.LinkToken
			}
		}()
	}
	wg.Wait()
	close(errs)
	close(tokens)
	for err := range errs {
		t.Error(err)
	}
	seen := map[string]bool{}
	for tok := range tokens {
		if seen[tok] {
			t.Errorf("token %q returned twice", tok)
		}
		seen[tok] = true
	}
	if len(seen) != goroutines*calls {
		t.Errorf("%d tokens, want %d", len(seen), goroutines*calls)
	}
	// Each goroutine may pay one challenge round trip before the cache is warm; after that, one request per call.
	if n := srv.RequestCount(); n > goroutines*calls+goroutines {
		t.Errorf("%d requests for %d calls: challenge caching is not shared", n, goroutines*calls)
	}
}

func TestOptionsCheckTheirInput(t *testing.T) {
	auth := atlas.WithDigestAuth("pub", "priv")
	for _, tc := range []struct {
		name string
		opts []atlas.Option
		want string
	}{
		{"no credentials", nil, "no credentials"},
		{"empty public key", []atlas.Option{atlas.WithDigestAuth("", "priv")}, "public and private"},
		{"empty private key", []atlas.Option{atlas.WithDigestAuth("pub", "")}, "public and private"},
		{"ftp base URL", []atlas.Option{auth, atlas.WithBaseURL("ftp://example.com")}, "scheme"},
		{"relative base URL", []atlas.Option{auth, atlas.WithBaseURL("/api")}, "scheme"},
		{"no host", []atlas.Option{auth, atlas.WithBaseURL("https://")}, "no host"},
		{"base URL with query", []atlas.Option{auth, atlas.WithBaseURL("https://h?x=1")}, "query"},
		{"base URL with user", []atlas.Option{auth, atlas.WithBaseURL("https://u:p@h")}, "user info"},
		{"nil http client", []atlas.Option{auth, atlas.WithHTTPClient(nil)}, "http client is nil"},
		{"empty user agent", []atlas.Option{auth, atlas.WithUserAgent(" ")}, "user agent"},
		{"control char user agent", []atlas.Option{auth, atlas.WithUserAgent("a\nb")}, "control"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := atlas.NewClient(tc.opts...)
			if err == nil || c != nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("want error containing %q, got client %v, err %v", tc.want, c, err)
			}
			if strings.Contains(err.Error(), "u:p@") {
				t.Errorf("error leaks URL credentials: %v", err)
			}
		})
	}
}

func TestDefaultsAndCallerHTTPClientUntouched(t *testing.T) {
	hc := &http.Client{Timeout: time.Second}
	c, err := atlas.NewClient(atlas.WithDigestAuth("pub", "priv"), atlas.WithHTTPClient(hc))
	if err != nil {
		t.Fatal(err)
	}
	if c.BaseURL() != atlas.DefaultBaseURL {
		t.Errorf("default base URL %q", c.BaseURL())
	}
	if hc.Transport != nil {
		t.Error("NewClient modified the caller's *http.Client")
	}
	if ua := atlas.DefaultUserAgent(); !strings.HasPrefix(ua, "atlas-linktoken/") {
		t.Errorf("default user agent %q", ua)
	}
}

func TestCallerTransportIsUsed(t *testing.T) {
	srv := newEmulator(t)
	var mu sync.Mutex
	seen := 0
	hc := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		mu.Lock()
		seen++
		mu.Unlock()
		return http.DefaultTransport.RoundTrip(r)
	})}
	c := newClient(t, srv.URL, atlas.WithHTTPClient(hc))
	if _, err := c.CreateLinkToken(context.Background(), atlastest.DefaultOrgID, accessList()); err != nil {
		t.Fatal(err)
	}
	if seen != 2 {
		t.Errorf("caller's transport carried %d requests, want 2", seen)
	}
}

func TestContextCancellationStopsTheCall(t *testing.T) {
	srv := newEmulator(t)
	c := newClient(t, srv.URL)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := c.CreateLinkToken(ctx, atlastest.DefaultOrgID, accessList())
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("want context.Canceled, got %v", err)
	}
}

func TestTimeoutAppliesWithoutContextDeadline(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body) // so the server notices when the client hangs up
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	}))
	defer srv.Close()
	c := newClient(t, srv.URL, atlas.WithTimeout(50*time.Millisecond))
	start := time.Now()
	_, err := c.CreateLinkToken(context.Background(), atlastest.DefaultOrgID, accessList())
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("want context.DeadlineExceeded, got %v", err)
	}
	if elapsed := time.Since(start); elapsed > 4*time.Second {
		t.Errorf("call returned after %v: the timeout did not stop it", elapsed)
	}
	if _, err := atlas.NewClient(atlas.WithDigestAuth("p", "k"), atlas.WithTimeout(0)); err == nil {
		t.Error("zero timeout accepted")
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
