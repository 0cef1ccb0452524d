package atlastest_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/atlas-linktoken/atlas-linktoken/api"
	"github.com/atlas-linktoken/atlas-linktoken/gen"
	"github.com/atlas-linktoken/atlas-linktoken/pkg/atlastest"
)

func newTestClock() *atlastest.ManualClock {
	return atlastest.NewManualClock(time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC))
}

const (
	groupID   = "6a0b1c2d3e4f5a6b7c8d9e0f"
	media2023 = "application/vnd.atlas.2023-01-01+json"
	media2024 = "application/vnd.atlas.2024-05-30+json"
	phase     = time.Second
)

var (
	orgLinks      = "/api/atlas/v2/orgs/" + atlastest.DefaultOrgID + "/liveMigrations/linkTokens"
	orgProjects   = "/api/atlas/v2/orgs/" + atlastest.DefaultOrgID + "/liveMigrations/availableProjects"
	groupMigrate  = "/api/atlas/v2/groups/" + groupID + "/liveMigrations"
	groupValidate = groupMigrate + "/validate"
)

// migrationBody is a 2024-05-30 body for the demo source into Dest0 of groupID; edit changes it first.
func migrationBody(t *testing.T, edit func(m map[string]any)) string {
	t.Helper()
	m := map[string]any{
		"source": map[string]any{"groupId": atlastest.DemoSourceProjectID, "clusterName": atlastest.DemoSourceClusterName,
			"managedAuthentication": true, "ssl": false},
		"destination":         map[string]any{"groupId": groupID, "clusterName": "Dest0", "hostnameSchemaType": "PUBLIC"},
		"migrationHosts":      []any{atlastest.DemoSourceMigrationHost},
		"dropDestinationData": false,
	}
	if edit != nil {
		edit(m)
	}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func source(m map[string]any) map[string]any      { return m["source"].(map[string]any) }
func destination(m map[string]any) map[string]any { return m["destination"].(map[string]any) }

type job struct {
	ID              string `json:"_id"`
	Status          string `json:"status"`
	ErrorMessage    string `json:"errorMessage"`
	LagTimeSeconds  *int64 `json:"lagTimeSeconds"`
	ReadyForCutover bool   `json:"readyForCutover"`
}

func decodeJob(t *testing.T, resp *http.Response, body []byte, want int) job {
	t.Helper()
	if resp.StatusCode != want {
		t.Fatalf("status %d, want %d: %s", resp.StatusCode, want, body)
	}
	var j job
	if err := json.Unmarshal(body, &j); err != nil {
		t.Fatalf("%v: %s", err, body)
	}
	return j
}

func startMigrations(t *testing.T, opts ...atlastest.Option) (*atlastest.Server, *atlastest.ManualClock) {
	t.Helper()
	clock := newTestClock()
	srv := start(t, append([]atlastest.Option{
		atlastest.WithAPIKey(atlastest.DefaultPublicKey, atlastest.DefaultPrivateKey, atlastest.DefaultOrgID),
		atlastest.WithGroup(atlastest.DefaultOrgID, groupID, "Dest0"),
		atlastest.WithClock(clock.Now),
	}, opts...)...)
	return srv, clock
}

// link links both sides: a link-token from the Atlas org, with which the demo source org connects.
func link(t *testing.T, srv *atlastest.Server) {
	t.Helper()
	resp, body := do(t, srv, call{path: orgLinks, contentType: media2023, body: `{"accessListIps":[]}`})
	var token struct{ LinkToken string }
	if resp.StatusCode != 201 || json.Unmarshal(body, &token) != nil {
		t.Fatalf("createLinkToken: %d", resp.StatusCode)
	}
	connect(t, srv, atlastest.DefaultSourceOrgID, token.LinkToken, 201)
}

// The whole push live migration on the test's clock: link, list, validate, migrate, cut over; in both versions.
func TestMigrationRunsOnTheTestClock(t *testing.T) {
	for _, tc := range []struct{ version, body string }{
		{media2024, ""},
		{media2023, "2023"},
	} {
		t.Run(tc.version, func(t *testing.T) {
			srv, clock := startMigrations(t)
			link(t, srv)
			resp, body := do(t, srv, call{method: "GET", path: orgProjects})
			var projects []struct {
				ProjectID      string   `json:"projectId"`
				MigrationHosts []string `json:"migrationHosts"`
				Deployments    []struct{ Name string }
			}
			if resp.StatusCode != 200 || json.Unmarshal(body, &projects) != nil || len(projects) != 1 ||
				projects[0].ProjectID != atlastest.DemoSourceProjectID || projects[0].Deployments[0].Name != atlastest.DemoSourceClusterName {
				t.Fatalf("listAvailableProjects: %d %s", resp.StatusCode, body)
			}
			reqBody := migrationBody(t, nil)
			if tc.body == "2023" {
				reqBody = migrationBody(t, func(m map[string]any) { delete(m, "dropDestinationData"); m["dropEnabled"] = true })
			}
			resp, body = do(t, srv, call{path: groupValidate, accept: tc.version, contentType: tc.version, body: reqBody})
			v := decodeJob(t, resp, body, 200)
			if v.Status != "PENDING" || len(v.ID) != 24 {
				t.Fatalf("validation: %s", body)
			}
			clock.Advance(phase)
			if v = doJob(t, srv, call{method: "GET", path: groupValidate + "/" + v.ID}, 200); v.Status != "SUCCESS" {
				t.Fatalf("validation after a phase: %+v", v)
			}

			resp, body = do(t, srv, call{path: groupMigrate, accept: tc.version, contentType: tc.version, body: reqBody})
			m := decodeJob(t, resp, body, 201)
			if m.Status != "NEW" || m.ReadyForCutover || m.LagTimeSeconds != nil {
				t.Fatalf("new migration: %s", body)
			}
			get := call{method: "GET", path: groupMigrate + "/" + m.ID}
			cutover := call{method: "PUT", path: groupMigrate + "/" + m.ID + "/cutover"}
			var lags []int64
			for i := 0; i < atlastest.SyncPhases; i++ {
				clock.Advance(phase)
				m = doJob(t, srv, get, 200)
				if m.Status != "WORKING" || m.ReadyForCutover || m.LagTimeSeconds == nil {
					t.Fatalf("phase %d: %+v", i+1, m)
				}
				lags = append(lags, *m.LagTimeSeconds)
			}
			if lags[0] != atlastest.InitialLagSeconds || !(lags[0] > lags[1] && lags[1] > lags[2]) {
				t.Errorf("lag does not fall: %v", lags)
			}
			resp, body = do(t, srv, cutover)
			if e := decodeError(t, body); resp.StatusCode != 400 || e.ErrorCode != "LIVE_MIGRATION_NOT_READY_FOR_CUTOVER" {
				t.Fatalf("early cutover: %d %s", resp.StatusCode, body)
			}
			clock.Advance(phase)
			if m = doJob(t, srv, get, 200); !m.ReadyForCutover || m.Status != "WORKING" {
				t.Fatalf("not ready after %d phases: %+v", 1+atlastest.SyncPhases, m)
			}
			if resp, body = do(t, srv, cutover); resp.StatusCode != 202 || len(body) != 0 {
				t.Fatalf("cutover: %d %s", resp.StatusCode, body)
			}
			if m = doJob(t, srv, get, 200); m.Status != "WORKING" || m.ReadyForCutover || m.LagTimeSeconds != nil {
				t.Fatalf("cutting over: %+v", m)
			}
			if resp, _ = do(t, srv, cutover); resp.StatusCode != 400 {
				t.Errorf("second cutover: %d", resp.StatusCode)
			}
			clock.Advance(phase)
			if m = doJob(t, srv, get, 200); m.Status != "COMPLETE" {
				t.Fatalf("after the cutover: %+v", m)
			}
		})
	}
}

// doJob sends c and decodes the job it answers with status want.
func doJob(t *testing.T, srv *atlastest.Server, c call, want int) job {
	t.Helper()
	resp, body := do(t, srv, c)
	return decodeJob(t, resp, body, want)
}

func decodeError(t *testing.T, body []byte) apiError {
	t.Helper()
	var e apiError
	_ = json.Unmarshal(body, &e)
	return e
}

// A body of one version sent as the other is refused, and nothing is created.
func TestMigrationBodyOfTheWrongVersionIsRefused(t *testing.T) {
	srv, _ := startMigrations(t)
	link(t, srv)
	body2023 := migrationBody(t, func(m map[string]any) { delete(m, "dropDestinationData"); m["dropEnabled"] = false })
	for _, tc := range []struct{ name, media, body, field string }{
		{"2024-05-30 body as 2023-01-01", media2023, migrationBody(t, nil), "dropEnabled"},
		{"2024-05-30 body with dropEnabled as 2023-01-01", media2023, migrationBody(t, func(m map[string]any) { m["dropEnabled"] = true }), "dropDestinationData"},
		{"2023-01-01 body as 2024-05-30", media2024, body2023, "dropEnabled"},
	} {
		for _, path := range []string{groupMigrate, groupValidate} {
			resp, body := do(t, srv, call{path: path, accept: tc.media, contentType: tc.media, body: tc.body})
			if e := decodeError(t, body); resp.StatusCode != 400 || !strings.Contains(e.Detail, tc.field) {
				t.Errorf("%s to %s: %d %s", tc.name, path, resp.StatusCode, body)
			}
		}
	}
}

// What Atlas would refuse makes the validation FAILED with an errorMessage, and a migration started anyway FAILED.
func TestRefusedMigrationsFail(t *testing.T) {
	for _, tc := range []struct {
		name   string
		edit   func(m map[string]any)
		unlink bool
		want   string
	}{
		{"org not linked", nil, true, "is not available for migration"},
		{"unknown source project", func(m map[string]any) { source(m)["groupId"] = "aaaaaaaaaaaaaaaaaaaaaaaa" }, false, "Source project aaaaaaaaaaaaaaaaaaaaaaaa"},
		{"unknown deployment", func(m map[string]any) { source(m)["clusterName"] = "rs9" }, false, "Source cluster rs9 is not a deployment"},
		{"unknown migration host", func(m map[string]any) { m["migrationHosts"] = []any{"mh9.example.net"} }, false, `Migration host "mh9.example.net"`},
		{"missing destination cluster", func(m map[string]any) { destination(m)["clusterName"] = "Nope" }, false, "Destination cluster Nope does not exist"},
		{"another destination project", func(m map[string]any) { destination(m)["groupId"] = "bbbbbbbbbbbbbbbbbbbbbbbb" }, false, "is not the project of this request"},
		{"credentials with managed authentication", func(m map[string]any) { source(m)["username"] = "u"; source(m)["password"] = "p" }, false, "must not be given when managedAuthentication is true"},
		{"no credentials without managed authentication", func(m map[string]any) { source(m)["managedAuthentication"] = false }, false, "required when managedAuthentication is false"},
		{"private link without its ID", func(m map[string]any) { destination(m)["hostnameSchemaType"] = "PRIVATE_LINK" }, false, "needs a privateLinkId"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, clock := startMigrations(t)
			if !tc.unlink {
				link(t, srv)
			}
			body := migrationBody(t, tc.edit)
			v := doJob(t, srv, call{path: groupValidate, contentType: media2024, body: body}, 200)
			m := doJob(t, srv, call{path: groupMigrate, contentType: media2024, body: body}, 201)
			clock.Advance(phase)
			v = doJob(t, srv, call{method: "GET", path: groupValidate + "/" + v.ID}, 200)
			if v.Status != "FAILED" || !strings.Contains(v.ErrorMessage, tc.want) {
				t.Errorf("validation: %+v, want FAILED with %q", v, tc.want)
			}
			m = doJob(t, srv, call{method: "GET", path: groupMigrate + "/" + m.ID}, 200)
			if m.Status != "FAILED" || m.ReadyForCutover {
				t.Errorf("migration: %+v, want FAILED", m)
			}
		})
	}
}

