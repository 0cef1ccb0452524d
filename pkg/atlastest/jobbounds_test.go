package atlastest_test

import (
	"bytes"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/icholy/digest"

	"github.com/atlas-linktoken/atlas-linktoken/pkg/atlastest"
)

// session sends many calls as one digest client (one nonce, rising nonce counts): one round trip per call.
type session struct {
	t      *testing.T
	srv    *atlastest.Server
	client *http.Client
}

func newSession(t *testing.T, srv *atlastest.Server, user, password string) *session {
	return &session{t: t, srv: srv, client: &http.Client{Transport: &digest.Transport{Username: user, Password: password}}}
}

func (s *session) do(method, path, contentType, body string) (*http.Response, []byte) {
	s.t.Helper()
	req, err := http.NewRequest(method, s.srv.URL+path, strings.NewReader(body))
	if err != nil {
		s.t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := s.client.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	var buf bytes.Buffer
	_, _ = buf.ReadFrom(resp.Body)
	return resp, buf.Bytes()
}

// heapAlloc is the live heap after a full collection.
func heapAlloc() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// Every field a job keeps is bounded in bytes; a longer value is refused like any body the schema refuses: 400
// VALIDATION_ERROR naming the field. At the bound it is accepted.
func TestOversizeJobFieldsAreRefused(t *testing.T) {
	srv, _ := startMigrations(t)
	link(t, srv)
	for _, tc := range []struct {
		field string
		bound int
		edit  func(m map[string]any, v string)
	}{
		{"migrationHosts[0]", atlastest.MaxHostnameBytes, func(m map[string]any, v string) { m["migrationHosts"] = []any{v} }},
		{"source.clusterName", atlastest.MaxClusterNameBytes, func(m map[string]any, v string) { source(m)["clusterName"] = v }},
		{"destination.clusterName", atlastest.MaxClusterNameBytes, func(m map[string]any, v string) { destination(m)["clusterName"] = v }},
	} {
		for _, path := range []string{groupValidate, groupMigrate} {
			for _, media := range []string{media2024, media2023} {
				body := func(v string) string {
					return migrationBody(t, func(m map[string]any) {
						if media == media2023 {
							delete(m, "dropDestinationData")
							m["dropEnabled"] = false
						}
						tc.edit(m, v)
					})
				}
				// é is two bytes: the bound is in bytes, not characters.
				over := strings.Repeat("é", tc.bound/2) + "aa"
				resp, answer := do(t, srv, call{path: path, accept: media, contentType: media, body: body(over)})
				e := decodeError(t, answer)
				if resp.StatusCode != 400 || e.ErrorCode != "VALIDATION_ERROR" || e.BadRequestDetail == nil ||
					len(e.BadRequestDetail.Fields) != 1 || e.BadRequestDetail.Fields[0].Field != tc.field ||
					!strings.Contains(e.Detail, strconv.Itoa(tc.bound)) {
					t.Errorf("%s of %d bytes to %s as %s: %d %s, want 400 VALIDATION_ERROR naming it and its bound",
						tc.field, len(over), path, media, resp.StatusCode, answer)
				}
				atBound := strings.Repeat("a", tc.bound)
				if resp, answer := do(t, srv, call{path: path, accept: media, contentType: media, body: body(atBound)}); resp.StatusCode >= 400 {
					t.Errorf("%s of exactly %d bytes to %s as %s: %d %s, want it accepted", tc.field, tc.bound, path, media, resp.StatusCode, answer)
				}
			}
		}
	}
}

// 4 migrations and 4 validations naming a 512 KiB migration host are refused, and leave the heap as it was (the
// emulator used to keep each host name, and an error message quoting it, per job: 128 migrations with 1 MiB hosts
// took it from 2 MB to 257 MB; these 8 would keep 4 MiB at least).
func TestHugeMigrationHostsDoNotGrowTheHeap(t *testing.T) {
	srv, _ := startMigrations(t, atlastest.WithRecording(0, 0))
	link(t, srv)
	s := newSession(t, srv, atlastest.DefaultPublicKey, atlastest.DefaultPrivateKey)
	huge := strings.Repeat("h", 512<<10)
	body := migrationBody(t, func(m map[string]any) { m["migrationHosts"] = []any{huge} })
	s.do(http.MethodGet, orgProjects, "", "") // warm: the digest challenge is cached
	before := heapAlloc()
	for i := range 8 {
		path := groupMigrate
		if i%2 == 1 {
			path = groupValidate
		}
		resp, answer := s.do(http.MethodPost, path, media2024, body)
		if resp.StatusCode != 400 || decodeError(t, answer).ErrorCode != "VALIDATION_ERROR" {
			t.Fatalf("request %d with a 512 KiB migration host: %d %.200s, want 400 VALIDATION_ERROR", i, resp.StatusCode, answer)
		}
	}
	after := heapAlloc()
	t.Logf("heap before %.1f MB, after 8 requests with 512 KiB host names %.1f MB", float64(before)/(1<<20), float64(after)/(1<<20))
	if after > before && after-before > 2<<20 {
		t.Errorf("the heap grew by %.1f MB for 8 refused requests: what was refused is still held", float64(after-before)/(1<<20))
	}
}

// The configured destination clusters and source deployments and hosts are within the same bounds: a body could not
// name them otherwise.
func TestConfiguredNamesAreWithinTheBounds(t *testing.T) {
	long := strings.Repeat("x", atlastest.MaxClusterNameBytes+1)
	deployment := atlastest.DemoSourceProjects()
	deployment[0].Deployments[0].Name = &long
	host := atlastest.DemoSourceProjects()
	host[0].MigrationHosts = []string{strings.Repeat("h", atlastest.MaxHostnameBytes+1)}
	for name, opt := range map[string]atlastest.Option{
		"destination cluster": atlastest.WithGroup(atlastest.DefaultOrgID, groupID, long),
		"source deployment":   atlastest.WithSourceProjects(deployment...),
		"migration host":      atlastest.WithSourceProjects(host...),
	} {
		if srv, err := atlastest.NewServer(opt); err == nil {
			srv.Close()
			t.Errorf("%s longer than its bound: accepted", name)
		}
	}
}
