package atlas_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
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

func TestCreateLinkTokenRawPassesTheAnswerThrough(t *testing.T) {
	srv := newEmulator(t)
	c := newClient(t, srv.URL)
	pretty, envelope := true, true
	body := []byte("{\n  \"accessListIps\": [\"192.0.2.1\"]\n}\n")
	resp, err := c.CreateLinkTokenRaw(context.Background(), atlastest.DefaultOrgID, body, &atlas.CreateLinkTokenParams{Pretty: &pretty})
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

	resp, err = c.CreateLinkTokenRaw(context.Background(), atlastest.DefaultOrgID, body, &atlas.CreateLinkTokenParams{Envelope: &envelope})
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
	_, err = c.CreateLinkTokenRaw(context.Background(), "bbbbbbbbbbbbbbbbbbbbbbbb", body, &atlas.CreateLinkTokenParams{Envelope: &envelope})
	var apiErr *atlas.APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 404 || apiErr.ErrorCode != "ORG_NOT_FOUND" || !bytes.Contains(apiErr.Body, []byte(`"status":404`)) {
		t.Fatalf("want enveloped 404 ORG_NOT_FOUND, got %v", err)
	}

	before := srv.RequestCount()
	if _, err := c.CreateLinkTokenRaw(context.Background(), atlastest.DefaultOrgID, []byte(`{"accessListIps":"x"}`), nil); err == nil {
		t.Error("malformed body accepted")
	}
	if srv.RequestCount() != before {
		t.Error("a malformed body reached the server")
	}
}

func TestEnvelopeNamedEnvelopeIsUnwrapped(t *testing.T) {
	srv, _ := scripted(t, 200, http.Header{"Content-Type": {"application/json"}},
		`{"status":403,"envelope":{"error":403,"errorCode":"USER_UNAUTHORIZED","detail":"no"}}`)
	c := newClient(t, srv.URL)
	envelope := true
	_, err := c.CreateLinkTokenRaw(context.Background(), atlastest.DefaultOrgID, []byte(`{}`), &atlas.CreateLinkTokenParams{Envelope: &envelope})
	if !atlas.IsErrorCode(err, "USER_UNAUTHORIZED") {
		t.Fatalf("want USER_UNAUTHORIZED from the envelope field, got %v", err)
	}
}