// A source TLS deployment needs ssl; the source projects are configurable.
func TestSourceProjectsAreConfigurable(t *testing.T) {
	projects := atlastest.DemoSourceProjects()
	projects[0].Deployments[0].TLSEnabled = ptrTo(true)
	srv, clock := startMigrations(t, atlastest.WithSourceProjects(projects...))
	link(t, srv)
	v := doJob(t, srv, call{path: groupValidate, contentType: media2024, body: migrationBody(t, nil)}, 200)
	ok := doJob(t, srv, call{path: groupValidate, contentType: media2024,
		body: migrationBody(t, func(m map[string]any) { source(m)["ssl"] = true })}, 200)
	clock.Advance(phase)
	if v = doJob(t, srv, call{method: "GET", path: groupValidate + "/" + v.ID}, 200); v.Status != "FAILED" || !strings.Contains(v.ErrorMessage, "requires TLS") {
		t.Errorf("no ssl to a TLS source: %+v", v)
	}
	if ok = doJob(t, srv, call{method: "GET", path: groupValidate + "/" + ok.ID}, 200); ok.Status != "SUCCESS" {
		t.Errorf("ssl to a TLS source: %+v", ok)
	}
	if _, err := atlastest.NewServer(atlastest.WithSourceProjects(gen.LiveImportAvailableProject{ProjectID: ptrTo("x"), Name: ptrTo("x")})); err == nil {
		t.Error("a source project with a malformed projectId was accepted")
	}
}

