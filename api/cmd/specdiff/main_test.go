package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// committed is the module's trimmed document, the base of these tests' edits.
func committed(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile("../../openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// edit applies edits (each old text must be there) to doc.
func edit(t *testing.T, doc string, edits ...[2]string) string {
	t.Helper()
	for _, e := range edits {
		if !strings.Contains(doc, e[0]) {
			t.Skipf("the committed document has no %q to edit", e[0])
		}
		doc = strings.Replace(doc, e[0], e[1], 1)
	}
	return doc
}

// specdiff runs specdiff from old to new (documents' text) with extra flags, returning its exit code, stdout and stderr.
func specdiff(t *testing.T, old, new string, flags ...string) (int, string, string) {
	t.Helper()
	dir := t.TempDir()
	oldPath, newPath := filepath.Join(dir, "old.yaml"), filepath.Join(dir, "new.yaml")
	if err := os.WriteFile(oldPath, []byte(old), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(newPath, []byte(new), 0o644); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	code, err := run(append([]string{"-old", oldPath, "-new", newPath, "-date", "2030-01-01"}, flags...), &stdout, &stderr)
	if err != nil {
		stderr.WriteString(err.Error())
	}
	return code, stdout.String(), stderr.String()
}

// A change to a shared schema is said once, with the statuses and operations it reaches (oasdiff alone says it
// once per operation, status and media type: 48 lines for ApiError.detail becoming nullable).
func TestEachChangeOnce(t *testing.T) {
	doc := committed(t)
	old := edit(t, doc, [2]string{"                detail:\n                    description: Describes the specific conditions or reasons that cause each type of error.\n                    nullable: true\n",
		"                detail:\n                    description: Describes the specific conditions or reasons that cause each type of error.\n"})
	code, out, _ := specdiff(t, old, doc)
	if code != 1 {
		t.Errorf("exit %d: a breaking change must be refused until accepted", code)
	}
	if n := strings.Count(out, "`detail` became nullable"); n != 1 {
		t.Errorf("said %d times:\n%s", n, out)
	}
	// Every operation answers errors with that schema: one line for all of them (however many api/operations.txt
	// lists), naming the statuses.
	m := regexp.MustCompile("  all (\\d+) operations:\n    - \\[response-property-became-nullable:detail\\] the response property `detail` became nullable \\(status ([0-9, ]+)\\)").FindStringSubmatch(out)
	if ops := strings.Count(doc, "\n            operationId: "); m == nil || m[1] != strconv.Itoa(ops) || !strings.Contains(m[2], "400, 401, 403, 404") {
		t.Errorf("not grouped for all %d operations with its statuses:\n%s", ops, out)
	}
}

// The behavioural changes oasdiff does not see: roles, actions, versions, sunsets, enums, names; grouped by
// operation, after the breaking ones and before documentation.
func TestBehaviouralChanges(t *testing.T) {
	doc := committed(t)
	new := edit(t, doc,
		[2]string{"            x-rolesRequirements:\n                - Organization Member\n", "            x-rolesRequirements:\n                - Organization Owner\n"},
		[2]string{"x-sunset: \"2027-07-01\"", "x-sunset: \"2027-01-01\""},
		[2]string{"                        - COMPLETE\n                        - EXPIRED\n", "                        - EXPIRED\n                        - COMPLETE\n                        - PAUSED\n"},
		[2]string{"                    description: No Content\n", "                    description: Nothing.\n"},
		[2]string{"            x-xgen-method-verb-override:\n                customMethod: true\n            x-xgen-operation-id-override: cutoverMigration\n", "            x-xgen-operation-id-override: cutoverMigration\n"},
	)
	// The tag of the operations renamed, everywhere (the tag list too, as upstream would).
	m := regexp.MustCompile(`\n            tags:\n                - (.+)\n`).FindStringSubmatch(doc)
	if m == nil {
		t.Fatal("no tagged operation in the committed document")
	}
	tag := m[1]
	new = strings.ReplaceAll(new, tag, tag+" Renamed")
	code, out, stderr := specdiff(t, doc, new)
	if code != 1 || !strings.Contains(stderr, "1 breaking change(s) not accepted: action-removed:cutoverMigration.") {
		t.Errorf("exit %d; the lost action must be refused:\n%s", code, stderr)
	}
	for _, want := range []string{
		"  cutoverMigration:\n    - [action-removed:cutoverMigration] no longer an action",
		"  getGroupLiveMigration:\n    - roles: roles required (x-rolesRequirements) [Organization Member] → [Organization Owner]",
		"    - sunsets: version 2023-01-01: x-sunset moved EARLIER, 2027-07-01 → 2027-01-01",
		"    - enums: enum values added to LiveMigrationResponse.status: PAUSED",
		"    - enums: enum LiveMigrationResponse.status listed in another order: [NEW, WORKING, FAILED, COMPLETE, EXPIRED] → [NEW, WORKING, FAILED, EXPIRED, COMPLETE, PAUSED]",
		"Documentation:\n  deleteLinkTokens:\n    - responses.204: description changed: \"No Content\" → \"Nothing.\"",
		"    - names: tag \"" + tag + "\" → \"" + tag + " Renamed\": the CLI's `atlas api` group follows it; the old group stays an alias",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the report lacks %q:\n%s", want, out)
		}
	}
	if b, be, d := strings.Index(out, "Breaking"), strings.Index(out, "Behavioural"), strings.Index(out, "Documentation"); !(b >= 0 && b < be && be < d) {
		t.Errorf("sections out of order:\n%s", out)
	}
}

// A removed enum value breaks: clients, and the Go constant generated for it.
func TestRemovedEnumValueIsBreaking(t *testing.T) {
	doc := committed(t)
	new := edit(t, doc, [2]string{"                        - COMPLETE\n                        - EXPIRED\n", "                        - COMPLETE\n"})
	code, out, _ := specdiff(t, doc, new)
	if code != 1 || !strings.Contains(out, "[enum-value-removed:LiveMigrationResponse.status:EXPIRED] enum value EXPIRED removed from LiveMigrationResponse.status") {
		t.Errorf("exit %d:\n%s", code, out)
	}
	if strings.Contains(out, "removed the `EXPIRED` enum value") {
		t.Errorf("oasdiff's per-status lines too:\n%s", out)
	}
	if code, _, _ := specdiff(t, doc, new, "-allow", "enum-value-removed:LiveMigrationResponse.status:EXPIRED"); code != 0 {
		t.Errorf("accepted by its ID: exit %d", code)
	}
}

// Breaking changes are accepted one by one; ALLOW_BREAKING=1 accepts nothing; an acceptance that matches nothing
// is pointed out.
func TestAcceptance(t *testing.T) {
	doc := committed(t)
	new := edit(t, doc, [2]string{"                        - COMPLETE\n                        - EXPIRED\n", "                        - COMPLETE\n"},
		[2]string{"                        - PUBLIC\n", ""})
	ids := []string{"enum-value-removed:Destination.hostnameSchemaType:PUBLIC", "enum-value-removed:LiveMigrationResponse.status:EXPIRED"}
	if code, _, stderr := specdiff(t, doc, new, "-allow", "1"); code != 1 || !strings.Contains(stderr, "ALLOW_BREAKING=1 no longer accepts every breaking change at once") {
		t.Errorf("ALLOW_BREAKING=1: exit %d\n%s", code, stderr)
	}
	if code, _, stderr := specdiff(t, doc, new, "-allow", ids[0]); code != 1 || !strings.Contains(stderr, "1 breaking change(s) not accepted: "+ids[1]+".") {
		t.Errorf("one of two: exit %d\n%s", code, stderr)
	}
	file := filepath.Join(t.TempDir(), "accepted-breaking.txt")
	_ = os.WriteFile(file, []byte("# why\n"+ids[1]+"  # EXPIRED is gone\nno-such-change\n"), 0o644)
	code, out, stderr := specdiff(t, doc, new, "-allow", ids[0], "-accept", file)
	if code != 0 {
		t.Errorf("both accepted: exit %d\n%s", code, stderr)
	}
	if !strings.Contains(out, ids[0]+"] ") || !strings.Contains(out, "— accepted (ALLOW_BREAKING)") || !strings.Contains(out, "— accepted ("+file+")") {
		t.Errorf("the report does not say how each was accepted:\n%s", out)
	}
	if !strings.Contains(stderr, "accepts no-such-change, which this update does not have") {
		t.Errorf("the stale acceptance is not pointed out:\n%s", stderr)
	}
}

// api/CHANGES.txt: one dated entry per update on top of the committed ones; the same update again keeps its date;
// no update, no entry.
func TestCumulativeReport(t *testing.T) {
	doc := committed(t)
	new := edit(t, doc, [2]string{"                    description: No Content\n", "                    description: Nothing.\n"})
	dir := t.TempDir()
	history, report := filepath.Join(dir, "history.txt"), filepath.Join(dir, "CHANGES.txt")
	_ = os.WriteFile(history, []byte(preamble+"\n== 2029-05-01 · upstream old.yaml · sha256 abc\nolder entry\n"), 0o644)
	flags := []string{"-history", history, "-report", report, "-upstream-name", "v2.yaml", "-upstream-sha", "def"}
	if code, _, stderr := specdiff(t, doc, new, flags...); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	first, _ := os.ReadFile(report)
	if !regexp.MustCompile(`(?s)^api/CHANGES.txt: .*\n\n== 2030-01-01 · upstream v2.yaml · sha256 def\n.*"No Content" → "Nothing\."\n\n== 2029-05-01 · upstream old.yaml · sha256 abc\nolder entry\n$`).Match(first) {
		t.Errorf("not newest first on top of the history:\n%s", first)
	}
	// The same update, another day.
	var stdout, stderr bytes.Buffer
	args := append([]string{"-old", filepath.Join(dir, "old.yaml"), "-new", filepath.Join(dir, "new.yaml"), "-date", "2030-02-02"}, flags...)
	_ = os.WriteFile(args[1], []byte(doc), 0o644)
	_ = os.WriteFile(args[3], []byte(new), 0o644)
	if code, err := run(args, &stdout, &stderr); code != 0 || err != nil {
		t.Fatalf("exit %d: %v %s", code, err, stderr.String())
	}
	if again, _ := os.ReadFile(report); !bytes.Equal(again, first) {
		t.Errorf("re-running the same update changed api/CHANGES.txt:\n%s", again)
	}
	// No change: the committed history, no entry.
	if code, _, _ := specdiff(t, doc, doc, flags...); code != 0 {
		t.Fatal(code)
	}
	if same, _ := os.ReadFile(report); !bytes.Contains(same, []byte("older entry")) || bytes.Contains(same, []byte("== 2030")) {
		t.Errorf("an update that changes nothing added an entry:\n%s", same)
	}
}

// The overlay's positional x-enum-varnames follow their values when upstream reorders an enum or adds a value;
// pins of what the new document lacks are named with where it was used.
func TestGeneratorOverlayPins(t *testing.T) {
	doc := committed(t)
	overlay, err := os.ReadFile("../../gen-overlay.yaml")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "gen-overlay.yaml")
	_ = os.WriteFile(path, overlay, 0o644)
	new := edit(t, doc, [2]string{"                        - PENDING\n                        - SUCCESS\n                        - FAILED\n",
		"                        - FAILED\n                        - PAUSED\n                        - PENDING\n                        - SUCCESS\n"})
	code, out, stderr := specdiff(t, doc, new, "-gen-overlay", path)
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, out, stderr)
	}
	rewritten, _ := os.ReadFile(path)
	if !bytes.Contains(rewritten, []byte("      x-enum-varnames: [ValidationFailed, ValidationPaused, ValidationPending, ValidationSuccess]\n")) ||
		!bytes.Equal(bytes.Replace(rewritten, []byte("[ValidationFailed, ValidationPaused, ValidationPending, ValidationSuccess]"), []byte("[ValidationPending, ValidationSuccess, ValidationFailed]"), 1), overlay) {
		t.Errorf("x-enum-varnames not kept on their values, or more rewritten:\n%s", rewritten)
	}
	if !strings.Contains(out, `new constant ValidationPaused = "PAUSED"`) {
		t.Errorf("the new constant is not reported:\n%s", out)
	}
	// A pinned schema gone.
	_ = os.WriteFile(path, overlay, 0o644)
	gone := strings.ReplaceAll(doc, "ShardKeys", "ShardKeyList")
	code, out, _ = specdiff(t, doc, gone, "-gen-overlay", path)
	if code != 1 || !regexp.MustCompile(`gen-overlay.yaml:\d+ pins \$\.components\.schemas\.ShardKeys, which the new document no longer has \(ShardKeys was the 2023-01-01 request of createGroupLiveMigration and validateLiveMigrations, the 2024-05-30 request of createGroupLiveMigration and validateLiveMigrations\)`).MatchString(out) {
		t.Errorf("exit %d:\n%s", code, out)
	}
	// A pinned schema renamed, in the same requests: the refusal names where to re-aim each action.
	renamed := strings.ReplaceAll(doc, "TargetOrgRequest", "LinkTokenCreateRequest")
	code, out, _ = specdiff(t, doc, renamed, "-gen-overlay", path)
	if code != 1 || !regexp.MustCompile(`pins \$\.components\.schemas\.TargetOrgRequest, which the new document no longer has \(TargetOrgRequest was the 2023-01-01 request of createLinkToken\): re-aim that action at \$\.components\.schemas\.LinkTokenCreateRequest, `).MatchString(out) ||
		!strings.Contains(out, "re-aim that action at $.components.schemas.LinkTokenCreateRequest.properties.accessListIps,") {
		t.Errorf("exit %d:\n%s", code, out)
	}
}

