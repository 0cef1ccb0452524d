package atlas_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/atlas-linktoken/atlas-linktoken/pkg/atlas"
	"github.com/atlas-linktoken/atlas-linktoken/pkg/atlastest"
)

func TestDeleteLinkTokenRemovesTheLinkOnce(t *testing.T) {
	srv := newEmulator(t)
	c := newClient(t, srv.URL)
	ctx := context.Background()
	if _, err := c.CreateLinkToken(ctx, atlastest.DefaultOrgID, accessList()); err != nil {
		t.Fatal(err)
	}
	if !srv.Linked(atlastest.DefaultOrgID) {
		t.Fatal("emulator did not record the link")
	}
	before := srv.RequestCount()
	if err := c.DeleteLinkToken(ctx, atlastest.DefaultOrgID); err != nil {
		t.Fatal(err)
	}
	if srv.Linked(atlastest.DefaultOrgID) {
		t.Error("link still there after delete")
	}
	reqs := srv.Requests()[before:]
	if len(reqs) != 1 {
		t.Fatalf("warm delete made %d requests, want 1", len(reqs))
	}
	r := reqs[0]
	if r.Method != http.MethodDelete || r.Path != linkTokensPath || r.RawQuery != "" || len(r.Body) != 0 ||
		r.Header.Get("Accept") != atlas.MediaType || r.Status != http.StatusNoContent || r.Auth != atlastest.AuthOK {
		t.Errorf("delete request %s %s?%s body %q Accept %q → %d %s", r.Method, r.Path, r.RawQuery, r.Body, r.Header.Get("Accept"), r.Status, r.Auth)
	}
	err := c.DeleteLinkToken(ctx, atlastest.DefaultOrgID)
	if !atlas.IsErrorCode(err, "UNEXPECTED_ERROR") { // as real Atlas answers it
		t.Fatalf("second delete: want UNEXPECTED_ERROR, got %v", err)
	}
	var apiErr *atlas.APIError
	if errors.As(err, &apiErr); apiErr.StatusCode != 404 || apiErr.Method != http.MethodDelete {
		t.Errorf("second delete: %+v", apiErr)
	}
}

func TestDeleteEnvelopeAndInput(t *testing.T) {
	srv := newEmulator(t)
	c := newClient(t, srv.URL)
	ctx := context.Background()
	if _, err := c.CreateLinkToken(ctx, atlastest.DefaultOrgID, accessList()); err != nil {
		t.Fatal(err)
	}
	resp, err := sendRaw(t, c, http.MethodDelete, linkTokensPath, "envelope=true", nil)
	if err != nil || resp.StatusCode != 200 || !strings.Contains(string(resp.Body), `"status":204`) {
		t.Fatalf("enveloped delete: %+v %v", resp, err)
	}
	// BareDo passes the envelope through as it came; the CLI turns it into the error it holds (internal/cli's
	// TestEnvelopes, where this assertion moved with the envelope handling).
	resp, err = sendRaw(t, c, http.MethodDelete, linkTokensPath, "envelope=true", nil)
	if err != nil || resp.StatusCode != 200 || !strings.Contains(string(resp.Body), `"status":404`) || !strings.Contains(string(resp.Body), "UNEXPECTED_ERROR") {
		t.Errorf("enveloped second delete: %+v %v", resp, err)
	}
	before := srv.RequestCount()
	var inputErr *atlas.InputError
	if err := c.DeleteLinkToken(ctx, "ABC"); !errors.As(err, &inputErr) || inputErr.Field != "orgID" {
		t.Errorf("invalid orgID: %v", err)
	}
	if srv.RequestCount() != before {
		t.Error("invalid orgID was sent")
	}
}