func ptrTo[T any](v T) *T { return &v }

// Deleting the link removes the source projects (once no migration is active); an expired migration cannot be cut
// over.
func TestUnlinkAndExpiry(t *testing.T) {
	srv, clock := startMigrations(t)
	link(t, srv)
	m := doJob(t, srv, call{path: groupMigrate, contentType: media2024, body: migrationBody(t, nil)}, 201)
	if resp, body := do(t, srv, call{method: "DELETE", path: orgLinks}); resp.StatusCode != 409 {
		t.Fatalf("deleteLinkTokens during a migration: %d %s", resp.StatusCode, body)
	}
	clock.Advance((1+atlastest.SyncPhases)*phase + atlastest.CutoverWindow)
	if m = doJob(t, srv, call{method: "GET", path: groupMigrate + "/" + m.ID}, 200); m.Status != "EXPIRED" || m.ReadyForCutover {
		t.Errorf("after the cutover window: %+v", m)
	}
	if resp, _ := do(t, srv, call{method: "PUT", path: groupMigrate + "/" + m.ID + "/cutover"}); resp.StatusCode != 400 {
		t.Errorf("cutover of an expired migration: %d", resp.StatusCode)
	}
	if resp, body := do(t, srv, call{method: "DELETE", path: orgLinks}); resp.StatusCode != 204 {
		t.Fatalf("deleteLinkTokens: %d %s", resp.StatusCode, body)
	}
	if _, body := do(t, srv, call{method: "GET", path: orgProjects}); string(body) != "[]" {
		t.Errorf("available projects after unlinking: %s", body)
	}
}

