package atlas_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/atlas-linktoken/atlas-linktoken/pkg/atlas"
)

// The source side speaks Cloud Manager's v1.0 API: plain JSON, the documented paths, and the link-token only in
// the body, never in an error.
func TestSourceSideOperations(t *testing.T) {
	const sourceOrg, token = "5e2211c17a3e5a48f5497de1", "eyJvcmdJZCI6InNlY3JldC1saW5rLXRva2VuIn0="
	var mu sync.Mutex
	var seen []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		seen = append(seen, r.Method+" "+r.URL.Path+" "+r.Header.Get("Accept")+" "+r.Header.Get("Content-Type")+" "+string(body))
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		switch {
		case r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/migrationLink"):
			var req struct{ LinkToken string }
			if json.Unmarshal(body, &req) != nil || req.LinkToken != token {
				w.WriteHeader(http.StatusBadRequest)
				_, _ = w.Write([]byte(`{"error":400,"errorCode":"INVALID_LINK_TOKEN","detail":"bad token"}`))
				return
			}
			w.WriteHeader(http.StatusCreated)
			_, _ = w.Write([]byte(`{"status":"SYNCED"}`))
		case r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/migrationLink/status"):
			_, _ = w.Write([]byte(`{"status":"NOT_SYNCED"}`))
		case r.Method == http.MethodDelete:
			w.WriteHeader(http.StatusNoContent)
		}
	}))
	defer srv.Close()
	c := newClient(t, srv.URL)
	ctx := context.Background()
	status, err := c.ConnectOrganizations(ctx, sourceOrg, token)
	if err != nil || status.Status == nil || *status.Status != atlas.LinkSynced {
		t.Fatalf("ConnectOrganizations: %+v %v", status, err)
	}
	if status, err = c.ConnectionStatus(ctx, sourceOrg); err != nil || *status.Status != atlas.LinkNotSynced {
		t.Fatalf("ConnectionStatus: %+v %v", status, err)
	}
	if err := c.DeleteConnection(ctx, sourceOrg); err != nil {
		t.Fatalf("DeleteConnection: %v", err)
	}
	want := []string{
		"POST /api/public/v1.0/orgs/" + sourceOrg + "/liveExport/migrationLink application/json application/json " + `{"linkToken":"` + token + `"}`,
		"GET /api/public/v1.0/orgs/" + sourceOrg + "/liveExport/migrationLink/status application/json  ",
		"DELETE /api/public/v1.0/orgs/" + sourceOrg + "/liveExport/migrationLink application/json  ",
	}
	for i, w := range want {
		if i >= len(seen) || seen[i] != w {
			t.Errorf("request %d: %q, want %q", i, seen[min(i, len(seen)-1)], w)
		}
	}
	// A refused token is an *APIError that does not repeat it.
	_, err = c.ConnectOrganizations(ctx, sourceOrg, "wrong-token-value")
	var apiErr *atlas.APIError
	if !errors.As(err, &apiErr) || apiErr.ErrorCode != "INVALID_LINK_TOKEN" || strings.Contains(err.Error(), "wrong-token-value") {
		t.Errorf("refused token: %v", err)
	}
	// Bad input is refused before sending.
	before := len(seen)
	var inputErr *atlas.InputError
	if _, err := c.ConnectOrganizations(ctx, "nope", token); !errors.As(err, &inputErr) || inputErr.Field != "sourceOrgID" {
		t.Errorf("bad source org: %v", err)
	}
	if _, err := c.ConnectOrganizations(ctx, sourceOrg, " "); !errors.As(err, &inputErr) || inputErr.Field != "linkToken" {
		t.Errorf("empty token: %v", err)
	}
	if len(seen) != before {
		t.Error("bad input was sent")
	}
}
