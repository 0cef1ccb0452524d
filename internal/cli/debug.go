package cli

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httputil"
	"net/url"
	"regexp"
	"strconv"
	"strings"
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

// secretNames are the fields --debug never shows, in JSON or form-encoded. A name is compared once decoded (JSON
// escapes such as "link\u0054oken", percent-encoding) and with Unicode case folding, as encoding/json matches field
// names ("LINKTOKEN" and "paſſword" reach LinkToken and Password fields).
var secretNames = []string{"linkToken", "access_token", "refresh_token", "id_token", "client_secret", "private_api_key", "password"}

// isSecretName reports whether name, decoded, is one of secretNames.
func isSecretName(name string) bool {
	for _, s := range secretNames {
		if strings.EqualFold(name, s) {
			return true
		}
	}
	return false
}

var (
	secretHeader = regexp.MustCompile(`(?mi)^((?:proxy-)?authorization|cookie|set-cookie):[^\r\n]*`)
	// jsonString is a JSON string, with the string value that follows it when it is a member's name (group 2 the
	// name as written, group 3 the value). Matched one after another from the start, strings stay aligned with the
	// document's: a quote outside a string only ever opens one. The value may run to the end of what was read,
	// unterminated, when a cut fell inside it.
	jsonString = regexp.MustCompile(`"((?:[^"\\]|\\.)*)"(?:(\s*:\s*)("(?:[^"\\]|\\.)*(?:"|\\?$)))?`)
	// formName is a name followed by = in a form-encoded body, a URL's query or fragment, or any text.
	formName = regexp.MustCompile(`[A-Za-z0-9_.~+%-]+=`)
	// formValue is how far a form value runs: to the next &, blank or quote (further than a strict parser, so that
	// nothing of a secret is left showing).
	formValue = regexp.MustCompile(`^[^&\s"']*`)
	// urlPassword catches user:password@ in any URL a dump shows; openURLPassword one whose @ lies beyond a cut.
	urlPassword     = regexp.MustCompile(`(//[^/@\s:]*:)[^/@\s]*@`)
	openURLPassword = regexp.MustCompile(`(//[^/@\s:]*:)[^/@\s]*$`)
)

// redactDump removes credentials and link-tokens from a dump.
func redactDump(dump []byte) []byte {
	dump = secretHeader.ReplaceAll(dump, []byte("$1: [REDACTED]"))
	dump = redactJSON(dump)
	dump = redactForm(dump)
	return urlPassword.ReplaceAll(dump, []byte(`${1}xxxxx@`))
}

// redactJSON replaces the string value of each member whose decoded name is a secret's with "[REDACTED]" (or
// "[REDACTED without its closing quote, when the value ran to the end unterminated).
func redactJSON(dump []byte) []byte {
	var out []byte
	last := 0
	for _, m := range jsonString.FindAllSubmatchIndex(dump, -1) {
		if m[6] < 0 {
			continue // a string that is not a member's name, or a name whose value is not a string
		}
		var name string
		if json.Unmarshal(dump[m[0]:m[3]+1], &name) != nil || !isSecretName(name) {
			continue
		}
		out = append(out, dump[last:m[6]]...)
		if dump[m[7]-1] == '"' && m[7]-m[6] > 1 {
			out = append(out, `"[REDACTED]"`...)
		} else {
			out = append(out, `"[REDACTED]`...)
		}
		last = m[7]
	}
	if out == nil {
		return dump
	}
	return append(out, dump[last:]...)
}

// redactForm replaces the value of each name=value whose decoded name is a secret's with [REDACTED].
func redactForm(dump []byte) []byte {
	var out []byte
	last := 0
	for _, m := range formName.FindAllIndex(dump, -1) {
		if m[0] < last {
			continue // inside a value already redacted
		}
		name, err := url.QueryUnescape(string(dump[m[0] : m[1]-1]))
		if err != nil || !isSecretName(name) {
			continue
		}
		out = append(append(out, dump[last:m[1]]...), "[REDACTED]"...)
		last = m[1] + len(formValue.Find(dump[m[1]:]))
	}
	if out == nil {
		return dump
	}
	return append(out, dump[last:]...)
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
