package atlas_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/atlas-linktoken/atlas-linktoken/pkg/atlas"
	"github.com/atlas-linktoken/atlas-linktoken/pkg/atlastest"
)

// TestMain fails the package when a test leaves goroutines behind (idle keep-alive connections are closed first).
func TestMain(m *testing.M) {
	code := m.Run()
	http.DefaultTransport.(*http.Transport).CloseIdleConnections()
	if code == 0 {
		if err := goleak.Find(); err != nil {
			fmt.Fprintln(os.Stderr, "goroutine leak:", err)
			code = 1
		}
	}
	os.Exit(code)
}

var fastRetry = atlas.WithRetry(atlas.RetryPolicy{MaxAttempts: 3, BaseDelay: 5 * time.Millisecond, MaxDelay: 5 * time.Second})

func jsonFault(status int, body string, header ...string) atlastest.Fault {
	h := http.Header{"Content-Type": {"application/json"}}
	for i := 0; i+1 < len(header); i += 2 {
		h.Add(header[i], header[i+1])
	}
	return atlastest.Fault{Status: status, Header: h, Body: []byte(body)}
}

func typedFault(status int, contentType, body string) atlastest.Fault {
	return atlastest.Fault{Status: status, Header: http.Header{"Content-Type": {contentType}}, Body: []byte(body)}
}

