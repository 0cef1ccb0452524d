// Package bench compares atlas-linktoken's client with what a user would pick instead, all creating link-tokens
// against the same in-process pkg/atlastest emulator: the official Atlas Go SDK with its default digest transport
// (mongodb-forks/digest) and with icholy/digest, and the floor, a bare net/http POST carrying a precomputed digest
// header. `make bench` runs the benchmarks and prints a table with the targets; the tests here check the round-trip
// and upload counts exactly.
package bench

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	icholy "github.com/icholy/digest"
	"go.mongodb.org/atlas-sdk/v20250312018/admin"

	"github.com/atlas-linktoken/atlas-linktoken/pkg/atlas"
	"github.com/atlas-linktoken/atlas-linktoken/pkg/atlastest"
)

const (
	orgID     = atlastest.DefaultOrgID
	publicKey = atlastest.DefaultPublicKey
	secretKey = atlastest.DefaultPrivateKey
	path      = "/api/atlas/v2/orgs/" + orgID + "/liveMigrations/linkTokens"
)

var (
	ips  = []string{"203.0.113.7", "198.51.100.0/24"}
	body = []byte(`{"accessListIps":["203.0.113.7","198.51.100.0/24"]}`)
)

// caller makes one createLinkToken call; it must be safe for concurrent use.
type caller func(ctx context.Context) error

// client is one way of creating link-tokens. setup prepares it for n calls (the floor precomputes n headers) and
// warms it with one call outside the measurement.
type client struct {
	name  string
	setup func(tb testing.TB, srv *atlastest.Server, n int) caller
}

var clients = []client{
	{"ours-warm", func(tb testing.TB, srv *atlastest.Server, _ int) caller {
		c := newOurs(tb, srv)
		call := func(ctx context.Context) error {
			_, err := c.CreateLinkToken(ctx, orgID, atlas.TargetOrgRequest{AccessListIPs: ips})
			return err
		}
		warm(tb, call)
		return call
	}},
	{"ours-cold", func(tb testing.TB, srv *atlastest.Server, _ int) caller {
		// A new client per call: what each CLI invocation pays.
		return func(ctx context.Context) error {
			c, err := atlas.NewClient(atlas.WithBaseURL(srv.URL), atlas.WithDigestAuth(publicKey, secretKey))
			if err != nil {
				return err
			}
			_, err = c.CreateLinkToken(ctx, orgID, atlas.TargetOrgRequest{AccessListIPs: ips})
			return err
		}
	}},
	{"sdk-default", func(tb testing.TB, srv *atlastest.Server, _ int) caller {
		sdk, err := admin.NewClient(admin.UseBaseURL(srv.URL), admin.UseDigestAuth(publicKey, secretKey))
		if err != nil {
			tb.Fatal(err)
		}
		call := sdkCall(sdk)
		warm(tb, call)
		return call
	}},
	{"sdk-icholy", func(tb testing.TB, srv *atlastest.Server, _ int) caller {
		hc := &http.Client{Transport: &icholy.Transport{Username: publicKey, Password: secretKey}}
		sdk, err := admin.NewClient(admin.UseBaseURL(srv.URL), admin.UseHTTPClient(hc))
		if err != nil {
			tb.Fatal(err)
		}
		call := sdkCall(sdk)
		warm(tb, call)
		return call
	}},
	{"floor", func(tb testing.TB, srv *atlastest.Server, n int) caller {
		// Nothing but net/http: one POST with a digest header computed before the measurement.
		headers := precomputedHeaders(tb, srv, n+1)
		var next atomic.Int64
		call := floorCall(srv.URL, func() string { return headers[next.Add(1)-1] })
		warm(tb, call)
		return call
	}},
}

// floorCall is the floor: one bare net/http POST with the Authorization header auth returns, nothing else.
func floorCall(url string, auth func() string) caller {
	hc := &http.Client{}
	return func(ctx context.Context) error {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, url+path, bytes.NewReader(body))
		if err != nil {
			return err
		}
		req.Header.Set("Content-Type", atlas.MediaType)
		req.Header.Set("Accept", atlas.MediaType)
		req.Header.Set("Authorization", auth())
		resp, err := hc.Do(req)
		if err != nil {
			return err
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusCreated {
			return fmt.Errorf("floor: status %d", resp.StatusCode)
		}
		return nil
	}
}

