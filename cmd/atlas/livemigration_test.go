package main_test

import (
	"bufio"
	"encoding/json"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/atlas-linktoken/atlas-linktoken/pkg/atlastest"
)

const (
	e2eGroup = "6a0b1c2d3e4f5a6b7c8d9e0f"
	cms      = "api cloudMigrationService "
)

// startEmulatorProcess runs the atlas-emulator binary with args and returns its URL; it is killed at cleanup.
func startEmulatorProcess(t *testing.T, args ...string) string {
	t.Helper()
	cmd := exec.Command(filepath.Join(binDir, "atlas-emulator"), append([]string{"--addr", "127.0.0.1:0"}, args...)...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	first, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil || !strings.HasPrefix(first, "listening on ") {
		t.Fatalf("emulator's first line %q (%v)", first, err)
	}
	return strings.TrimSpace(strings.TrimPrefix(first, "listening on "))
}

func demoEnv(url string) map[string]string {
	return map[string]string{"MONGODB_ATLAS_OPS_MANAGER_URL": url,
		"MONGODB_ATLAS_PUBLIC_API_KEY": atlastest.DefaultPublicKey, "MONGODB_ATLAS_PRIVATE_API_KEY": atlastest.DefaultPrivateKey}
}

// ok runs the CLI and fails the test unless it exits 0; it returns stdout.
func ok(t *testing.T, env map[string]string, args string, extra ...string) string {
	t.Helper()
	res := atlas(t, run{args: args, extra: extra, env: env})
	if res.code != 0 {
		t.Fatalf("atlas %s: exit %d\n%s\n%s", args, res.code, res.stdout, res.stderr)
	}
	return res.stdout
}

// field decodes one JSON answer's field.
func field(t *testing.T, answer, name string) any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(answer), &m); err != nil {
		t.Fatalf("answer %q: %v", answer, err)
	}
	return m[name]
}