// realChallenge fetches a digest challenge the emulator will honour, to build faults around it.
func realChallenge(t *testing.T, srv *atlastest.Server) string {
	t.Helper()
	resp, err := http.Post(srv.URL+linkTokensPath, atlas.MediaType, strings.NewReader(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.Header.Values("WWW-Authenticate")[0]
}

func wantAPIError(status int, code, bodyPart string) func(*testing.T, error) {
	return func(t *testing.T, err error) {
		t.Helper()
		var apiErr *atlas.APIError
		if !errors.As(err, &apiErr) || apiErr.StatusCode != status || apiErr.ErrorCode != code || !strings.Contains(string(apiErr.Body), bodyPart) {
			t.Errorf("want *APIError %d %q with body containing %q, got %v", status, code, bodyPart, err)
		}
	}
}

func wantIs(target error) func(*testing.T, error) {
	return func(t *testing.T, err error) {
		t.Helper()
		var apiErr *atlas.APIError
		if !errors.Is(err, target) || errors.As(err, &apiErr) {
			t.Errorf("want an error wrapping %v (and no *APIError), got %v", target, err)
		}
	}
}

func wantSuccess(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Errorf("want success, got %v", err)
	}
}

func TestFaultCatalogue(t *testing.T) {
	html := "<html><body>Bad Gateway</body></html>"
	huge := `{"linkToken":"` + strings.Repeat("A", 2<<20) + `"}`
	type row struct {
		name     string
		cold     bool // no warm-up call: the fault meets the unsigned first request
		faults   func(t *testing.T, srv *atlastest.Server) []atlastest.Fault
		opts     []atlas.Option
		ctx      func() (context.Context, context.CancelFunc)
		check    func(*testing.T, error)
		requests int           // exact server requests for the call
		atLeast  time.Duration // the call must take at least this long (a honoured Retry-After)
	}
	static := func(f ...atlastest.Fault) func(*testing.T, *atlastest.Server) []atlastest.Fault {
		return func(*testing.T, *atlastest.Server) []atlastest.Fault { return f }
	}
	deadline := func(d time.Duration) func() (context.Context, context.CancelFunc) {
		return func() (context.Context, context.CancelFunc) { return context.WithTimeout(context.Background(), d) }
	}
	rows := []row{
		{name: "reset before response", faults: static(atlastest.Fault{Reset: true}),
			check: func(t *testing.T, err error) {
				var apiErr *atlas.APIError
				if err == nil || errors.As(err, &apiErr) || errors.Is(err, atlas.ErrUnexpectedResponse) {
					t.Errorf("want a network error, got %v", err)
				}
			}, requests: 1},
		{name: "close mid-body", faults: static(atlastest.Fault{Status: 201, Header: http.Header{"Content-Type": {atlas.MediaType}},
			Body: []byte(`{"linkToken":"` + strings.Repeat("x", 4096) + `"}`), CloseMidBody: true}),
			check: wantIs(io.ErrUnexpectedEOF), requests: 1},
	}
	for _, status := range []int{500, 502, 503} {
		attempts := 1 // a POST's 503 without Retry-After is not retried: a gateway may have forwarded it
		rows = append(rows,
			row{name: fmt.Sprintf("%d JSON", status), faults: static(jsonFault(status, `{"error":1,"errorCode":"E"}`), jsonFault(status, `{"error":1,"errorCode":"E"}`), jsonFault(status, `{"error":1,"errorCode":"E"}`)),
				opts: []atlas.Option{fastRetry}, check: wantAPIError(status, "E", `"errorCode":"E"`), requests: attempts},
			row{name: fmt.Sprintf("%d HTML", status), faults: static(typedFault(status, "text/html", html), typedFault(status, "text/html", html), typedFault(status, "text/html", html)),
				opts: []atlas.Option{fastRetry}, check: wantAPIError(status, "", "Bad Gateway"), requests: attempts},
			row{name: fmt.Sprintf("%d empty", status), faults: static(typedFault(status, "", ""), typedFault(status, "", ""), typedFault(status, "", "")),
				opts: []atlas.Option{fastRetry}, check: wantAPIError(status, "", ""), requests: attempts},
		)
	}
	rows = append(rows,
		row{name: "503 with Retry-After, then success", faults: static(jsonFault(503, `{"errorCode":"SERVICE_UNAVAILABLE"}`, "Retry-After", "0")), opts: []atlas.Option{fastRetry}, check: wantSuccess, requests: 2},
		row{name: "503 with Retry-After until attempts run out", faults: static(
			jsonFault(503, `{"errorCode":"SERVICE_UNAVAILABLE"}`, "Retry-After", "0"), jsonFault(503, `{"errorCode":"SERVICE_UNAVAILABLE"}`, "Retry-After", "0"),
			jsonFault(503, `{"errorCode":"SERVICE_UNAVAILABLE"}`, "Retry-After", "0")),
			opts: []atlas.Option{fastRetry}, check: wantAPIError(503, "SERVICE_UNAVAILABLE", ""), requests: 3},
		row{name: "503 without Retry-After after a gateway forwarded the POST", faults: static(typedFault(503, "text/plain", "upstream connect error or disconnect/reset before headers")),
			opts: []atlas.Option{fastRetry}, check: wantAPIError(503, "", "upstream connect error"), requests: 1},
		row{name: "429 Retry-After of 2^31 s or more", faults: static(jsonFault(429, `{"errorCode":"RATE_LIMITED"}`, "Retry-After", "2147483648")),
			check: func(t *testing.T, err error) {
				var apiErr *atlas.APIError
				if !errors.As(err, &apiErr) || apiErr.RetryAfter != 2147483648*time.Second {
					t.Errorf("want the 429 returned with RetryAfter 2^31 s, got %v", err)
				}
			}, requests: 1},
		row{name: "429 Retry-After seconds", faults: static(jsonFault(429, `{"errorCode":"RATE_LIMITED"}`, "Retry-After", "1")), check: wantSuccess, requests: 2, atLeast: 900 * time.Millisecond},
		row{name: "429 Retry-After HTTP date", faults: func(*testing.T, *atlastest.Server) []atlastest.Fault {
			return []atlastest.Fault{jsonFault(429, `{"errorCode":"RATE_LIMITED"}`, "Retry-After", time.Now().Add(2*time.Second).UTC().Format(http.TimeFormat))}
		}, check: wantSuccess, requests: 2, atLeast: 900 * time.Millisecond},
		row{name: "429 Retry-After beyond the cap", faults: static(jsonFault(429, `{"errorCode":"RATE_LIMITED"}`, "Retry-After", "3600")),
			check: func(t *testing.T, err error) {
				var apiErr *atlas.APIError
				if !errors.As(err, &apiErr) || apiErr.RetryAfter != time.Hour {
					t.Errorf("want the 429 with RetryAfter 1h, got %v", err)
				}
			}, requests: 1},
		row{name: "429 until attempts run out", faults: static(jsonFault(429, `{"errorCode":"RATE_LIMITED"}`), jsonFault(429, `{"errorCode":"RATE_LIMITED"}`), jsonFault(429, `{"errorCode":"RATE_LIMITED"}`)),
			opts: []atlas.Option{fastRetry}, check: wantAPIError(429, "RATE_LIMITED", ""), requests: 3},
		row{name: "slow headers, context deadline", faults: static(atlastest.Fault{HeaderDelay: 3 * time.Second}), ctx: deadline(100 * time.Millisecond),
			check: wantIs(context.DeadlineExceeded), requests: 1},
		row{name: "slow headers, WithTimeout", faults: static(atlastest.Fault{HeaderDelay: 3 * time.Second}), opts: []atlas.Option{atlas.WithTimeout(100 * time.Millisecond)},
			check: wantIs(context.DeadlineExceeded), requests: 1},
		row{name: "slow body, context deadline", faults: static(atlastest.Fault{Status: 201, Header: http.Header{"Content-Type": {atlas.MediaType}},
			Body: []byte(`{"linkToken":"slowslowslowslow"}`), BodyDelay: 3 * time.Second}), ctx: deadline(200 * time.Millisecond),
			check: wantIs(context.DeadlineExceeded), requests: 1},
		row{name: "context cancelled mid-flight", faults: static(atlastest.Fault{HeaderDelay: 3 * time.Second}),
			ctx: func() (context.Context, context.CancelFunc) {
				ctx, cancel := context.WithCancel(context.Background())
				time.AfterFunc(50*time.Millisecond, cancel)
				return ctx, cancel
			}, check: wantIs(context.Canceled), requests: 1},
		row{name: "2xx malformed JSON", faults: static(typedFault(201, atlas.MediaType, `{"linkToken":`)), check: wantIs(atlas.ErrUnexpectedResponse), requests: 1},
		row{name: "2xx wrong content type", faults: static(typedFault(201, "text/html", html)), check: wantIs(atlas.ErrUnexpectedResponse), requests: 1},
		row{name: "2xx empty body", faults: static(typedFault(201, atlas.MediaType, "")), check: wantIs(atlas.ErrUnexpectedResponse), requests: 1},
		row{name: "2xx huge body", faults: static(typedFault(201, atlas.MediaType, huge)), check: wantIs(atlas.ErrUnexpectedResponse), requests: 1},
		row{name: "2xx without linkToken", faults: static(typedFault(201, atlas.MediaType, `{}`)), check: wantIs(atlas.ErrUnexpectedResponse), requests: 1},
		row{name: "401 without challenge", faults: static(jsonFault(401, `{"errorCode":"NO_CHALLENGE"}`)), check: wantAPIError(401, "NO_CHALLENGE", ""), requests: 1},
		row{name: "401 with only a Bearer challenge", cold: true, faults: static(jsonFault(401, `{"errorCode":"BEARER_ONLY"}`, "WWW-Authenticate", `Bearer realm="atlas"`)),
			check: wantAPIError(401, "BEARER_ONLY", ""), requests: 1},
		row{name: "401 with several challenges", cold: true, faults: func(t *testing.T, srv *atlastest.Server) []atlastest.Fault {
			real := realChallenge(t, srv)
			return []atlastest.Fault{jsonFault(401, `{}`, "WWW-Authenticate", `Bearer realm="atlas"`, "WWW-Authenticate", `Basic realm="x"`,
				"WWW-Authenticate", strings.Replace(real, "algorithm=MD5", "algorithm=MD5-sess", 1), "WWW-Authenticate", real)}
		}, check: wantSuccess, requests: 2},
		row{name: "401 with only MD5-sess", cold: true, faults: func(t *testing.T, srv *atlastest.Server) []atlastest.Fault {
			return []atlastest.Fault{jsonFault(401, `{"errorCode":"SESS"}`, "WWW-Authenticate", strings.Replace(realChallenge(t, srv), "algorithm=MD5", "algorithm=MD5-sess", 1))}
		}, check: wantAPIError(401, "SESS", ""), requests: 1},
		row{name: "401 with only qop=auth-int", cold: true, faults: func(t *testing.T, srv *atlastest.Server) []atlastest.Fault {
			return []atlastest.Fault{jsonFault(401, `{}`, "WWW-Authenticate", strings.Replace(realChallenge(t, srv), `qop="auth"`, `qop="auth-int"`, 1))}
		}, check: wantSuccess, requests: 2},
	)
	for _, tc := range rows {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := newEmulator(t)
			c := newClient(t, srv.URL, tc.opts...)
			ctx := context.Background()
			if !tc.cold {
				if _, err := c.CreateLinkToken(ctx, atlastest.DefaultOrgID, accessList()); err != nil {
					t.Fatal(err)
				}
			}
			srv.InjectFaults(tc.faults(t, srv)...)
			if tc.ctx != nil {
				var cancel context.CancelFunc
				ctx, cancel = tc.ctx()
				defer cancel()
			}
			before, start := srv.RequestCount(), time.Now()
			_, err := c.CreateLinkToken(ctx, atlastest.DefaultOrgID, accessList("192.0.2.1"))
			tc.check(t, err)
			if elapsed := time.Since(start); elapsed < tc.atLeast {
				t.Errorf("call took %v, want at least %v", elapsed, tc.atLeast)
			}
			if got := srv.RequestCount() - before; got != tc.requests {
				t.Errorf("%d server requests, want %d", got, tc.requests)
			}
		})
	}
}

