package main_test

import (
	"debug/buildinfo"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Scripts and configs written for the official Atlas CLI work unchanged (#11). Each case runs the built binary.
func TestCompatibility(t *testing.T) {
	t.Parallel()
	srv := emulator(t)
	file := bodyFile(t, body)
	create := command + " --orgId " + orgA + " --file " + file
	url := map[string]string{"MONGODB_ATLAS_OPS_MANAGER_URL": srv.URL}
	version, revision := stampOf(t, filepath.Join(binDir, "atlas"))
	keys := fmt.Sprintf("  public_api_key = %q\n  private_api_key = %q\n", pub, priv)
	for _, tc := range []struct {
		name   string
		r      run
		code   int
		stdout string // a substring; "token" means a link-token JSON
		stderr []string
	}{
		// 1. a profile's or the environment's output the api commands cannot use is ignored; an explicit -o is strict.
		{name: "profile output plaintext", r: run{args: create, env: url, config: "[default]\n  output = \"plaintext\"\n" + keys}, code: 0, stdout: "token"},
		{name: "env output plaintext", r: run{args: create, env: merge(credsFor(srv), "MONGODB_ATLAS_OUTPUT", "plaintext")}, code: 0, stdout: "token"},
		{name: "explicit -o plaintext", r: run{args: create + " -o plaintext", env: credsFor(srv)}, code: 2, stderr: []string{`unknown --output "plaintext"`}},
		// 2. the spec's long operationIds and our list's aliases are command aliases.
		{name: "long operationId", r: run{args: "api cloudMigrationService createOrgLiveMigrationLinkToken --orgId " + orgA + " --file " + file, env: credsFor(srv)}, code: 0, stdout: "token"},
		{name: "long delete operationId", r: run{args: "api cloudMigrationService deleteOrgLiveMigrationLinkTokens --orgId " + orgA, env: credsFor(srv)}, code: 0},
		{name: "help lists the aliases", r: run{args: command + " --help"}, code: 0, stdout: "createLinkToken, createOrgLiveMigrationLinkToken"},
		// 3. a config's only profile is used; names match case-insensitively; a named profile must exist.
		{name: "only profile", r: run{args: create, env: url, config: "[interop]\n" + keys}, code: 0, stdout: "token"},
		{name: "profile name in other case", r: run{args: create + " -P INTEROP", env: url, config: "[interop]\n" + keys + "[other]\n"}, code: 0, stdout: "token"},
		{name: "named profile missing", r: run{args: create + " -P nope", env: url, config: "[interop]\n" + keys}, code: 2, stderr: []string{`profile "nope" not found`}},
		// 4. api_version from the profile that the operation lacks: a warning naming its versions.
		{name: "profile api_version", r: run{args: create, env: url, config: "[default]\n  api_version = \"2024-05-30\"\n" + keys}, code: 0, stdout: "token",
			stderr: []string{`Warning: api_version "2024-05-30"`, "it has 2023-01-01"}},
		{name: "explicit unknown --version", r: run{args: create + " --version 2024-05-30", env: credsFor(srv)}, code: 2, stderr: []string{"has versions 2023-01-01"}},
		// 5. legacy MCLI_* variables, after MONGODB_ATLAS_*.
		{name: "MCLI variables", r: run{args: command + " --file " + file, env: map[string]string{"MCLI_OPS_MANAGER_URL": srv.URL, "MCLI_PUBLIC_API_KEY": pub,
			"MCLI_PRIVATE_API_KEY": priv, "MCLI_ORG_ID": orgA}}, code: 0, stdout: "token"},
		{name: "MONGODB_ATLAS beats MCLI", r: run{args: command + " --file " + file, env: merge(credsFor(srv), "MONGODB_ATLAS_ORG_ID", orgA, "MCLI_ORG_ID", "not-an-org")}, code: 0, stdout: "token"},
		// 6. version.
		{name: "--version", r: run{args: "--version"}, code: 0, stdout: "atlas-linktoken version: " + version + "\ngit version: " + revision + "\n"},
		{name: "version", r: run{args: "version"}, code: 0, stdout: "Go version: go1."},
		// 8. completion of values, and did-you-mean for flags.
		{name: "complete --version", r: run{args: "__complete " + command, extra: []string{"--version", ""}}, code: 0, stdout: "2023-01-01"},
		{name: "complete -o", r: run{args: "__complete " + command, extra: []string{"-o", ""}}, code: 0, stdout: "go-template="},
		{name: "complete -P", r: run{args: "__complete " + command, extra: []string{"-P", ""}, config: "[interop]\n[prod]\n"}, code: 0, stdout: "interop\nprod"},
		{name: "mistyped flag", r: run{args: command + " --orgid " + orgA}, code: 2, stderr: []string{"unknown flag: --orgid", "Did you mean --orgId?"}},
		// 10. errors name where the value came from, and what to write.
		{name: "bad org ID from env", r: run{args: command + " --file " + file, env: merge(credsFor(srv), "MONGODB_ATLAS_ORG_ID", "XYZ")}, code: 2,
			stderr: []string{`organization ID "XYZ" (from environment variable MONGODB_ATLAS_ORG_ID)`}},
		{name: "bad org ID from profile", r: run{args: command + " --file " + file, env: url, config: "[default]\n  org_id = \"XYZ\"\n" + keys}, code: 2,
			stderr: []string{`(from org_id in profile "default"`}},
		{name: "base URL without scheme", r: run{args: create, env: merge(credsFor(srv), "MONGODB_ATLAS_OPS_MANAGER_URL", "127.0.0.1:8080")}, code: 2,
			stderr: []string{"has no scheme", "write https://127.0.0.1:8080", "MONGODB_ATLAS_OPS_MANAGER_URL"}},
		{name: "base URL with the API path", r: run{args: create, env: merge(credsFor(srv), "MONGODB_ATLAS_OPS_MANAGER_URL", srv.URL+"/api/atlas/v2")}, code: 2,
			stderr: []string{"ends in /api/atlas/v2", "write " + srv.URL + "/"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := atlas(t, tc.r)
			if res.code != tc.code {
				t.Fatalf("exit %d, want %d; stderr %s", res.code, tc.code, res.stderr)
			}
			switch {
			case tc.stdout == "token":
				if tokenOf(t, []byte(res.stdout)) == "" {
					t.Errorf("no link-token on stdout: %q", res.stdout)
				}
			case !strings.Contains(res.stdout, tc.stdout):
				t.Errorf("stdout %q lacks %q", res.stdout, tc.stdout)
			}
			for _, want := range tc.stderr {
				if !strings.Contains(res.stderr, want) {
					t.Errorf("stderr %q lacks %q", res.stderr, want)
				}
			}
		})
	}
}

// stampOf is the version and git revision the binary at path must print, from the build information the go command
// stamped into it: its module version ("devel" when there is none: -buildvcs=false, or a build outside a VCS
// checkout) and vcs.revision ("unknown" without one). A build in a git clone is stamped with a pseudo-version
// (v0.0.0-…) and the commit, so neither can be a constant.
func stampOf(t *testing.T, path string) (version, revision string) {
	t.Helper()
	info, err := buildinfo.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if info.Main.Path != "github.com/atlas-linktoken/atlas-linktoken" {
		t.Fatalf("%s's main module is %q", path, info.Main.Path)
	}
	version, revision = "devel", "unknown"
	if v := info.Main.Version; v != "" && v != "(devel)" {
		version = v
	}
	for _, kv := range info.Settings {
		if kv.Key == "vcs.revision" {
			revision = kv.Value
		}
	}
	return version, revision
}

func merge(m map[string]string, kv ...string) map[string]string {
	out := map[string]string{}
	for k, v := range m {
		out[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		out[kv[i]] = kv[i+1]
	}
	return out
}

// 11. The missing-credentials error is one short sentence naming the three places, the config path once.
func TestMissingCredentialsMessageIsShort(t *testing.T) {
	t.Parallel()
	res := atlas(t, run{args: command + " --orgId " + orgA + " --file " + bodyFile(t, body), env: map[string]string{"MONGODB_ATLAS_OPS_MANAGER_URL": "http://127.0.0.1:9"}})
	line := strings.TrimSpace(res.stderr)
	if res.code != 2 || strings.Count(line, "config.toml") != 1 || strings.Count(line, "\n") != 0 ||
		!strings.Contains(line, "MONGODB_ATLAS_") || !strings.Contains(line, "MCLI_") || !strings.Contains(line, "profile") {
		t.Errorf("exit %d: %q", res.code, line)
	}
	if path := strings.Count(line, string(filepath.Separator)); len(line)-path > 400 { // the path's length varies
		t.Errorf("%d characters: %q", len(line), line)
	}
}

// 7. A service account's token is cached between invocations (mode 0600, never the secret, never config.toml),
// dropped when the server rejects it.
func TestServiceAccountTokenIsCachedAcrossInvocations(t *testing.T) {
	t.Parallel()
	srv := emulator(t)
	home := t.TempDir()
	config := fmt.Sprintf("[default]\n  client_id = %q\n  client_secret = %q\n", saID, saSecret)
	r := run{args: command + " --orgId " + orgA + " --file " + bodyFile(t, body), env: map[string]string{"MONGODB_ATLAS_OPS_MANAGER_URL": srv.URL}, home: home, config: config}
	for i := range 3 {
		if res := atlas(t, r); res.code != 0 {
			t.Fatalf("run %d: exit %d %s", i, res.code, res.stderr)
		}
	}
	if got := srv.TokenRequests(); got != 1 {
		t.Errorf("3 invocations made %d token requests, want 1", got)
	}
	files, _ := filepath.Glob(filepath.Join(home, ".cache", "atlas-linktoken", "tokens", "*.json"))
	if len(files) != 1 {
		t.Fatalf("cache files: %v", files)
	}
	info, _ := os.Stat(files[0])
	data, _ := os.ReadFile(files[0])
	if info.Mode().Perm() != 0o600 || strings.Contains(string(data), saSecret) || !strings.Contains(string(data), "access_token") {
		t.Errorf("cache file mode %v, holds the secret: %v", info.Mode().Perm(), strings.Contains(string(data), saSecret))
	}
	if cfg, _ := os.ReadFile(filepath.Join(home, "config", "atlascli", "config.toml")); string(cfg) != config {
		t.Error("config.toml was written")
	}
	srv.RevokeTokens()
	if res := atlas(t, r); res.code != 0 {
		t.Fatalf("after revocation: exit %d %s", res.code, res.stderr)
	}
	if got := srv.TokenRequests(); got != 2 {
		t.Errorf("after revocation: %d token requests, want 2 (the rejected token dropped, one new)", got)
	}
	if res := atlas(t, r); res.code != 0 || srv.TokenRequests() != 2 {
		t.Errorf("the new token was not cached: exit %d, %d token requests", res.code, srv.TokenRequests())
	}
}
