package cli

import (
	"io"
	"net/http"
	"net/http/httputil"
	"regexp"
	"sync"
)

// debugTransport dumps each request and response to w with secrets redacted. It sits beneath the client's
// authentication, so it shows the real Authorization header, and redacts it.
type debugTransport struct {
	base http.RoundTripper
	mu   sync.Mutex
	w    io.Writer
}

var (
	secretHeader = regexp.MustCompile(`(?mi)^((?:proxy-)?authorization):[^\r\n]*`)
	secretField  = regexp.MustCompile(`("(?:linkToken|access_token|client_secret|private_api_key)"\s*:\s*)"(?:[^"\\]|\\.)*"`)
)

// redact removes credentials and link-tokens from a dump.
func redact(dump []byte) []byte {
	dump = secretHeader.ReplaceAll(dump, []byte("$1: [REDACTED]"))
	return secretField.ReplaceAll(dump, []byte(`$1"[REDACTED]"`))
}

func (t *debugTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if dump, err := httputil.DumpRequestOut(req, true); err == nil {
		t.write("request", dump)
	}
	resp, err := t.base.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	if dump, err := httputil.DumpResponse(resp, true); err == nil {
		t.write("response", dump)
	}
	return resp, nil
}

func (t *debugTransport) write(kind string, dump []byte) {
	t.mu.Lock()
	defer t.mu.Unlock()
	_, _ = io.WriteString(t.w, "--- "+kind+" ---\n")
	_, _ = t.w.Write(redact(dump))
	_, _ = io.WriteString(t.w, "\n")
}
