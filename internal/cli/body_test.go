package cli

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/atlas-linktoken/atlas-linktoken/gen"
	"github.com/atlas-linktoken/atlas-linktoken/pkg/atlas"
)

// A createLinkToken body a user wrote is checked strictly against its schema, with line and column (the check
// moved from a hand-written ParseTargetOrgRequest to the generated schema: accepted bodies are sent byte for byte,
// so the test asserts acceptance and the entries' count as JSON).
func TestCheckCreateLinkTokenBody(t *testing.T) {
	op := findCommandOperation(t, "createLinkToken")
	for _, tc := range []struct {
		name, body string
		ok         bool
		want       string // substring of the error
		ips        int
	}{
		{"object", `{"accessListIps":["1.2.3.4","10.0.0.0/8"]}`, true, "", 2},
		{"empty object", `{}`, true, "", -1},
		{"empty list", `{"accessListIps":[]}`, true, "", 0},
		{"empty", "  \n", false, "is empty", 0},
		{"array", `["1.2.3.4"]`, false, "want a JSON object", 0},
		{"null", `null`, false, "want a JSON object", 0},
		{"syntax", "{\n  \"accessListIps\": [\"1.2.3.4\",]\n}", false, "line 2, column 32: malformed JSON", 0},
		{"truncated", "{\"accessListIps\": [", false, "unexpected end of input", 0},
		{"wrong type", "{\n\"accessListIps\": \"1.2.3.4\"}", false, "line 2, column 27: accessListIps must be an array, got a JSON string", 0},
		{"wrong entry type", `{"accessListIps": [1]}`, false, "accessListIps[0] must be a string, got a JSON number", 0},
		{"unknown field", `{"accessListIPs": []}`, false, `unknown field "accessListIPs"`, 0},
		{"trailing data", `{} {}`, false, "unexpected data after the JSON document", 0},
		{"bad IP", `{"accessListIps": ["1.2.3.4", "nope"]}`, false, `invalid accessListIps[1] "nope"`, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := op.checkBody([]byte(tc.body), "2023-01-01")
			if tc.ok {
				if err != nil {
					t.Fatal(err)
				}
				var req atlas.TargetOrgRequest
				if err := json.Unmarshal([]byte(tc.body), &req); err != nil {
					t.Fatal(err)
				}
				if n := -1; req.AccessListIPs != nil {
					n = len(req.AccessListIPs)
					if n != tc.ips {
						t.Errorf("%d entries, want %d", n, tc.ips)
					}
				} else if tc.ips != -1 {
					t.Errorf("list missing")
				}
				return
			}
			var bodyErr *bodyError
			if !errors.As(err, &bodyErr) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("want a body error containing %q, got %v", tc.want, err)
			}
		})
	}
}

// A tag upstream renamed keeps its old group as an alias (gen.Operation.PreviousTags): a script calling the old
// `atlas api <group> <operation>` still finds the command, and an old name another group still has is left alone.
func TestRenamedTagKeepsItsGroupAsAnAlias(t *testing.T) {
	ops := slices.Clone(gen.Operations)
	renamed := 0
	for i := range ops {
		if ops[i].API == "atlas" && ops[i].Tag == "Cloud Migration Service" {
			ops[i].Tag, ops[i].PreviousTags = "Live Migration Service", []string{"Cloud Migration Service", "Migrations"}
			renamed++
		}
	}
	if renamed == 0 {
		t.Skip("no operation tagged Cloud Migration Service in this document")
	}
	ops = append(ops, gen.Operation{API: "atlas", ID: "listMigrationThings", Tag: "Migrations", Method: "GET", Path: "/api/atlas/v2/things"})
	apiCmd := &cobra.Command{Use: "api"}
	addAPICommands(apiCmd, Environment{Getenv: envOf(nil)}, &runState{}, ops)
	for _, args := range [][]string{{"liveMigrationService", "createLinkToken"}, {"cloudMigrationService", "createLinkToken"}} {
		if cmd, _, err := apiCmd.Find(args); err != nil || cmd.Name() != "createLinkToken" || cmd.Parent().Name() != "liveMigrationService" {
			t.Errorf("atlas api %s: %v, %v", strings.Join(args, " "), cmd, err)
		}
	}
	if cmd, _, err := apiCmd.Find([]string{"migrations", "listMigrationThings"}); err != nil || cmd.Parent().Name() != "migrations" {
		t.Errorf("the group that still has the old name: %v, %v", cmd, err)
	}
}