func TestRedirectsElsewhereAreNotFollowed(t *testing.T) {
	var reached atomic.Int32
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reached.Add(1)
		w.Header().Set("Content-Type", atlas.MediaType)
		w.WriteHeader(201)
		_, _ = w.Write([]byte(`{"linkToken":"from-elsewhere"}`))
	}))
	defer other.Close()
	srv := newEmulator(t)
	c := newClient(t, srv.URL)
	if _, err := c.CreateLinkToken(context.Background(), atlastest.DefaultOrgID, accessList()); err != nil {
		t.Fatal(err)
	}
	for _, target := range []string{other.URL + "/elsewhere", "http://localhost:" + strings.Split(srv.URL, ":")[2] + "/same-port-other-host"} {
		srv.InjectFaults(atlastest.Fault{Status: 307, Header: http.Header{"Location": {target}}})
		_, err := c.CreateLinkToken(context.Background(), atlastest.DefaultOrgID, accessList())
		var apiErr *atlas.APIError
		if !errors.As(err, &apiErr) || apiErr.StatusCode != 307 || apiErr.Header.Get("Location") != target {
			t.Errorf("redirect to %s: want the 307 as *APIError, got %v", target, err)
		}
	}
	if reached.Load() != 0 {
		t.Errorf("the other host was reached %d times", reached.Load())
	}
}

