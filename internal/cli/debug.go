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

// secretNames are the fields --debug never shows, in JSON or form-encoded, lower-case: a name is compared once
// decoded (JSON escapes such as "link\u0054oken", percent-encoding) and in any case (encoding/json matches field
// names without regard to case, so "LINKTOKEN" reaches a LinkToken field).
var secretNames = map[string]bool{"linktoken": true, "access_token": true, "refresh_token": true, "id_token": true,
	"client_secret": true, "private_api_key": true, "password": true}

var (
	secretHeader = regexp.MustCompile(`(?mi)^((?:proxy-)?authorization|cookie|set-cookie):[^\r\n]*`)
	// jsonField is any JSON member whose value is a string; jsonOpenField one whose value a cut left unterminated.
	jsonField     = regexp.MustCompile(`("((?:[^"\\]|\\.)*)"\s*:\s*)"(?:[^"\\]|\\.)*"`)
	jsonOpenField = regexp.MustCompile(`("((?:[^"\\]|\\.)*)"\s*:\s*)"(?:[^"\\]|\\.)*\\?$`)
	// formField is a form-encoded name=value (a token endpoint may answer application/x-www-form-urlencoded); it runs
	// to the end of what was read, so a cut cannot leave its start showing.
	formField = regexp.MustCompile(`(^|[?&#;\s"])([^=&\s"?#;/]+=)[^&\s"]*`)
	// urlPassword catches user:password@ in any URL a dump shows; openURLPassword one whose @ lies beyond a cut.
	urlPassword     = regexp.MustCompile(`(//[^/@\s:]*:)[^/@\s]*@`)
	openURLPassword = regexp.MustCompile(`(//[^/@\s:]*:)[^/@\s]*$`)
)

// redactDump removes credentials and link-tokens from a dump.
func redactDump(dump []byte) []byte {
	dump = secretHeader.ReplaceAll(dump, []byte("$1: [REDACTED]"))
	dump = redactFields(dump, jsonField, `"[REDACTED]"`)
	dump = formField.ReplaceAllFunc(dump, func(m []byte) []byte {
		sub := formField.FindSubmatch(m)
		name, err := url.QueryUnescape(string(bytes.TrimSuffix(sub[2], []byte("="))))
		if err != nil || !secretNames[strings.ToLower(name)] {
			return m
		}
		return append(append(sub[1][:len(sub[1]):len(sub[1])], sub[2]...), "[REDACTED]"...)
	})
	return urlPassword.ReplaceAll(dump, []byte(`${1}xxxxx@`))
}

// redactFields replaces the value of each match of field (group 1 the name and separator, group 2 the name as
// written) whose decoded name is a secret's with value.
func redactFields(dump []byte, field *regexp.Regexp, value string) []byte {
	return field.ReplaceAllFunc(dump, func(m []byte) []byte {
		sub := field.FindSubmatch(m)
		var name string
		if err := json.Unmarshal(append(append([]byte{'"'}, sub[2]...), '"'), &name); err != nil || !secretNames[strings.ToLower(name)] {
			return m
		}
		return append(sub[1][:len(sub[1]):len(sub[1])], value...)
	})
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
	body = redactFields(body, jsonOpenField, `"[REDACTED]`)
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
