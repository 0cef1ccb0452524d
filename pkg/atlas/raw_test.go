package atlas_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/atlas-linktoken/atlas-linktoken/pkg/atlas"
	"github.com/atlas-linktoken/atlas-linktoken/pkg/atlastest"
)

func TestParseTargetOrgRequest(t *testing.T) {
	for _, tc := range []struct {
		name, body string
		ok         bool
		want       string // substring of the error
		ips        int
	}{
		{"object", `{"accessListIps":["1.2.3.4","10.0.0.0/8"]}`, true, "", 2},
		{"empty object", `{}`, true, "", -1},
		{"empty list", `{"accessListIps":[]}`, true, "", 0},
		{"empty", "  \n", false, "is empty", 0},
		{"array", `["1.2.3.4"]`, false, "want a JSON object", 0},
		{"null", `null`, false, "want a JSON object", 0},
		{"syntax", "{\n  \"accessListIps\": [\"1.2.3.4\",]\n}", false, "line 2, column 32: malformed JSON", 0},
		{"truncated", "{\"accessListIps\": [", false, "unexpected end of input", 0},
		{"wrong type", "{\n\"accessListIps\": \"1.2.3.4\"}", false, "line 2, column 27: accessListIps must be an array, got a JSON string", 0},
		{"wrong entry type", `{"accessListIps": [1]}`, false, "accessListIps must be a string, got a JSON number", 0},
		{"unknown field", `{"accessListIPs": []}`, false, `unknown field "accessListIPs"`, 0},
		{"trailing data", `{} {}`, false, "unexpected data after the JSON object", 0},
		{"bad IP", `{"accessListIps": ["1.2.3.4", "nope"]}`, false, `invalid accessListIps[1] "nope"`, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, err := atlas.ParseTargetOrgRequest([]byte(tc.body))
			if tc.ok {
				if err != nil {
					t.Fatal(err)
				}
				if n := -1; req.AccessListIPs != nil {
					n = len(req.AccessListIPs)
					if n != tc.ips {
						t.Errorf("%d entries, want %d", n, tc.ips)
					}
				} else if tc.ips != -1 {
					t.Errorf("list missing")
				}
				return
			}
			var inputErr *atlas.InputError
			if !errors.As(err, &inputErr) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("want InputError containing %q, got %v", tc.want, err)
			}
		})
	}
}

// sendRaw sends body byte for byte to method path?query through c.Do, the generic method.
func sendRaw(t *testing.T, c *atlas.Client, method, path, query string, body []byte) (*atlas.Response, error) {
	t.Helper()
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	target := c.BaseURL() + path
	if query != "" {
		target += "?" + query
	}
	req, err := http.NewRequest(method, target, r)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", atlas.MediaType)
	}
	return c.Do(context.Background(), req)
}

func TestDoPassesTheAnswerThrough(t *testing.T) {
	srv := newEmulator(t)
	c := newClient(t, srv.URL)
	body := []byte("{\n  \"accessListIps\": [\"192.0.2.1\"]\n}\n")
	resp, err := sendRaw(t, c, http.MethodPost, linkTokensPath, "pretty=true", body)
	if err != nil {
		t.Fatal(err)
	}
	reqs := srv.Requests()
	last := reqs[len(reqs)-1]
	if !bytes.Equal(last.Body, body) || last.RawQuery != "pretty=true" {
		t.Errorf("sent body %q query %q; want the caller's bytes and pretty=true", last.Body, last.RawQuery)
	}
	if resp.StatusCode != 201 || !bytes.Equal(resp.Body, last.ResponseBody) || !bytes.Contains(resp.Body, []byte("\n  \"linkToken\"")) {
		t.Errorf("answer %d %q differs from what the server sent", resp.StatusCode, resp.Body)
	}

	resp, err = sendRaw(t, c, http.MethodPost, linkTokensPath, "envelope=true", body)
	if err != nil {
		t.Fatal(err)
	}
	var env struct {
		Status  int
		Content atlas.TargetOrg
	}
	if resp.StatusCode != 200 || json.Unmarshal(resp.Body, &env) != nil || env.Status != 201 || env.Content.LinkToken == "" {
		t.Errorf("envelope answer %d %s", resp.StatusCode, resp.Body)
	}

	// An envelope holding an error is an error, with the enveloped status and code.
	_, err = sendRaw(t, c, http.MethodPost, strings.Replace(linkTokensPath, atlastest.DefaultOrgID, "bbbbbbbbbbbbbbbbbbbbbbbb", 1), "envelope=true", body)
	var apiErr *atlas.APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 404 || apiErr.ErrorCode != "ORG_NOT_FOUND" || !bytes.Contains(apiErr.Body, []byte(`"status":404`)) {
		t.Fatalf("want enveloped 404 ORG_NOT_FOUND, got %v", err)
	}

	// Do checks nothing locally (the CLI does): a body the server refuses comes back as its *APIError.
	_, err = sendRaw(t, c, http.MethodPost, linkTokensPath, "", []byte(`{"accessListIps":"x"}`))
	if !atlas.IsErrorCode(err, "VALIDATION_ERROR") {
		t.Errorf("malformed body: want the server's VALIDATION_ERROR, got %v", err)
	}
	if _, err := sendRaw(t, c, http.MethodGet, "/../elsewhere", "", nil); err == nil {
		t.Error("a request off the base URL was sent")
	}
}

func TestEnvelopeNamedEnvelopeIsUnwrapped(t *testing.T) {
	srv, _ := scripted(t, 200, http.Header{"Content-Type": {"application/json"}},
		`{"status":403,"envelope":{"error":403,"errorCode":"USER_UNAUTHORIZED","detail":"no"}}`)
	c := newClient(t, srv.URL)
	_, err := sendRaw(t, c, http.MethodPost, linkTokensPath, "envelope=true", []byte(`{}`))
	if !atlas.IsErrorCode(err, "USER_UNAUTHORIZED") {
		t.Fatalf("want USER_UNAUTHORIZED from the envelope field, got %v", err)
	}
}
