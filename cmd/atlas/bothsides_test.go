package main_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/icholy/digest"

	"github.com/atlas-linktoken/atlas-linktoken/pkg/atlastest"
)

// The definition of done, with the CLI binary and one atlas-emulator process playing Atlas and Cloud
// Manager: link both sides in one command (the link-token in no output), the source says SYNCED, Atlas lists the
// source's projects; the official CLI's validate body validates to SUCCESS; migrate, ready, cutover, COMPLETE (the
// link cannot be deleted meanwhile); deleting the link turns the source NOT_SYNCED, and deleting it again answers
// as real Atlas does; a createLinkToken's token decodes to its four fields and its key works until the link goes.
func TestBothSidesEndToEnd(t *testing.T) {
	t.Parallel()
	url := startEmulatorProcess(t, "--group-id", e2eGroup, "--cluster-name", "Dest0", "--phase-duration", "20ms")
	env := demoEnv(url)
	env["MONGODB_ATLAS_ORG_ID"], env["MONGODB_ATLAS_PROJECT_ID"] = atlastest.DefaultOrgID, e2eGroup
	home := t.TempDir()
	config := sourceConfig(url)
	both := " --sourceOrgId " + atlastest.DefaultSourceOrgID + " --sourceProfile src"

	// 1. One command links both sides; the link-token shows nowhere.
	res := atlas(t, run{args: "liveMigrations link create --accessListIp 203.0.113.7" + both, env: env, config: config, home: home})
	if res.code != 0 || !strings.Contains(res.stdout, "'SYNCED'") || linkTokenLike.MatchString(res.stdout+res.stderr) || strings.Contains(res.stdout+res.stderr, "eyJ") {
		t.Fatalf("link create, both sides: exit %d, want SYNCED and no link-token in the output", res.code)
	}
	// 2. mongocli's source-side command says SYNCED (credentials from the profile alone).
	res = atlas(t, run{args: "cloud-manager liveMigrations link describe -P src", home: home})
	if res.code != 0 || res.stdout != "Organization Link status: 'SYNCED'\n" {
		t.Fatalf("cloud-manager link describe: exit %d %q %s", res.code, res.stdout, res.stderr)
	}
	// 3. Atlas lists the source's projects.
	var projects []struct {
		ProjectID      string   `json:"projectId"`
		MigrationHosts []string `json:"migrationHosts"`
	}
	if err := json.Unmarshal([]byte(ok(t, env, cms+"listAvailableProjects")), &projects); err != nil || len(projects) != 1 ||
		projects[0].ProjectID != atlastest.DemoSourceProjectID || projects[0].MigrationHosts[0] != atlastest.DemoSourceMigrationHost {
		t.Fatalf("listAvailableProjects: %+v %v", projects, err)
	}
	res = atlas(t, run{args: "liveMigrations link describe -o json" + both, env: env, home: home})
	if res.code != 0 || field(t, res.stdout, "status") != "SYNCED" || len(field(t, res.stdout, "availableProjects").([]any)) != 1 {
		t.Fatalf("link describe, both sides: exit %d %s %s", res.code, res.stdout, res.stderr)
	}

	// 4. The official CLI v1.58's validate body, sent as it sends it: hostnameSchemaType "" and empty credentials
	// under managed authentication. It validates to SUCCESS; the emulator says what it assumed.
	official := `{"destination":{"clusterName":"Dest0","groupId":"` + e2eGroup + `","hostnameSchemaType":""},"dropDestinationData":false,` +
		`"migrationHosts":["` + atlastest.DemoSourceMigrationHost + `"],"source":{"clusterName":"` + atlastest.DemoSourceClusterName +
		`","groupId":"` + atlastest.DemoSourceProjectID + `","managedAuthentication":true,"password":"","ssl":false,"username":""}}`
	status, warning, answer := officialCLIRequest(t, url+"/api/atlas/v2/groups/"+e2eGroup+"/liveMigrations/validate", official)
	if status != 200 || !strings.Contains(warning, `hostnameSchemaType "" taken as PUBLIC`) {
		t.Fatalf("the official CLI's validate body: %d %s (warning %q)", status, answer, warning)
	}
	final := pollUntil(t, env, cms+"getMigrationValidateStatus --validationId "+field(t, answer, "_id").(string),
		func(a string) bool { return field(t, a, "status") != "PENDING" })
	if field(t, final, "status") != "SUCCESS" {
		t.Fatalf("the official CLI's validation ended %s", final)
	}

	// 5. The whole flow with the liveMigrations tree: migrate, ready (the link cannot be deleted meanwhile), cut over.
	src := "--clusterName Dest0 --sourceProjectId " + atlastest.DemoSourceProjectID + " --sourceClusterName " + atlastest.DemoSourceClusterName +
		" --migrationHost " + atlastest.DemoSourceMigrationHost + " --sourceManagedAuthentication"
	watch := " --watch --watch-interval 10ms"
	id := field(t, ok(t, env, "liveMigrations create -o json "+src), "_id").(string)
	if res = atlas(t, run{args: "liveMigrations describe --liveMigrationId " + id + watch, env: env}); res.code != 0 || !strings.Contains(res.stderr, "ready for cutover: true") {
		t.Fatalf("describe --watch: exit %d %s", res.code, res.stderr)
	}
	res = atlas(t, run{args: "liveMigrations link delete --force", env: env})
	if res.code != 1 || !strings.Contains(res.stderr, "CANNOT_DELETE_ORG_ACTIVE_LIVE_MIGRATION_ATLAS_ORG_LINK") ||
		!strings.Contains(res.stderr, "active migration in following project ids: "+e2eGroup) {
		t.Errorf("link delete during a migration: exit %d %s", res.code, res.stderr)
	}
	if res = atlas(t, run{args: "liveMigrations cutover --liveMigrationId " + id + watch, env: env}); res.code != 0 || !strings.Contains(res.stdout, "COMPLETE") {
		t.Fatalf("cutover --watch: exit %d %q %s", res.code, res.stdout, res.stderr)
	}

	// 6. Deleting the link: the source is NOT_SYNCED; deleting it again answers as real Atlas does.
	if out := ok(t, env, "liveMigrations link delete --force"); out != "Link-token "+atlastest.DefaultOrgID+" successfully deleted\n" {
		t.Errorf("link delete: %q", out)
	}
	if res = atlas(t, run{args: "cloud-manager liveMigrations link describe -P src", home: home}); res.stdout != "Organization Link status: 'NOT_SYNCED'\n" {
		t.Errorf("the source after the Atlas link was deleted: exit %d %q", res.code, res.stdout)
	}
	res = atlas(t, run{args: cms + "deleteLinkTokens", env: env})
	const recorded = `{"detail":"Could not find the requested external organization link.","error":404,"errorCode":"UNEXPECTED_ERROR","parameters":null,"reason":"Not Found"}`
	if res.code != 1 || res.stdout != recorded {
		t.Errorf("deleteLinkTokens without a link: exit %d %q, want the recorded body", res.code, res.stdout)
	}

	// 7. A createLinkToken's link-token: the four fields, an API key that works on Atlas until the link is deleted.
	token := tokenOf(t, []byte(ok(t, env, cms+"createLinkToken --file "+bodyFile(t, `{"accessListIps":["203.0.113.7"]}`))))
	raw, err := base64.StdEncoding.DecodeString(token)
	var claims struct {
		OrgID         string `json:"orgId"`
		OrgName       string `json:"orgName"`
		PrivateAPIKey string `json:"privateApiKey"`
		PublicAPIKey  string `json:"publicApiKey"`
	}
	if err != nil || json.Unmarshal(raw, &claims) != nil || claims.OrgID != atlastest.DefaultOrgID || claims.OrgName != atlastest.DefaultOrgName ||
		!regexp.MustCompile(`^[a-z]{8}$`).MatchString(claims.PublicAPIKey) || len(claims.PrivateAPIKey) != 36 {
		t.Fatal("the link-token does not decode to orgId, orgName, privateApiKey (a UUID) and publicApiKey (8 letters)")
	}
	asToken := map[string]string{"MONGODB_ATLAS_OPS_MANAGER_URL": url + "/", "MONGODB_ATLAS_PUBLIC_API_KEY": claims.PublicAPIKey,
		"MONGODB_ATLAS_PRIVATE_API_KEY": claims.PrivateAPIKey, "MONGODB_ATLAS_ORG_ID": claims.OrgID}
	ok(t, asToken, cms+"listAvailableProjects")
	ok(t, env, "liveMigrations link delete --force")
	if res = atlas(t, run{args: cms + "listAvailableProjects", env: asToken}); res.code != 1 || !strings.Contains(res.stderr, "401") {
		t.Errorf("the link-token's key after the link was deleted: exit %d %s", res.code, res.stderr)
	}
}

// officialCLIRequest POSTs body as the official Atlas CLI v1.58 sends a validation (digest, 2024-05-30 types); it
// returns the status, X-Emulator-Warning and the answer.
func officialCLIRequest(t *testing.T, url, body string) (int, string, string) {
	t.Helper()
	client := &http.Client{Transport: &digest.Transport{Username: atlastest.DefaultPublicKey, Password: atlastest.DefaultPrivateKey}}
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept", "application/vnd.atlas.2024-05-30+json")
	req.Header.Set("Content-Type", "application/vnd.atlas.2024-05-30+json")
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var buf bytes.Buffer
	_, _ = io.Copy(&buf, resp.Body)
	return resp.StatusCode, resp.Header.Get("X-Emulator-Warning"), buf.String()
}
