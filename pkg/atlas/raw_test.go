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

// rawAnswer is what BareDo returned, its body read.
type rawAnswer struct {
	StatusCode int
	Body       []byte
}

// sendRaw sends body byte for byte to method path?query through c.BareDo, the raw escape hatch, and reads the answer.
func sendRaw(t *testing.T, c *atlas.Client, method, path, query string, body []byte) (*rawAnswer, error) {
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
	resp, err := c.BareDo(context.Background(), req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return &rawAnswer{StatusCode: resp.StatusCode, Body: data}, nil
}

// BareDo passes the caller's bytes and the server's answer through untouched (envelopes are the CLI's business:
// internal/cli's TestEnvelopes took over the envelope assertions when the envelope handling moved there).
func TestBareDoPassesTheAnswerThrough(t *testing.T) {
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

	// A non-2xx answer is an *APIError holding the server's body.
	_, err = sendRaw(t, c, http.MethodPost, strings.Replace(linkTokensPath, atlastest.DefaultOrgID, "bbbbbbbbbbbbbbbbbbbbbbbb", 1), "", body)
	var apiErr *atlas.APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 404 || apiErr.ErrorCode != "ORG_NOT_FOUND" || !bytes.Contains(apiErr.Body, []byte(`ORG_NOT_FOUND`)) {
		t.Fatalf("want 404 ORG_NOT_FOUND, got %v", err)
	}

	// BareDo checks nothing locally (the CLI does): a body the server refuses comes back as its *APIError.
	_, err = sendRaw(t, c, http.MethodPost, linkTokensPath, "", []byte(`{"accessListIps":"x"}`))
	if !atlas.IsErrorCode(err, "VALIDATION_ERROR") {
		t.Errorf("malformed body: want the server's VALIDATION_ERROR, got %v", err)
	}
	if _, err := sendRaw(t, c, http.MethodGet, "/../elsewhere", "", nil); err == nil {
		t.Error("a request off the base URL was sent")
	}
}