// The versions pkg/atlas/versions.go types must remain.
func TestTypedVersions(t *testing.T) {
	doc := committed(t)
	new := edit(t, doc, [2]string{"                        application/vnd.atlas.2023-01-01+json:\n                            schema:\n                                $ref: '#/components/schemas/LiveMigrationResponse'\n                            x-xgen-version: \"2023-01-01\"\n                    description: OK\n",
		"                        application/vnd.atlas.2024-05-30+json:\n                            schema:\n                                $ref: '#/components/schemas/LiveMigrationResponse'\n                            x-xgen-version: \"2024-05-30\"\n                    description: OK\n"})
	code, out, _ := specdiff(t, doc, new, "-typed-versions", "../../../pkg/atlas/versions.go", "-allow", "version-removed:getGroupLiveMigration:2023-01-01")
	if code != 1 || !regexp.MustCompile(`versions.go:\d+: typedVersions\[opMigration\] lists version 2023-01-01 of getGroupLiveMigration, which the new document no longer has \(it has 2024-05-30\)`).MatchString(out) {
		t.Errorf("exit %d:\n%s", code, out)
	}
	if !strings.Contains(out, "getGroupLiveMigration:\n    - versions: new resource version 2024-05-30") {
		t.Errorf("the added version is not reported:\n%s", out)
	}
	// A typed version with an announced sunset is pointed out, whatever this update changed.
	_, _, stderr := specdiff(t, doc, doc, "-typed-versions", "../../../pkg/atlas/versions.go")
	if sunset := regexp.MustCompile(`x-sunset: "([0-9-]+)"`).FindStringSubmatch(doc); sunset != nil &&
		!regexp.MustCompile(`warning: .*versions.go:\d+: typedVersions\[opCreateMigration\] lists version 2023-01-01 of createGroupLiveMigration, for which Atlas announces an x-sunset of `+sunset[1]+`: the library still offers it`).MatchString(stderr) {
		t.Errorf("no warning of the typed version's sunset:\n%s", stderr)
	}
	// An operation a typed method calls, dropped from the document.
	path := "    /api/atlas/v2/orgs/{orgId}/liveMigrations/linkTokens:\n        delete:\n"
	i := strings.Index(doc, path)
	if i < 0 {
		t.Skip("no deleteLinkTokens to drop")
	}
	j := i + len(path) + strings.Index(doc[i+len(path):], "\n        post:\n") + 1
	dropped := doc[:i] + "    /api/atlas/v2/orgs/{orgId}/liveMigrations/linkTokens:\n" + doc[j:]
	code, out, _ = specdiff(t, doc, dropped, "-typed-versions", "../../../pkg/atlas/versions.go", "-allow", "api-removed-without-deprecation")
	if code != 1 || !regexp.MustCompile(`typedVersions\[opDeleteLinkTokens\] is for deleteLinkTokens, which the new document lacks`).MatchString(out) {
		t.Errorf("exit %d:\n%s", code, out)
	}
}

