package atlas_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/atlas-linktoken/atlas-linktoken/gen"
	"github.com/atlas-linktoken/atlas-linktoken/pkg/atlas"
	"github.com/atlas-linktoken/atlas-linktoken/pkg/atlastest"
)

// The escape hatch takes the same request path as the typed methods: headers, retries, auth; its raw responses
// work with CheckResponse, body intact.
func TestGeneratedClientSharesTheRequestPath(t *testing.T) {
	srv := newEmulator(t)
	c := newClient(t, srv.URL, fastRetry)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	resp, err := c.Generated().CreateLinkTokenWithBody(ctx, "bbbbbbbbbbbbbbbbbbbbbbbb", nil, atlas.MediaType, bytes.NewReader([]byte(`{}`)))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	err = atlas.CheckResponse(resp)
	if !atlas.IsErrorCode(err, "ORG_NOT_FOUND") {
		t.Fatalf("want a typed *APIError ORG_NOT_FOUND, got %v", err)
	}

	srv.InjectFaults(jsonFault(429, `{"errorCode":"RATE_LIMITED"}`))
	before := srv.RequestCount()
	resp, err = c.Generated().CreateLinkTokenWithBody(ctx, atlastest.DefaultOrgID, nil, atlas.MediaType, bytes.NewReader([]byte(`{}`)))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated || srv.RequestCount()-before != 2 {
		t.Errorf("429 then retry: status %d after %d requests, want 201 after 2", resp.StatusCode, srv.RequestCount()-before)
	}
	last := srv.Requests()[len(srv.Requests())-1]
	if last.Header.Get("Accept") != atlas.MediaType || last.Header.Get("User-Agent") != atlas.DefaultUserAgent() {
		t.Errorf("headers: Accept %q, User-Agent %q", last.Header.Get("Accept"), last.Header.Get("User-Agent"))
	}

	resp, err = c.Generated().DeleteLinkTokens(ctx, atlastest.DefaultOrgID, nil) // no body: Accept from the operation
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if last := srv.Requests()[len(srv.Requests())-1]; resp.StatusCode != http.StatusNoContent || last.Header.Get("Accept") != atlas.MediaType {
		t.Errorf("DELETE: %d, Accept %q", resp.StatusCode, last.Header.Get("Accept"))
	}
}

// A call's version comes from its operation's versions; an unknown one is refused before sending, naming them.
func TestVersionsArePerOperation(t *testing.T) {
	srv := newEmulator(t)
	c := newClient(t, srv.URL)
	ctx := context.Background()
	if _, err := c.CreateLinkToken(ctx, atlastest.DefaultOrgID, accessList(), atlas.WithVersion("2023-01-01")); err != nil {
		t.Fatal(err)
	}
	last := srv.Requests()[len(srv.Requests())-1]
	if last.Header.Get("Content-Type") != atlas.MediaType || last.Header.Get("Accept") != atlas.MediaType {
		t.Errorf("Content-Type %q, Accept %q", last.Header.Get("Content-Type"), last.Header.Get("Accept"))
	}
	before := srv.RequestCount()
	_, err := c.CreateLinkToken(ctx, atlastest.DefaultOrgID, accessList(), atlas.WithVersion("2024-05-30"))
	var inputErr *atlas.InputError
	if !errors.As(err, &inputErr) || inputErr.Field != "version" || !strings.Contains(err.Error(), "createLinkToken has versions 2023-01-01") {
		t.Errorf("unknown version: %v", err)
	}
	if err := c.DeleteLinkToken(ctx, atlastest.DefaultOrgID, atlas.WithVersion("1999-01-01")); !errors.As(err, &inputErr) {
		t.Errorf("unknown delete version: %v", err)
	}
	if srv.RequestCount() != before {
		t.Error("a call with an unknown version was sent")
	}
}

// The generated parsers of multi-version operations match versioned media types exactly; the request path hands
// them the type without the charset Atlas adds, so they decode. (createLinkToken has one version, whose parser
// matches any "json": the header itself is the check that fails without the request path's help.)
func TestGeneratedParsersDecodeDespiteCharset(t *testing.T) {
	srv, _ := scripted(t, 201, http.Header{"Content-Type": {atlas.MediaType + ";charset=utf-8"}}, `{"linkToken":"tok"}`)
	c := newClient(t, srv.URL)
	raw, err := c.Generated().CreateLinkTokenWithBody(context.Background(), atlastest.DefaultOrgID, nil, atlas.MediaType, strings.NewReader(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	if got := raw.Header.Get("Content-Type"); got != atlas.MediaType {
		t.Errorf("Content-Type %q reaches the generated parser, want %q", got, atlas.MediaType)
	}
	resp, err := gen.ParseCreateLinkTokenResponse(raw)
	if err != nil || resp.ApplicationVndAtlas20230101JSON201 == nil || resp.ApplicationVndAtlas20230101JSON201.LinkToken != "tok" {
		t.Errorf("not decoded: %+v %v", resp, err)
	}
}