func TestConnectionRefused(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + ln.Addr().String()
	ln.Close() // nothing listens there now
	for _, tc := range []struct {
		name     string
		opts     []atlas.Option
		attempts int32
	}{
		{"default policy", nil, 1},
		{"retry connection refused", []atlas.Option{atlas.WithRetry(atlas.RetryPolicy{MaxAttempts: 4, BaseDelay: time.Millisecond, MaxDelay: 10 * time.Millisecond, RetryConnectionRefused: true})}, 4},
	} {
		var attempts atomic.Int32
		hc := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
			attempts.Add(1)
			return http.DefaultTransport.RoundTrip(r)
		})}
		c := newClient(t, url, append(tc.opts, atlas.WithHTTPClient(hc))...)
		_, err := c.CreateLinkToken(context.Background(), atlastest.DefaultOrgID, accessList())
		if !errors.Is(err, syscall.ECONNREFUSED) {
			t.Errorf("%s: want ECONNREFUSED, got %v", tc.name, err)
		}
		if attempts.Load() != tc.attempts {
			t.Errorf("%s: %d attempts, want %d", tc.name, attempts.Load(), tc.attempts)
		}
	}
}

func TestRetryWaitStopsAtTheContext(t *testing.T) {
	srv := newEmulator(t)
	c := newClient(t, srv.URL, atlas.WithRetry(atlas.RetryPolicy{MaxAttempts: 5, BaseDelay: 10 * time.Second, MaxDelay: 10 * time.Second}))
	srv.InjectFaults(jsonFault(503, `{"errorCode":"SERVICE_UNAVAILABLE"}`, "Retry-After", "5")) // retryable, 5 s away
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := c.CreateLinkToken(ctx, atlastest.DefaultOrgID, accessList())
	if !atlas.IsErrorCode(err, "SERVICE_UNAVAILABLE") || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("want the 503 and the deadline, got %v", err)
	}
	if elapsed := time.Since(start); elapsed > 2*time.Second {
		t.Errorf("waited %v: the backoff outlived the context", elapsed)
	}
	for _, bad := range []atlas.RetryPolicy{{MaxAttempts: 0}, {MaxAttempts: 2, BaseDelay: time.Second, MaxDelay: time.Millisecond}, {MaxAttempts: 2, BaseDelay: -1}} {
		if _, err := atlas.NewClient(atlas.WithDigestAuth("p", "k"), atlas.WithRetry(bad)); err == nil {
			t.Errorf("policy %+v accepted", bad)
		}
	}
}

