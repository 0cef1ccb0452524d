package atlas_test

import (
	"bytes"
	"context"
	"net/http"
	"testing"
	"time"

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
