package atlas_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/atlas-linktoken/atlas-linktoken/gen"
	"github.com/atlas-linktoken/atlas-linktoken/pkg/atlas"
	"github.com/atlas-linktoken/atlas-linktoken/pkg/atlastest"
)

// The operation travels with the request (in its context), so the retry rule of an action holds behind a proxy
// that serves Atlas below a path prefix: a 503 without Retry-After never re-sends a cutover, whether it came from
// the typed method, the generated client or BareDo, while a GET is retried as idempotent.
func TestActionsAreNotResentBehindAPathPrefix(t *testing.T) {
	var mu sync.Mutex
	counts := map[string]int{}
	mux := http.NewServeMux()
	mux.HandleFunc("/atlas"+atlas.TokenPath, func(w http.ResponseWriter, r *http.Request) { // the service account's token
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"access_token":"tok","token_type":"Bearer","expires_in":3600}`))
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		counts[r.Method+" "+r.URL.Path]++
		mu.Unlock()
		if !strings.HasPrefix(r.URL.Path, "/atlas/api/atlas/v2/") {
			w.WriteHeader(http.StatusNotFound)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte(`{"error":503,"errorCode":"SERVICE_UNAVAILABLE"}`))
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	c, err := atlas.NewClient(atlas.WithBaseURL(srv.URL+"/atlas/"), atlas.WithServiceAccount("id", "secret"),
		atlas.WithRetry(atlas.RetryPolicy{MaxAttempts: 3, BaseDelay: time.Millisecond, MaxDelay: time.Millisecond}))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	group, id := atlastest.DefaultGroupID, "dddddddddddddddddddddddd"
	cutover := "PUT /atlas/api/atlas/v2/groups/" + group + "/liveMigrations/" + id + "/cutover"
	get := "GET /atlas/api/atlas/v2/groups/" + group + "/liveMigrations/" + id
	calls := []struct {
		name, key string
		want      int
		call      func() error
	}{
		{"typed cutover", cutover, 1, func() error { return c.Cutover(ctx, group, id) }},
		{"generated cutover", cutover, 1, func() error {
			resp, err := c.Generated().CutoverMigration(ctx, group, id, nil)
			if err == nil {
				resp.Body.Close()
			}
			return err
		}},
		{"BareDo cutover", cutover, 1, func() error {
			req, _ := http.NewRequest(http.MethodPut, c.BaseURL()+"/api/atlas/v2/groups/"+group+"/liveMigrations/"+id+"/cutover", nil)
			_, err := c.BareDo(ctx, req)
			return err
		}},
		{"typed GET", get, 3, func() error { _, err := c.Migration(ctx, group, id); return err }},
	}
	for _, tc := range calls {
		mu.Lock()
		before := counts[tc.key]
		mu.Unlock()
		_ = tc.call()
		mu.Lock()
		got := counts[tc.key] - before
		mu.Unlock()
		if got != tc.want {
			t.Errorf("%s after 503s: %d requests, want %d", tc.name, got, tc.want)
		}
	}
}

// Typed methods send the version their Go types were generated for, whatever newer versions the document declares;
// WithVersion chooses among those, and names them when it cannot.
func TestTypedCallsStayOnTheirTypesVersion(t *testing.T) {
	srv := newEmulator(t)
	c := newClient(t, srv.URL)
	ctx := context.Background()
	if _, err := c.CreateLinkToken(ctx, atlastest.DefaultOrgID, accessList()); err != nil {
		t.Fatal(err)
	}
	last := srv.Requests()[len(srv.Requests())-1]
	if got := last.Header.Get("Content-Type"); got != "application/vnd.atlas.2023-01-01+json" {
		t.Errorf("createLinkToken sent %s", got)
	}
	if _, err := c.ListAvailableProjects(ctx, atlastest.DefaultOrgID, atlas.WithVersion("2024-05-30")); err == nil ||
		!strings.Contains(err.Error(), "listAvailableProjects has versions 2023-01-01") {
		t.Errorf("a version the operation lacks: %v", err)
	}
	// The document's x-sunset (2027-07-01 in upstream's newest spec, 2026-11-30 in older ones).
	if got, want := atlas.VersionSunset("createGroupLiveMigration", "2023-01-01"), gen.OperationByID("createGroupLiveMigration").Version("2023-01-01").Sunset; got != want {
		t.Errorf("VersionSunset = %q, want the document's x-sunset %q", got, want)
	}
	if got, want := atlas.VersionSunset("createGroupLiveMigration", "2024-05-30"), gen.OperationByID("createGroupLiveMigration").Version("2024-05-30").Sunset; got != want {
		t.Errorf("2024-05-30: VersionSunset = %q, want the document's %q (none with the committed one)", got, want)
	}
}