// An operation whose method, path or path parameter names change is one breaking change of its own, saying what
// moved where (oasdiff sees an endpoint removed and another added).
func TestRouteChanges(t *testing.T) {
	doc := committed(t)
	i := strings.Index(doc, "/liveMigrations/linkTokens:\n")
	if i < 0 {
		t.Skip("the committed document has no linkTokens path")
	}
	for _, tc := range []struct {
		name string
		edit [2]string
		want string
	}{
		{"parameter renamed", [2]string{"/orgs/{orgId}/liveMigrations/linkTokens:", "/orgs/{orgID}/liveMigrations/linkTokens:"},
			"[path-parameter-renamed:createLinkToken] path parameter renamed, {orgId} → {orgID}"},
		{"moved", [2]string{"/orgs/{orgId}/liveMigrations/linkTokens:", "/orgs/{orgId}/liveMigrations/linkToken:"},
			"[route-changed:createLinkToken] moved: POST /api/atlas/v2/orgs/{orgId}/liveMigrations/linkTokens → POST /api/atlas/v2/orgs/{orgId}/liveMigrations/linkToken"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, _ := specdiff(t, doc, edit(t, doc, tc.edit))
			if code != 1 || !strings.Contains(out, tc.want) {
				t.Errorf("exit %d, want 1 and %q:\n%s", code, tc.want, out)
			}
		})
	}
	// With the typed calls' table, the change names the typed calls that must follow it.
	moved := edit(t, doc, [2]string{"/orgs/{orgId}/liveMigrations/linkTokens:", "/orgs/{orgId}/liveMigrations/linkToken:"})
	if _, out, _ := specdiff(t, doc, moved, "-typed-versions", "../../../pkg/atlas/versions.go"); !strings.Contains(out, "(pkg/atlas has typed calls for createLinkToken: check what they send and read") {
		t.Errorf("the typed calls are not named:\n%s", out)
	}
	// The method: cutover's PUT becomes a POST.
	j := strings.Index(doc, "/cutover:\n")
	if j < 0 {
		t.Skip("the committed document has no cutover path")
	}
	k := strings.Index(doc[j:], "        put:\n")
	if k < 0 {
		t.Skip("cutover is not a PUT in the committed document")
	}
	post := doc[:j+k] + "        post:\n" + doc[j+k+len("        put:\n"):]
	if code, out, _ := specdiff(t, doc, post); code != 1 || !strings.Contains(out, "[method-changed:cutoverMigration] HTTP method PUT → POST") {
		t.Errorf("exit %d:\n%s", code, out)
	}
}

