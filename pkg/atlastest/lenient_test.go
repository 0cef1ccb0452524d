package atlastest_test

import (
	"net/http"
	"strings"
	"testing"
)

// What the official CLI and Atlas' samples send is accepted, with X-Emulator-Warning saying what was assumed.
func TestRealClientsAreAccepted(t *testing.T) {
	srv, clock := startMigrations(t)
	link(t, srv)
	// The official CLI's validate body: hostnameSchemaType "" and empty credentials under managed authentication.
	official := migrationBody(t, func(m map[string]any) {
		destination(m)["hostnameSchemaType"] = ""
		source(m)["username"], source(m)["password"] = "", ""
	})
	resp, body := do(t, srv, call{path: groupValidate, accept: media2024, contentType: media2024, body: official})
	v := decodeJob(t, resp, body, 200)
	warning := resp.Header.Get("X-Emulator-Warning")
	for _, want := range []string{`hostnameSchemaType "" taken as PUBLIC`, `source.username "" taken as absent`, `source.password "" taken as absent`} {
		if !strings.Contains(warning, want) {
			t.Errorf("X-Emulator-Warning %q lacks %q", warning, want)
		}
	}
	clock.Advance(phase)
	if v = doJob(t, srv, call{method: http.MethodGet, path: groupValidate + "/" + v.ID}, 200); v.Status != "SUCCESS" {
		t.Errorf("the official CLI's body: %+v", v)
	}
	// Credentials without managed authentication are still required.
	resp, body = do(t, srv, call{path: groupValidate, contentType: media2024, body: migrationBody(t, func(m map[string]any) {
		source(m)["managedAuthentication"], source(m)["username"], source(m)["password"] = false, "", ""
	})})
	v = decodeJob(t, resp, body, 200)
	clock.Advance(phase)
	if v = doJob(t, srv, call{method: http.MethodGet, path: groupValidate + "/" + v.ID}, 200); v.Status != "FAILED" {
		t.Errorf("empty credentials without managed authentication: %+v", v)
	}

	for _, tc := range []struct {
		name, path, accept, contentType, body string
		status                                int
		answerType, warning                   string
	}{
		{"Atlas' sample: a date and application/json", groupValidate, "application/vnd.atlas.2025-03-12+json", "application/json", migrationBody(t, nil),
			200, media2024, "Accept application/vnd.atlas.2025-03-12+json resolved to version 2024-05-30"},
		{"a date on a one-version operation", orgLinks, "application/vnd.atlas.2025-03-12+json", "application/json", `{"accessListIps":[]}`,
			201, media2023, "resolved to version 2023-01-01"},
		{"a date between the versions", groupValidate, "application/vnd.atlas.2024-01-01+json", "application/json",
			migrationBody(t, func(m map[string]any) { delete(m, "dropDestinationData"); m["dropEnabled"] = false }), 200, media2023, "taken as " + media2023},
		{"application/json without Accept is the newest", groupValidate, "", "application/json",
			migrationBody(t, func(m map[string]any) { delete(m, "dropDestinationData"); m["dropEnabled"] = false }), 400, "application/json", "taken as " + media2024},
		{"a dated Content-Type", groupValidate, media2024, "application/vnd.atlas.2025-03-12+json", migrationBody(t, nil),
			200, media2024, "Content-Type application/vnd.atlas.2025-03-12+json resolved to version 2024-05-30"},
		{"an exact version: no warning", groupValidate, media2024, media2024, migrationBody(t, nil), 200, media2024, ""},
	} {
		resp, body := do(t, srv, call{path: tc.path, accept: tc.accept, contentType: tc.contentType, body: tc.body})
		gotType := strings.TrimSuffix(resp.Header.Get("Content-Type"), ";charset=utf-8")
		warning := resp.Header.Get("X-Emulator-Warning")
		if resp.StatusCode != tc.status || gotType != tc.answerType || (tc.warning == "") != (warning == "") || !strings.Contains(warning, tc.warning) {
			t.Errorf("%s: %d %s, warning %q; want %d %s, warning with %q", tc.name, resp.StatusCode, gotType, warning, tc.status, tc.answerType, tc.warning)
		}
		if strings.Contains(warning, "\n") {
			t.Errorf("%s: the warning is not one line", tc.name)
		}
		if tc.status == 400 && decodeError(t, body).ErrorCode != "INVALID_ATTRIBUTE" {
			t.Errorf("%s: %s", tc.name, body)
		}
	}
}
