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
// "[REDACTED without its closing quote, when the value ran to the end unterminated, a cut having fallen inside it).
// It reads the strings one after another from the start, so they stay aligned with the document's: a quote outside
// a string only ever opens one. (A hand-written scan: the regular expression it replaces, with its submatches, took
// four times as long on a 64 KiB body.)
func redactJSON(dump []byte) []byte {
	var out []byte
	last := 0
	for i := 0; i < len(dump); {
		if dump[i] != '"' {
			i++
			continue
		}
		nameEnd, closed := stringEnd(dump, i)
		j := skipJSONSpace(dump, nameEnd)
		if !closed || j >= len(dump) || dump[j] != ':' {
			i = nameEnd
			continue
		}
		v := skipJSONSpace(dump, j+1)
		if v >= len(dump) || dump[v] != '"' {
			i = nameEnd // a name whose value is not a string
			continue
		}
		valueEnd, valueClosed := stringEnd(dump, v)
		var name string
		if json.Unmarshal(dump[i:nameEnd], &name) == nil && isSecretName(name) {
			out = append(out, dump[last:v]...)
			if valueClosed {
				out = append(out, `"[REDACTED]"`...)
			} else {
				out = append(out, `"[REDACTED]`...)
			}
			last = valueEnd
		}
		i = valueEnd
	}
	if out == nil {
		return dump
	}
	return append(out, dump[last:]...)
}

// stringEnd is the index just past the JSON string that opens at b[i], and whether it is closed (else len(b)).
func stringEnd(b []byte, i int) (int, bool) {
	for k := i + 1; k < len(b); k++ {
		switch b[k] {
		case '\\':
			k++
		case '"':
			return k + 1, true
		}
	}
	return len(b), false
}

// skipJSONSpace is the index of the first byte at or after i that is not JSON whitespace.
func skipJSONSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
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