// A possibly breaking change (oasdiff's warning) passes only when accepted by its ID, like a breaking one.
func TestPossiblyBreakingNeedsAcceptance(t *testing.T) {
	doc := committed(t)
	const prop = "                accessListIps:\n"
	i := strings.Index(doc, prop)
	if i < 0 {
		t.Skip("the committed document has no accessListIps")
	}
	// accessListIps removed from the request (its lines, indented below it, too).
	end := i + len(prop)
	for end < len(doc) && strings.HasPrefix(doc[end:], "                    ") {
		end += strings.Index(doc[end:], "\n") + 1
	}
	new := doc[:i] + doc[end:]
	code, out, stderr := specdiff(t, doc, new)
	m := regexp.MustCompile(`(?s)Possibly breaking[^\n]*:\n.*?\[([^\]]+)\]`).FindStringSubmatch(out)
	if m == nil || code != 1 || !strings.Contains(stderr, m[1]) {
		t.Fatalf("exit %d, want the possibly breaking change refused by its ID:\n%s%s", code, out, stderr)
	}
	var ids []string
	for _, id := range regexp.MustCompile(`\[([^\]]+)\]`).FindAllStringSubmatch(out, -1) {
		ids = append(ids, id[1])
	}
	if code, out, stderr := specdiff(t, doc, new, "-allow", strings.Join(ids, ",")); code != 0 || !strings.Contains(out, "accepted") {
		t.Errorf("every ID accepted: exit %d\n%s%s", code, out, stderr)
	}
}

// A constant named after its neighbours writes Go initialisms in capitals, as api/gen-overlay.yaml does.
func TestDerivedNamesKeepInitialisms(t *testing.T) {
	byValue := map[string]string{"PUBLIC": "HostnamePublic", "PRIVATE_LINK": "HostnamePrivateLink", "VPC_PEERING": "HostnameVPCPeering"}
	if got := deriveName(byValue, "VPC_PEERING_CONNECTION"); got != "HostnameVPCPeeringConnection" {
		t.Errorf("got %q, want HostnameVPCPeeringConnection", got)
	}
	if got := deriveName(byValue, "AWS_PRIVATE_IP"); got != "HostnameAWSPrivateIP" {
		t.Errorf("got %q, want HostnameAWSPrivateIP", got)
	}
}