// memberMay says whether the document lets an Organization Member call operationID (its x-rolesRequirements name
// that role), so that tests of roles hold for whichever upstream the document was cut from.
func memberMay(t *testing.T, operationID string) bool {
	t.Helper()
	doc, err := specDoc()
	if err != nil {
		t.Fatal(err)
	}
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			if op.OperationID == operationID {
				roles, _ := op.Extensions["x-rolesRequirements"].([]any)
				return slices.Contains(roles, any("Organization Member"))
			}
		}
	}
	t.Fatalf("no operation %s in api/openapi.yaml", operationID)
	return false
}

var specDoc = sync.OnceValues(api.Load)

// Roles as the spec's x-rolesRequirements say (with the committed document, a member may read a migration and do
// nothing else here); unknown projects and jobs are 404 with Atlas' error shape.
func TestMigrationAccessAndUnknownIDs(t *testing.T) {
	const memberKey, memberSecret = "memberpub", "member-private-key"
	srv, _ := startMigrations(t, atlastest.WithAPIKey(memberKey, memberSecret), atlastest.WithOrgMember(memberKey, atlastest.DefaultOrgID))
	link(t, srv)
	m := doJob(t, srv, call{path: groupMigrate, contentType: media2024, body: migrationBody(t, nil)}, 201)
	for _, tc := range []struct {
		operationID string
		c           call
	}{
		{"getGroupLiveMigration", call{method: "GET", path: groupMigrate + "/" + m.ID}},
		{"createGroupLiveMigration", call{path: groupMigrate, contentType: media2024, body: migrationBody(t, nil)}},
		{"listAvailableProjects", call{method: "GET", path: orgProjects}},
		{"cutoverMigration", call{method: "PUT", path: groupMigrate + "/" + m.ID + "/cutover"}},
	} {
		tc.c.user, tc.c.password = memberKey, memberSecret
		resp, body := do(t, srv, tc.c)
		if memberMay(t, tc.operationID) {
			if resp.StatusCode == 403 || resp.StatusCode == 401 || (tc.c.method == "GET" && resp.StatusCode != 200) {
				t.Errorf("member %s (allowed to members): %d %s", tc.operationID, resp.StatusCode, body)
			}
		} else if resp.StatusCode != 403 || decodeError(t, body).ErrorCode != "USER_UNAUTHORIZED" {
			t.Errorf("member %s (owners only): %d %s, want 403 USER_UNAUTHORIZED", tc.operationID, resp.StatusCode, body)
		}
	}
	other := "/api/atlas/v2/groups/cccccccccccccccccccccccc/liveMigrations/" + m.ID
	for _, tc := range []struct {
		c    call
		code string
	}{
		{call{method: "GET", path: other}, "GROUP_NOT_FOUND"},
		{call{method: "GET", path: groupMigrate + "/dddddddddddddddddddddddd"}, "LIVE_MIGRATION_NOT_FOUND"},
		{call{method: "PUT", path: groupMigrate + "/dddddddddddddddddddddddd/cutover"}, "LIVE_MIGRATION_NOT_FOUND"},
		{call{method: "GET", path: groupValidate + "/dddddddddddddddddddddddd"}, "VALIDATION_NOT_FOUND"},
	} {
		resp, body := do(t, srv, tc.c)
		if e := decodeError(t, body); resp.StatusCode != 404 || e.ErrorCode != tc.code || !strings.Contains(e.Detail, "ID") {
			t.Errorf("%s %s: %d %s, want 404 %s", tc.c.method, tc.c.path, resp.StatusCode, body, tc.code)
		}
	}
}

