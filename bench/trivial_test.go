package bench

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/atlas-linktoken/atlas-linktoken/pkg/atlas"
)

// trivialAnswer is what the trivial server answers every signed request.
var trivialAnswer = []byte(`{"linkToken":"dHJpdmlhbC10b2tlbg=="}`)

// newTrivialServer is a server that costs almost nothing: it checks that a digest Authorization header is present
// (challenging when it is not) and writes a fixed body. Against it, the client's own cost is what is measured,
// not the emulator's validation.
func newTrivialServer() *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		if !strings.HasPrefix(r.Header.Get("Authorization"), "Digest ") {
			w.Header().Set("WWW-Authenticate", `Digest realm="MMS Public API", nonce="trivial", algorithm=MD5, qop="auth"`)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", atlas.MediaType)
		w.Header().Set("Content-Length", strconv.Itoa(len(trivialAnswer)))
		w.WriteHeader(http.StatusCreated)
		_, _ = w.Write(trivialAnswer)
	}))
}

// trivialCallers are the clients measured against the trivial server: ours (warm) and the net/http floor.
func trivialCallers(tb testing.TB, url string) map[string]caller {
	c, err := atlas.NewClient(atlas.WithBaseURL(url), atlas.WithDigestAuth(publicKey, secretKey))
	if err != nil {
		tb.Fatal(err)
	}
	ours := func(ctx context.Context) error {
		_, err := c.CreateLinkToken(ctx, orgID, atlas.TargetOrgRequest{AccessListIPs: ips})
		return err
	}
	const header = `Digest username="emulatorpub", realm="MMS Public API", nonce="trivial", uri="` + path + `", algorithm=MD5, response="0123456789abcdef0123456789abcdef", qop=auth, nc=00000001, cnonce="0a1b2c3d"`
	floor := floorCall(url, func() string { return header })
	warm(tb, ours)
	warm(tb, floor)
	return map[string]caller{"ours-warm": ours, "floor": floor}
}

// benchTrivial is BenchmarkCreateLinkToken/trivial/{ours-warm,floor}/{seq,parallel}.
func benchTrivial(b *testing.B) {
	for _, name := range []string{"ours-warm", "floor"} {
		b.Run(name, func(b *testing.B) {
			for _, mode := range []string{"seq", "parallel"} {
				b.Run(mode, func(b *testing.B) {
					srv := newTrivialServer()
					defer srv.Close()
					call := trivialCallers(b, srv.URL)[name]
					ctx := context.Background()
					b.ReportAllocs()
					b.ResetTimer()
					if mode == "parallel" {
						b.RunParallel(func(pb *testing.PB) {
							for pb.Next() {
								if err := call(ctx); err != nil {
									b.Error(err)
									return
								}
							}
						})
						return
					}
					for range b.N {
						if err := call(ctx); err != nil {
							b.Fatal(err)
						}
					}
				})
			}
		})
	}
}

// The trivial server answers ours and the floor alike, one request per warm call.
func TestTrivialServerServesBoth(t *testing.T) {
	srv := newTrivialServer()
	defer srv.Close()
	for name, call := range trivialCallers(t, srv.URL) {
		if err := call(context.Background()); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}
