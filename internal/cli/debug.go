package cli

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httputil"
	"regexp"
	"strconv"
	"sync"
	"unicode/utf8"
)

// maxDebugBody bounds how much of each body --debug shows (and so reads ahead of the client).
const maxDebugBody = 64 << 10

// debugTransport dumps each request and response to w with secrets redacted: headers, and at most maxDebugBody of
// each body. It sits beneath the client's authentication, so it shows the real Authorization header, and redacts
// it. The response body is not read beyond what is shown: the client still reads (and bounds) the rest.
type debugTransport struct {
	base http.RoundTripper
	mu   sync.Mutex
	w    io.Writer
}

// secretNames are the fields --debug never shows, in JSON or form-encoded.
const secretNames = `linkToken|access_token|refresh_token|id_token|client_secret|private_api_key|password`

var (
	secretHeader = regexp.MustCompile(`(?mi)^((?:proxy-)?authorization|cookie|set-cookie):[^\r\n]*`)
	secretField  = regexp.MustCompile(`("(?:` + secretNames + `)"\s*:\s*)"(?:[^"\\]|\\.)*"`)
	// secretForm catches the same names form-encoded (a token endpoint may answer application/x-www-form-urlencoded).
	secretForm = regexp.MustCompile(`(?i)\b((?:` + secretNames + `)=)[^&\s"]*`)
	// urlPassword catches user:password@ in any URL a dump shows.
	urlPassword = regexp.MustCompile(`(//[^/@\s:]*:)[^/@\s]*@`)
	// openSecretField and openURLPassword catch what the cut of a body may leave at its end: a secret field or a
	// URL password whose closing quote or @ lies beyond what was read. (secretForm already runs to the end.)
	openSecretField = regexp.MustCompile(`("(?:` + secretNames + `)"\s*:\s*)"(?:[^"\\]|\\.)*\\?$`)
	openURLPassword = regexp.MustCompile(`(//[^/@\s:]*:)[^/@\s]*$`)
)

// redactDump removes credentials and link-tokens from a dump.
func redactDump(dump []byte) []byte {
	dump = secretHeader.ReplaceAll(dump, []byte("$1: [REDACTED]"))
	dump = secretField.ReplaceAll(dump, []byte(`$1"[REDACTED]"`))
	dump = secretForm.ReplaceAll(dump, []byte(`$1[REDACTED]`))
	return urlPassword.ReplaceAll(dump, []byte(`${1}xxxxx@`))
}

func (t *debugTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if dump, err := httputil.DumpRequestOut(req, false); err == nil {
		body, rest, err := peekBody(req.Body)
		if err != nil {
			return nil, err
		}
		if req.Body != nil {
			clone := *req // a RoundTripper must not change the caller's request
			clone.Body = rest
			req = &clone
		}
		t.write("request", dump, body)
	}
	resp, err := t.base.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	if dump, err := httputil.DumpResponse(resp, false); err == nil {
		body, rest, err := peekBody(resp.Body)
		if err == nil {
			resp.Body = rest
		}
		t.write("response", dump, body)
	}
	return resp, nil
}

// peekBody reads up to maxDebugBody+1 bytes of body and returns them with a body that yields everything again.
func peekBody(body io.ReadCloser) ([]byte, io.ReadCloser, error) {
	if body == nil || body == http.NoBody {
		return nil, body, nil
	}
	head, err := io.ReadAll(io.LimitReader(body, maxDebugBody+1))
	rest := struct {
		io.Reader
		io.Closer
	}{io.MultiReader(bytes.NewReader(head), body), body}
	return head, rest, err
}

func (t *debugTransport) write(kind string, headers, body []byte) {
	t.mu.Lock()
	defer t.mu.Unlock()
	_, _ = io.WriteString(t.w, "--- "+kind+" ---\n")
	_, _ = t.w.Write(redactDump(headers))
	_, _ = t.w.Write(redactBody(body))
	_, _ = io.WriteString(t.w, "\n")
}

// redactBody redacts a body peeked by peekBody, then cuts it to maxDebugBody: redaction first, so that a cut can
// never end a secret's value early and leave its start showing. A body longer than the peek was itself cut where
// the peek ended, perhaps inside a value: a secret left open at the end is redacted too.
func redactBody(body []byte) []byte {
	cut := len(body) > maxDebugBody
	body = redactDump(body)
	if !cut {
		return body
	}
	body = openSecretField.ReplaceAll(body, []byte(`$1"[REDACTED]`))
	body = openURLPassword.ReplaceAll(body, []byte(`${1}xxxxx`))
	if len(body) > maxDebugBody {
		end := maxDebugBody
		for end > 0 && !utf8.RuneStart(body[end]) {
			end-- // not inside a character
		}
		body = body[:end:end]
	}
	return append(body, []byte("\n[… body cut at "+strconv.Itoa(maxDebugBody)+" bytes]")...)
}