func TestStaleNonceUnder32ConcurrentCallers(t *testing.T) {
	var offset atomic.Int64 // the emulator's clock runs this far ahead of the wall clock
	clock := func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }
	// The clock is the test's: the cached nonce goes stale by a jump, never by a slow machine, and the fresh nonces
	// of the burst live a minute, however loaded the machine is (a real 300 ms lifetime made it flaky under load).
	srv := newEmulator(t, atlastest.WithNonceLifetime(time.Minute), atlastest.WithClock(clock))
	c := newClient(t, srv.URL)
	if _, err := c.CreateLinkToken(context.Background(), atlastest.DefaultOrgID, accessList()); err != nil {
		t.Fatal(err)
	}
	offset.Add(int64(2 * time.Minute)) // the cached nonce is now stale
	before := srv.RequestCount()
	const callers = 32
	var wg sync.WaitGroup
	errs := make(chan error, callers)
	start := make(chan struct{})
	for range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			_, err := c.CreateLinkToken(context.Background(), atlastest.DefaultOrgID, accessList())
			errs <- err
		}()
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if got := srv.RequestCount() - before; got < callers || got > 2*callers {
		t.Errorf("%d requests for %d callers: each may pay at most one stale round trip", got, callers)
	}
}

func TestPlainHTTPToARemoteHostNeedsOptIn(t *testing.T) {
	_, err := atlas.NewClient(atlas.WithDigestAuth("p", "k"), atlas.WithBaseURL("http://cloud.example.com"))
	if err == nil || !strings.Contains(err.Error(), "plain http") {
		t.Errorf("plain http to a remote host: %v", err)
	}
	for _, opts := range [][]atlas.Option{
		{atlas.WithBaseURL("http://cloud.example.com"), atlas.WithInsecureHTTP()},
		{atlas.WithBaseURL("http://127.0.0.1:8080")},
		{atlas.WithBaseURL("http://localhost:8080")},
		{atlas.WithBaseURL("http://[::1]:8080")},
	} {
		if _, err := atlas.NewClient(append(opts, atlas.WithDigestAuth("p", "k"))...); err != nil {
			t.Errorf("refused: %v", err)
		}
	}
}
