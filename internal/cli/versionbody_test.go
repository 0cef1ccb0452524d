package cli

import (
	"strings"
	"testing"
	"time"
)

// A two-version operation checks a body against the schema of the version it is sent as, and says which version
// a body of the other shape belongs to.
func TestBodyIsCheckedAgainstItsVersion(t *testing.T) {
	op := findCommandOperation(t, "createGroupLiveMigration")
	const common = `"source": {"clusterName": "rs0", "groupId": "5e2211c17a3e5a48f5497de3", "managedAuthentication": true, "ssl": false},
		"destination": {"clusterName": "Dest0", "groupId": "32b6e34b3d91647abb20e7b8", "hostnameSchemaType": "PUBLIC"},
		"migrationHosts": ["mh1.example.net"]`
	body2024 := `{` + common + `, "dropDestinationData": false}`
	body2023 := `{` + common + `, "dropEnabled": false}`
	for _, tc := range []struct {
		name, body, version, want string // want: substring of the error, "" for none
	}{
		{"2024-05-30 body as 2024-05-30", body2024, "2024-05-30", ""},
		{"2023-01-01 body as 2023-01-01", body2023, "2023-01-01", ""},
		{"2024-05-30 body as 2023-01-01", body2024, "2023-01-01", "add --version 2024-05-30"},
		{"2023-01-01 body as 2024-05-30", body2023, "2024-05-30", "Invalid attribute dropEnabled specified. (this is a 2023-01-01 body: add --version 2023-01-01"},
		{"2023-01-01 body without dropEnabled", `{` + common + `}`, "2023-01-01", `"dropEnabled"`},
		{"unknown source attribute", `{` + common[:len(`"source": {`)] + `"clusterNmae": "x", ` + common[len(`"source": {`):] + `}`, "2024-05-30", "source.clusterNmae"},
		{"no migration host", strings.Replace(body2024, `["mh1.example.net"]`, `[]`, 1), "2024-05-30", "migrationHosts"},
		{"malformed", `{`, "2024-05-30", "malformed JSON"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := op.checkBody([]byte(tc.body), tc.version)
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tc.want != "" && err == nil:
				t.Fatalf("accepted, want an error containing %q", tc.want)
			case tc.want != "" && !strings.Contains(err.Error(), tc.want):
				t.Fatalf("error %q lacks %q", err, tc.want)
			}
		})
	}
}

// A version with an announced sunset (x-sunset) is sent with a warning naming the date and the version to move to,
// as the official CLI warns; past the date the message says it is sunset. Versions without one say nothing.
func TestSunsetWarnings(t *testing.T) {
	op := findCommandOperation(t, "createGroupLiveMigration")
	// The date is the document's (2027-07-01 in upstream's newest spec, 2026-11-30 in older ones).
	v := op.meta.Version("2023-01-01")
	if v == nil || v.Sunset == "" {
		t.Skip("the document announces no x-sunset for createGroupLiveMigration 2023-01-01")
	}
	sunset, err := time.Parse(time.DateOnly, v.Sunset)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		version string
		now     time.Time
		want    string
	}{
		{"2023-01-01", sunset.AddDate(0, 0, -1), "warning: version '2023-01-01' is deprecated for this command and will be sunset on " + v.Sunset + ". Move to version '2024-05-30' (--version 2024-05-30).\n"},
		{"2023-01-01", sunset, "error: version '2023-01-01' is deprecated for this command and has already been sunset since " + v.Sunset + ". Move to version '2024-05-30' (--version 2024-05-30).\n"},
	} {
		var stderr strings.Builder
		warnSunset(Environment{Stderr: &stderr}, op, tc.version, tc.now)
		if stderr.String() != tc.want {
			t.Errorf("%s at %s: %q, want %q", tc.version, tc.now.Format(time.DateOnly), stderr.String(), tc.want)
		}
	}
	// A version with no x-sunset says nothing (2024-05-30, with the committed document).
	for _, v := range op.meta.Versions {
		if v.Sunset != "" {
			continue
		}
		var stderr strings.Builder
		warnSunset(Environment{Stderr: &stderr}, op, v.Date, sunset)
		if stderr.String() != "" {
			t.Errorf("%s, no x-sunset: %q", v.Date, stderr.String())
		}
	}
}