func newOurs(tb testing.TB, srv *atlastest.Server) *atlas.Client {
	c, err := atlas.NewClient(atlas.WithBaseURL(srv.URL), atlas.WithDigestAuth(publicKey, secretKey))
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

func sdkCall(sdk *admin.APIClient) caller {
	return func(ctx context.Context) error {
		_, _, err := sdk.CloudMigrationServiceApi.CreateLinkToken(ctx, orgID, &admin.TargetOrgRequest{AccessListIps: &ips}).Execute()
		return err
	}
}

func warm(tb testing.TB, call caller) {
	if err := call(context.Background()); err != nil {
		tb.Fatalf("warm-up call: %v", err)
	}
}

// precomputedHeaders fetches one challenge and signs n requests with nonce counts 1..n.
func precomputedHeaders(tb testing.TB, srv *atlastest.Server, n int) []string {
	resp, err := http.Post(srv.URL+path, atlas.MediaType, bytes.NewReader(body))
	if err != nil {
		tb.Fatal(err)
	}
	resp.Body.Close()
	chal, err := icholy.FindChallenge(resp.Header)
	if err != nil {
		tb.Fatal(err)
	}
	headers := make([]string, n)
	for i := range headers {
		cred, err := icholy.Digest(chal, icholy.Options{Method: http.MethodPost, URI: path, Count: i + 1, Username: publicKey, Password: secretKey})
		if err != nil {
			tb.Fatal(err)
		}
		headers[i] = cred.String()
	}
	return headers
}

func newServer(tb testing.TB, latency time.Duration) *atlastest.Server {
	srv, err := atlastest.NewServer(atlastest.WithLatency(latency))
	if err != nil {
		tb.Fatal(err)
	}
	return srv
}

// BenchmarkCreateLinkToken/{network}/{client}/{seq,parallel} reports ns/op, B/op, allocs/op, and per call the
// requests the server answered (req/op) and the request-body bytes it received (upload-B/op).
func BenchmarkCreateLinkToken(b *testing.B) {
	for _, network := range []struct {
		name    string
		latency time.Duration
	}{{"loopback", 0}, {"latency2ms", 2 * time.Millisecond}} {
		b.Run(network.name, func(b *testing.B) {
			for _, c := range clients {
				b.Run(c.name, func(b *testing.B) {
					b.Run("seq", func(b *testing.B) { run(b, network.latency, c, false) })
					b.Run("parallel", func(b *testing.B) { run(b, network.latency, c, true) })
				})
			}
		})
	}
	b.Run("trivial", benchTrivial)
}

func run(b *testing.B, latency time.Duration, c client, parallel bool) {
	srv := newServer(b, latency)
	defer srv.Close()
	call := c.setup(b, srv, b.N)
	ctx := context.Background()
	requests, uploaded := srv.RequestCount(), srv.BytesReceived()
	b.ReportAllocs()
	b.ResetTimer()
	if parallel {
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if err := call(ctx); err != nil {
					b.Error(err)
					return
				}
			}
		})
	} else {
		for range b.N {
			if err := call(ctx); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(srv.RequestCount()-requests)/float64(b.N), "req/op")
	b.ReportMetric(float64(srv.BytesReceived()-uploaded)/float64(b.N), "upload-B/op")
}

// Round trips and uploads per call are exact counts, not timings: check them as tests.
func TestRequestsAndUploadsPerCall(t *testing.T) {
	want := map[string]struct{ requests, uploads int }{
		"ours-warm":   {1, 1},
		"ours-cold":   {2, 2}, // challenge, then signed: the CLI's case
		"sdk-default": {2, 2}, // mongodb-forks/digest caches nothing
		"sdk-icholy":  {1, 1},
		"floor":       {1, 1},
	}
	const calls = 20
	for _, c := range clients {
		t.Run(c.name, func(t *testing.T) {
			srv := newServer(t, 0)
			defer srv.Close()
			call := c.setup(t, srv, calls)
			requests, uploaded := srv.RequestCount(), srv.BytesReceived()
			for range calls {
				if err := call(context.Background()); err != nil {
					t.Fatal(err)
				}
			}
			w := want[c.name]
			if got := srv.RequestCount() - requests; got != calls*w.requests {
				t.Errorf("%d server requests for %d calls, want %d per call", got, calls, w.requests)
			}
			// Clients encode the body slightly differently (the SDK adds a newline): count it in its own size.
			reqs := srv.Requests()
			size := len(reqs[len(reqs)-1].Body)
			if got := srv.BytesReceived() - uploaded; size == 0 || got != int64(calls*w.uploads*size) {
				t.Errorf("%d body bytes uploaded for %d calls, want the %d-byte body %d time(s) per call", got, calls, size, w.uploads)
			}
		})
	}
}