// pollUntil runs the CLI until cond holds on its answer: at most 300 times, 10 ms apart (the emulator runs
// 20 ms phases, so a migration is ready after about 80 ms).
func pollUntil(t *testing.T, env map[string]string, args string, cond func(answer string) bool) string {
	t.Helper()
	for i := 0; i < 300; i++ {
		if answer := ok(t, env, args); cond(answer) {
			return answer
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("atlas %s: condition not reached after 300 polls", args)
	return ""
}

// The whole flow, with the CLI only, against `atlas-emulator --group-id G --cluster-name Dest0`: in the
// default version (2024-05-30) and with --version 2023-01-01; a 2024-05-30 body sent as 2023-01-01 is refused;
// `liveMigrations link create` prints a link-token.
func TestPushLiveMigrationEndToEnd(t *testing.T) {
	t.Parallel()
	start := time.Now()
	url := startEmulatorProcess(t, "--group-id", e2eGroup, "--cluster-name", "Dest0", "--phase-duration", "20ms")
	env := demoEnv(url)
	org := atlastest.DefaultOrgID

	token := ok(t, env, cms+"createLinkToken --orgId "+org+" --file "+bodyFile(t, `{"accessListIps":["203.0.113.7"]}`))
	if tokenOf(t, []byte(token)) == "" {
		t.Fatal("createLinkToken gave no link-token")
	}
	// The source organization connects with it (the emulator's demo Cloud Manager org; the token from the environment).
	source := sourceEnv(url)
	source["MONGODB_ATLAS_LINK_TOKEN"] = tokenOf(t, []byte(token))
	ok(t, source, "cloud-manager liveMigrations link create --orgId "+atlastest.DefaultSourceOrgID)
	var projects []struct {
		ProjectID      string   `json:"projectId"`
		MigrationHosts []string `json:"migrationHosts"`
		Deployments    []struct {
			Name string `json:"name"`
		} `json:"deployments"`
	}
	if err := json.Unmarshal([]byte(ok(t, env, cms+"listAvailableProjects --orgId "+org)), &projects); err != nil || len(projects) == 0 ||
		len(projects[0].Deployments) == 0 || len(projects[0].MigrationHosts) == 0 {
		t.Fatalf("listAvailableProjects: %+v %v", projects, err)
	}
	p := projects[0]
	common := `"source": {"groupId": "` + p.ProjectID + `", "clusterName": "` + p.Deployments[0].Name + `", "managedAuthentication": true, "ssl": false},
		"destination": {"groupId": "` + e2eGroup + `", "clusterName": "Dest0", "hostnameSchemaType": "PUBLIC"},
		"migrationHosts": ["` + p.MigrationHosts[0] + `"]`
	body2024 := bodyFile(t, `{`+common+`, "dropDestinationData": false}`)
	body2023 := bodyFile(t, `{`+common+`, "dropEnabled": false}`)

	for _, tc := range []struct{ name, body, version string }{
		{"2024-05-30 (default version)", body2024, ""},
		{"2023-01-01", body2023, " --version 2023-01-01"},
	} {
		flow := time.Now()
		group := " --groupId " + e2eGroup
		validation := ok(t, env, cms+"validateLiveMigrations"+group+" --file "+tc.body+tc.version)
		if field(t, validation, "status") != "PENDING" {
			t.Fatalf("%s: validation %s", tc.name, validation)
		}
		final := pollUntil(t, env, cms+"getMigrationValidateStatus"+group+" --validationId "+field(t, validation, "_id").(string),
			func(a string) bool { return field(t, a, "status") != "PENDING" })
		if field(t, final, "status") != "SUCCESS" {
			t.Fatalf("%s: validation ended %s", tc.name, final)
		}
		created := ok(t, env, cms+"createGroupLiveMigration"+group+" --file "+tc.body+tc.version)
		id := field(t, created, "_id").(string)
		get := cms + "getGroupLiveMigration" + group + " --liveMigrationId " + id
		pollUntil(t, env, get, func(a string) bool { return field(t, a, "readyForCutover") == true })
		ok(t, env, cms+"cutoverMigration"+group+" --liveMigrationId "+id)
		pollUntil(t, env, get, func(a string) bool { return field(t, a, "status") == "COMPLETE" })
		t.Logf("%s: validate → COMPLETE in %v through the CLI", tc.name, time.Since(flow).Round(time.Millisecond))
	}

	// The 2024-05-30 body sent as 2023-01-01: refused before sending, naming the version it fits.
	res := atlas(t, run{args: cms + "createGroupLiveMigration --groupId " + e2eGroup + " --file " + body2024 + " --version 2023-01-01", env: env})
	if res.code != 2 || !strings.Contains(res.stderr, "dropEnabled") || !strings.Contains(res.stderr, "add --version 2024-05-30") {
		t.Errorf("2024-05-30 body as 2023-01-01: exit %d %s", res.code, res.stderr)
	}

	out := ok(t, env, "liveMigrations link create --accessListIp 203.0.113.7,198.51.100.0/24 --orgId "+org)
	if !strings.HasPrefix(out, "Link-token '") || !strings.HasSuffix(out, "' successfully created.\n") || len(out) < 150 {
		t.Errorf("liveMigrations link create printed %d bytes, not a link-token line", len(out))
	}
	t.Logf("whole test (emulator start, both flows, refusals): %v", time.Since(start).Round(time.Millisecond))
}

// The hand-written tree drives the same flow with --watch; a source password never shows, --debug included; a
// failed migration makes --watch exit 1.
func TestLiveMigrationsTreeWithWatch(t *testing.T) {
	t.Parallel()
	url := startEmulatorProcess(t, "--group-id", e2eGroup, "--cluster-name", "Dest0", "--phase-duration", "20ms")
	env := demoEnv(url)
	env["MONGODB_ATLAS_PROJECT_ID"] = e2eGroup
	env["MONGODB_ATLAS_ORG_ID"] = atlastest.DefaultOrgID
	if res := atlas(t, run{args: "lm link create --accessListIp 203.0.113.7 --sourceOrgId " + atlastest.DefaultSourceOrgID + " --sourceProfile src",
		env: env, config: sourceConfig(url)}); res.code != 0 {
		t.Fatalf("link create, both sides: exit %d", res.code)
	}
	source := "--clusterName Dest0 --sourceProjectId " + atlastest.DemoSourceProjectID + " --sourceClusterName " + atlastest.DemoSourceClusterName +
		" --migrationHost " + atlastest.DemoSourceMigrationHost
	watch := " --watch --watch-interval 10ms"

	v := ok(t, env, "liveMigrations validation create --sourceManagedAuthentication -o json "+source)
	out := ok(t, env, "liveMigrations validation describe --validationId "+field(t, v, "_id").(string)+watch)
	if !strings.Contains(out, "SUCCESS") || !strings.HasPrefix(out, "ID ") {
		t.Errorf("validation describe --watch: %q", out)
	}
	m := ok(t, env, "liveMigrations create --sourceManagedAuthentication -o json "+source)
	id := field(t, m, "_id").(string)
	res := atlas(t, run{args: "liveMigrations describe --liveMigrationId " + id + watch, env: env})
	if res.code != 0 || !strings.Contains(res.stdout, "true") || !strings.Contains(res.stderr, "ready for cutover: true") || !strings.Contains(res.stderr, "lag ") {
		t.Fatalf("describe --watch: exit %d %q %q", res.code, res.stdout, res.stderr)
	}
	res = atlas(t, run{args: "liveMigrations cutover --liveMigrationId " + id + watch, env: env})
	if res.code != 0 || !strings.HasPrefix(res.stdout, "Cutover process successfully started.\n") || !strings.Contains(res.stdout, "COMPLETE") {
		t.Fatalf("cutover --watch: exit %d %q %q", res.code, res.stdout, res.stderr)
	}

	// A password from the environment: sent, never shown, --debug included.
	const secret = "s3cret-source-pass"
	env[("MONGODB_ATLAS_SOURCE_PASSWORD")] = secret
	res = atlas(t, run{args: "lm validation create --debug -u migrator " + source, env: env})
	if res.code != 0 || strings.Contains(res.stdout+res.stderr, secret) || !strings.Contains(res.stderr, `"password":"[REDACTED]"`) {
		t.Errorf("password from the environment: exit %d, leaked=%t\n%s", res.code, strings.Contains(res.stdout+res.stderr, secret), res.stderr)
	}
	delete(env, "MONGODB_ATLAS_SOURCE_PASSWORD")
	// From piped standard input, as the official CLI reads it.
	if res = atlas(t, run{args: "lm validation create -u migrator " + source, env: env, stdin: ptr(secret + "\n")}); res.code != 0 {
		t.Errorf("password from stdin: exit %d %s", res.code, res.stderr)
	}
	// Nowhere: refused before sending.
	if res = atlas(t, run{args: "lm validation create -u migrator " + source, env: env}); res.code != 2 || !strings.Contains(res.stderr, "MONGODB_ATLAS_SOURCE_PASSWORD") {
		t.Errorf("no password: exit %d %s", res.code, res.stderr)
	}

	// A migration Atlas would refuse fails; --watch says so and exits 1, the last state on stdout.
	bad := strings.Replace(source, "--sourceClusterName "+atlastest.DemoSourceClusterName, "--sourceClusterName rs9", 1)
	m = ok(t, env, "lm create --sourceManagedAuthentication -o json "+bad)
	res = atlas(t, run{args: "lm describe --liveMigrationId " + field(t, m, "_id").(string) + watch, env: env})
	if res.code != 1 || !strings.Contains(res.stdout, "FAILED") || !strings.Contains(res.stderr, "job failed") {
		t.Errorf("describe --watch of a failing migration: exit %d %q %q", res.code, res.stdout, res.stderr)
	}
	// On an emulator whose phases last an hour: an early cutover is refused (exit 1, Atlas' error on stdout), and
	// --watch-timeout ends a watch (exit 1, the last state on stdout).
	slow := demoEnv(startEmulatorProcess(t, "--group-id", e2eGroup, "--cluster-name", "Dest0", "--phase-duration", "1h"))
	slow["MONGODB_ATLAS_PROJECT_ID"] = e2eGroup
	m = ok(t, slow, "lm create --sourceManagedAuthentication -o json "+source)
	res = atlas(t, run{args: "lm cutover --liveMigrationId " + field(t, m, "_id").(string) + watch, env: slow})
	// Atlas' error on stderr only, as the official tree prints it (issue "Both sides" moved it off stdout).
	if res.code != 1 || !strings.Contains(res.stderr, "LIVE_MIGRATION_NOT_READY_FOR_CUTOVER") || res.stdout != "" {
		t.Errorf("early cutover: exit %d %q %s", res.code, res.stdout, res.stderr)
	}
	res = atlas(t, run{args: "lm describe --liveMigrationId " + field(t, m, "_id").(string) + " --watch --watch-interval 10ms --watch-timeout 1s", env: slow}) // 1 s: the first poll must fit in it on a loaded machine
	if res.code != 1 || !strings.Contains(res.stderr, "--watch-timeout") || !strings.Contains(res.stdout, "NEW") {
		t.Errorf("--watch-timeout: exit %d %q %q", res.code, res.stdout, res.stderr)
	}
	// Bad input names the flag and where it came from.
	res = atlas(t, run{args: "lm describe --liveMigrationId nope", env: env})
	if res.code != 2 || !strings.Contains(res.stderr, `liveMigrationId "nope" (from --liveMigrationId)`) {
		t.Errorf("bad ID: exit %d %s", res.code, res.stderr)
	}
	env["MONGODB_ATLAS_PROJECT_ID"] = "NOPE"
	res = atlas(t, run{args: "lm describe --liveMigrationId " + id, env: env})
	if res.code != 2 || !strings.Contains(res.stderr, "MONGODB_ATLAS_PROJECT_ID") {
		t.Errorf("bad project ID from the environment: exit %d %s", res.code, res.stderr)
	}
}

// sourceEnv is the environment of a source-side command against the emulator at url: its demo Cloud Manager key.
func sourceEnv(url string) map[string]string {
	return map[string]string{"MONGODB_ATLAS_OPS_MANAGER_URL": url + "/",
		"MONGODB_ATLAS_PUBLIC_API_KEY": atlastest.DefaultSourcePublicKey, "MONGODB_ATLAS_PRIVATE_API_KEY": atlastest.DefaultSourcePrivateKey}
}

// sourceConfig is a config.toml whose profile "src" holds the emulator's demo Cloud Manager org and key.
func sourceConfig(url string) string {
	return "[src]\npublic_api_key = \"" + atlastest.DefaultSourcePublicKey + "\"\nprivate_api_key = \"" + atlastest.DefaultSourcePrivateKey +
		"\"\nops_manager_url = \"" + url + "/\"\norg_id = \"" + atlastest.DefaultSourceOrgID + "\"\n"
}