// The emulator keeps at most MaxJobs (here WithMaxJobs') validations per project: the oldest finished one is
// forgotten (one still PENDING never is: see TestOneProjectCannotEvictAnothersJobs).
func TestJobsAreBounded(t *testing.T) {
	const maxJobs = 8
	srv, clock := startMigrations(t, atlastest.WithMaxJobs(maxJobs))
	link(t, srv)
	body := migrationBody(t, nil)
	first := doJob(t, srv, call{path: groupValidate, contentType: media2024, body: body}, 200)
	clock.Advance(phase) // the first has finished (SUCCESS)
	last := first
	for i := 0; i < maxJobs; i++ {
		last = doJob(t, srv, call{path: groupValidate, contentType: media2024, body: body}, 200)
	}
	if resp, _ := do(t, srv, call{method: "GET", path: groupValidate + "/" + first.ID}); resp.StatusCode != 404 {
		t.Errorf("the oldest of %d validations: %d, want 404", maxJobs+1, resp.StatusCode)
	}
	if resp, _ := do(t, srv, call{method: "GET", path: groupValidate + "/" + last.ID}); resp.StatusCode != 200 {
		t.Errorf("the newest validation: %d", resp.StatusCode)
	}
	// Reset keeps the bound: maxJobs validations still running, and the next is refused.
	srv.Reset()
	link(t, srv)
	for range maxJobs {
		doJob(t, srv, call{path: groupValidate, contentType: media2024, body: body}, 200)
	}
	resp, answer := do(t, srv, call{path: groupValidate, contentType: media2024, body: body})
	if e := decodeError(t, answer); resp.StatusCode != 429 || e.ErrorCode != "RATE_LIMITED" || !strings.Contains(e.Detail, " has 8 ") {
		t.Errorf("validation %d after Reset, none finished: %d %s, want 429 RATE_LIMITED naming 8", maxJobs+1, resp.StatusCode, answer)
	}
}
