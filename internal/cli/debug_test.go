package cli

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"testing"
)

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// --debug redacts before it cuts: a secret that the 64 KiB cut splits, wherever it falls in the secret (or just
// before or after it, on either side of an escaping backslash), never shows even its first characters, in a
// response or a request, JSON, form-encoded or in a URL.
func TestDebugCutNeverShowsThePrefixOfASecret(t *testing.T) {
	const secret = "Qz-debug-cut-secret-0427"
	shapes := []struct{ name, before, after string }{
		{"JSON field", `{"pad":"PAD","password":"`, `","x":1}`},
		{"escaped JSON", `{"pad":"PAD","password":"\"`, `\\"}`},
		{"form field", `pad=PAD&client_secret=`, `&x=1`},
		{"URL", `{"pad":"PAD","uri":"mongodb://migrator:`, `@source.example.net:27017/"}`},
	}
	for _, shape := range shapes {
		// The cut falls before secret[at]: around its start and end (the escaped shape's backslashes), in the middle.
		for _, at := range []int{-2, -1, 0, 1, 2, len(secret) / 2, len(secret) - 1, len(secret), len(secret) + 1, len(secret) + 2} {
			prefix := strings.ReplaceAll(shape.before, "PAD", "")
			pad := maxDebugBody - at - len(prefix)
			body := strings.Replace(shape.before, "PAD", strings.Repeat("x", pad), 1) + secret + shape.after +
				strings.Repeat(" ", 100)
			var out bytes.Buffer
			dt := &debugTransport{w: &out, base: roundTripFunc(func(r *http.Request) (*http.Response, error) {
				_, _ = io.Copy(io.Discard, r.Body)
				return &http.Response{StatusCode: 200, ProtoMajor: 1, ProtoMinor: 1, Header: http.Header{},
					Body: io.NopCloser(strings.NewReader(body)), ContentLength: int64(len(body)), Request: r}, nil
			})}
			reqBody := `{}` // the request's body takes the same path as the response's: the long one once per shape
			if at == len(secret)/2 {
				reqBody = body
			}
			req, err := http.NewRequest(http.MethodPost, "http://127.0.0.1:9/x", strings.NewReader(reqBody))
			if err != nil {
				t.Fatal(err)
			}
			resp, err := dt.RoundTrip(req)
			if err != nil {
				t.Fatal(err)
			}
			got, _ := io.ReadAll(resp.Body)
			if string(got) != body {
				t.Fatalf("%s, cut at %d: the client did not get the whole body", shape.name, at)
			}
			dump := out.String()
			if want := map[bool]int{true: 2, false: 1}[reqBody == body]; strings.Count(dump, "body cut at") != want {
				t.Fatalf("%s, cut at %d: the bodies were not cut", shape.name, at)
			}
			for n := len(secret); n >= 2; n-- {
				if strings.Contains(dump, secret[:n]) {
					t.Errorf("%s, cut before character %d: --debug shows the secret's first %d characters", shape.name, at, n)
					break
				}
			}
		}
	}
}
