package atlastest_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/atlas-linktoken/atlas-linktoken/pkg/atlastest"
)

// Jobs are bounded per project: another project filling its own store never costs this one a job, a job that has
// not finished is never forgotten, and a project whose jobs are all running is refused with 429 RATE_LIMITED and a
// Retry-After until the first of them finishes. The bound is WithMaxJobs' (the store's own test fills MaxJobs).
func TestOneProjectCannotEvictAnothersJobs(t *testing.T) {
	const maxJobs = 8
	const orgB, groupB = "bbbbbbbbbbbbbbbbbbbbbbb1", "bbbbbbbbbbbbbbbbbbbbbbb2"
	const keyB, secretB = "pubB", "private-key-B"
	srv, clock := startMigrations(t, atlastest.WithAPIKey(keyB, secretB, orgB), atlastest.WithGroup(orgB, groupB, "DestB"),
		atlastest.WithRecording(16, 1<<20), atlastest.WithMaxJobs(maxJobs))
	link(t, srv)
	mine := doJob(t, srv, call{path: groupMigrate, contentType: media2024, body: migrationBody(t, nil)}, 201)
	myValidation := doJob(t, srv, call{path: groupValidate, contentType: media2024, body: migrationBody(t, nil)}, 200)
	clock.Advance(phase)
	getMine := call{method: "GET", path: groupMigrate + "/" + mine.ID}
	if m := doJob(t, srv, getMine, 200); m.Status != "WORKING" {
		t.Fatalf("my migration after a phase: %+v", m)
	}

	// Org B (not linked: its migrations will fail after a phase, but they are NEW until then) fills its project.
	b := newSession(t, srv, keyB, secretB)
	pathB := "/api/atlas/v2/groups/" + groupB + "/liveMigrations"
	bodyB := migrationBody(t, func(m map[string]any) { destination(m)["groupId"] = groupB; destination(m)["clusterName"] = "DestB" })
	var firstB string
	for i := range maxJobs {
		resp, answer := b.do(http.MethodPost, pathB, media2024, bodyB)
		if resp.StatusCode != 201 {
			t.Fatalf("org B's migration %d: %d %s", i, resp.StatusCode, answer)
		}
		if i == 0 {
			firstB = decodeJob(t, resp, answer, 201).ID
		}
		if resp, answer := b.do(http.MethodPost, pathB+"/validate", media2024, bodyB); resp.StatusCode != 200 {
			t.Fatalf("org B's validation %d: %d %s", i, resp.StatusCode, answer)
		}
	}
	for _, path := range []string{pathB, pathB + "/validate"} {
		resp, answer := b.do(http.MethodPost, path, media2024, bodyB)
		if e := decodeError(t, answer); resp.StatusCode != 429 || e.ErrorCode != "RATE_LIMITED" || !strings.Contains(e.Detail, groupB) ||
			!strings.Contains(e.Detail, " has 8 ") ||
			resp.Header.Get("Retry-After") != "1" {
			t.Errorf("POST %s past %d unfinished jobs: %d Retry-After %q %s, want 429 RATE_LIMITED, Retry-After 1 (a phase)",
				path, maxJobs, resp.StatusCode, resp.Header.Get("Retry-After"), answer)
		}
	}
	if m := doJob(t, srv, getMine, 200); m.Status != "WORKING" {
		t.Errorf("my running migration after org B's %d: %+v", maxJobs, m)
	}
	if v := doJob(t, srv, call{method: "GET", path: groupValidate + "/" + myValidation.ID}, 200); v.Status != "SUCCESS" {
		t.Errorf("my validation after org B's %d: %+v", maxJobs, v)
	}
	if resp, answer := b.do(http.MethodGet, pathB+"/"+firstB, "", ""); resp.StatusCode != 200 {
		t.Errorf("org B's first migration, refused ones aside: %d %s", resp.StatusCode, answer)
	}

	// A phase later org B's migrations have FAILED (finished): a new one takes the place of B's oldest, still not mine.
	clock.Advance(phase)
	if resp, answer := b.do(http.MethodPost, pathB, media2024, bodyB); resp.StatusCode != 201 {
		t.Fatalf("org B's migration once its others finished: %d %s", resp.StatusCode, answer)
	}
	if resp, _ := b.do(http.MethodGet, pathB+"/"+firstB, "", ""); resp.StatusCode != 404 {
		t.Errorf("org B's first (finished) migration: %d, want 404: it made room", resp.StatusCode)
	}
	if m := doJob(t, srv, getMine, 200); m.Status != "WORKING" {
		t.Errorf("my migration: %+v", m)
	}
}
