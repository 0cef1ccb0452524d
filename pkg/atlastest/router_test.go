package atlastest_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// Accept is negotiated by RFC 9110: q-values, then order; q=0 refuses; the versions are the operation's own.
func TestAcceptNegotiation(t *testing.T) {
	srv := start(t)
	for _, tc := range []struct {
		accept string
		status int
	}{
		{"", 201},
		{"*/*", 201},
		{mediaType, 201},
		{"application/vnd.atlas.2099-01-01+json, " + mediaType, 201}, // a later entry is served
		{"application/vnd.atlas.2099-01-01+json;q=1, " + mediaType + ";q=0.5", 201},
		{mediaType + ";q=0", 406},                      // refused explicitly
		{mediaType + ";q=0, application/json", 201},    // … but application/json is fine
		{"application/vnd.atlas.2022-12-31+json", 406}, // a date before the operation's first version
		{"text/html", 406},
	} {
		resp, body := do(t, srv, call{path: v2Path, accept: tc.accept, contentType: mediaType, body: `{}`})
		if resp.StatusCode != tc.status {
			t.Errorf("Accept %q: %d %s, want %d", tc.accept, resp.StatusCode, body, tc.status)
		}
		if tc.status == 201 && resp.Header.Get("Content-Type") != mediaType+";charset=utf-8" {
			t.Errorf("Accept %q: Content-Type %q", tc.accept, resp.Header.Get("Content-Type"))
		}
	}
}

// Query booleans are true or false, given once; the error names the parameter.
func TestStrictQueryParameters(t *testing.T) {
	srv := start(t)
	for _, query := range []string{"pretty=1", "pretty=TRUE", "envelope=t", "envelope=true&envelope=false"} {
		resp, body := do(t, srv, call{path: v2Path + "?" + query, contentType: mediaType, body: `{}`})
		var e apiError
		_ = json.Unmarshal(body, &e)
		name, _, _ := strings.Cut(query, "=")
		if resp.StatusCode != 400 || e.BadRequestDetail == nil || e.BadRequestDetail.Fields[0].Field != name || strings.Contains(e.Detail, "JSON") {
			t.Errorf("?%s: %d %s, want 400 naming %s", query, resp.StatusCode, body, name)
		}
	}
	if resp, body := do(t, srv, call{path: v2Path + "?pretty=true&envelope=false", contentType: mediaType, body: `{}`}); resp.StatusCode != 201 {
		t.Errorf("valid booleans refused: %d %s", resp.StatusCode, body)
	}
}

// A wrong method on a known path is 405 with Allow listing the document's methods.
func TestMethodNotAllowedListsAllow(t *testing.T) {
	srv := start(t)
	resp, _ := do(t, srv, call{method: http.MethodPatch, path: v2Path})
	if resp.StatusCode != 405 || resp.Header.Get("Allow") != "DELETE, POST" {
		t.Errorf("%d, Allow %q; want 405 and DELETE, POST", resp.StatusCode, resp.Header.Get("Allow"))
	}
}
