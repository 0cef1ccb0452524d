package main_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/atlas-linktoken/atlas-linktoken/internal/testbin"
	"github.com/atlas-linktoken/atlas-linktoken/pkg/atlastest"
)

var binDir string

// linkTokenLike matches an emulator link-token (standard base64 of its JSON, about 190 characters), as
// scripts/scan-secrets.sh does.
var linkTokenLike = regexp.MustCompile(`[A-Za-z0-9+/]{128}={0,2}`)

// TestMain builds the two binaries once (linked again only when they changed: internal/testbin); every test runs
// them as a user would.
func TestMain(m *testing.M) {
	dir, err := testbin.Dir()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binDir = dir
	for name, pkg := range map[string]string{"atlas": ".", "atlas-emulator": "../atlas-emulator"} {
		if _, err := testbin.Build(dir, name, pkg); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
	os.Exit(m.Run())
}

const (
	orgA     = "aaaaaaaaaaaaaaaaaaaaaaaa"
	orgB     = "bbbbbbbbbbbbbbbbbbbbbbbb"
	orgC     = "cccccccccccccccccccccccc"
	saID     = "mdb_sa_id_e2e"
	saSecret = "mdb_sa_sk_e2e-secret-9876"
	pub      = "e2epublic"
	priv     = "e2e-private-0123456789"
	body     = `{"accessListIps": ["203.0.113.7"]}`
	command  = "api cloudMigrationService createLinkToken"
)

type run struct {
	args   string            // after "atlas"; split on spaces
	extra  []string          // arguments that contain spaces
	env    map[string]string // MONGODB_ATLAS_* and friends
	stdin  *string           // nil: /dev/null
	config string            // config.toml contents; empty: no file
	home   string            // HOME and XDG_CONFIG_HOME root; empty: a new temp dir
}

type result struct {
	code           int
	stdout, stderr string
}

// atlas runs the CLI. It never inherits the caller's MONGODB_ATLAS_* or config, and any request to a non-loopback
// host goes to a dead proxy, so nothing can reach a real Atlas.
func atlas(t *testing.T, r run) result {
	t.Helper()
	home := r.home
	if home == "" {
		home = t.TempDir()
	}
	if r.config != "" {
		dir := filepath.Join(home, "config", "atlascli")
		if err := os.MkdirAll(dir, 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "config.toml"), []byte(r.config), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	args := append(strings.Fields(r.args), r.extra...)
	cmd := exec.Command(filepath.Join(binDir, "atlas"), args...)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + home, "XDG_CONFIG_HOME=" + filepath.Join(home, "config"),
		"HTTPS_PROXY=http://127.0.0.1:1", "HTTP_PROXY=http://127.0.0.1:1"}
	for k, v := range r.env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	if r.stdin != nil {
		cmd.Stdin = strings.NewReader(*r.stdin)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	if exitErr, ok := err.(*exec.ExitError); ok {
		code = exitErr.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	// What the CLI printed goes into the test log, which `make test` scans for secrets: stderr always (errors,
	// warnings, --debug dumps), stdout when the command failed (the error JSON). A successful stdout is the
	// link-token itself, the product's output.
	if code != 0 {
		// A failed command may still print a link-token (exit 3: the answer it could not write): not into the log.
		shown := linkTokenLike.ReplaceAllString(stdout.String(), "[link-token]")
		t.Logf("atlas %s (exit %d)\nstdout: %s\nstderr: %s", strings.Join(args, " "), code, shown, stderr.String())
	} else {
		t.Logf("atlas %s (exit 0)\nstderr: %s", strings.Join(args, " "), stderr.String())
	}
	return result{code: code, stdout: stdout.String(), stderr: stderr.String()}
}

func emulator(t *testing.T) *atlastest.Server {
	t.Helper()
	srv, err := atlastest.NewServer(
		atlastest.WithAPIKey(pub, priv, orgA, orgB, orgC),
		atlastest.WithServiceAccount(saID, saSecret, orgA, orgB, orgC),
		atlastest.WithAPIKey("notowner", "notowner-secret"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	return srv
}

func credsFor(srv *atlastest.Server) map[string]string {
	return map[string]string{
		"MONGODB_ATLAS_OPS_MANAGER_URL": srv.URL,
		"MONGODB_ATLAS_PUBLIC_API_KEY":  pub,
		"MONGODB_ATLAS_PRIVATE_API_KEY": priv,
	}
}

func bodyFile(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "body.json")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func lastRequest(t *testing.T, srv *atlastest.Server) atlastest.Request {
	t.Helper()
	reqs := srv.Requests()
	if len(reqs) == 0 {
		t.Fatal("no request reached the emulator")
	}
	return reqs[len(reqs)-1]
}

func ptr(s string) *string { return &s }

func tokenOf(t *testing.T, response []byte) string {
	t.Helper()
	var v struct{ LinkToken string }
	if err := json.Unmarshal(response, &v); err != nil {
		t.Fatalf("response %q: %v", response, err)
	}
	return v.LinkToken
}

func TestCreateFromFilePrintsTheBodyAsSent(t *testing.T) {
	t.Parallel()
	srv := emulator(t)
	res := atlas(t, run{args: command + " --orgId " + orgA + " --file " + bodyFile(t, body), env: credsFor(srv)})
	if res.code != 0 {
		t.Fatalf("exit %d: %s", res.code, res.stderr)
	}
	last := lastRequest(t, srv)
	if res.stdout != string(last.ResponseBody) || last.Status != 201 || string(last.Body) != body {
		t.Errorf("stdout %q; emulator sent %q (status %d) for body %q", res.stdout, last.ResponseBody, last.Status, last.Body)
	}
	if last.RawQuery != "" || !strings.Contains(last.Path, orgA) || last.Header.Get("Accept") != "application/vnd.atlas.2023-01-01+json" {
		t.Errorf("request %s?%s Accept %q", last.Path, last.RawQuery, last.Header.Get("Accept"))
	}
	if !strings.HasPrefix(last.Header.Get("User-Agent"), "atlas-linktoken-cli/") {
		t.Errorf("User-Agent %q", last.Header.Get("User-Agent"))
	}
}

func TestBodyFromStdin(t *testing.T) {
	t.Parallel()
	srv := emulator(t)
	for _, args := range []string{command + " --orgId " + orgA, command + " --orgId " + orgA + " --file -"} {
		res := atlas(t, run{args: args, env: credsFor(srv), stdin: ptr(`{"accessListIps":["10.0.0.0/8"]}`)})
		if res.code != 0 || tokenOf(t, []byte(res.stdout)) == "" {
			t.Fatalf("%s: exit %d %s", args, res.code, res.stderr)
		}
		if got := string(lastRequest(t, srv).Body); got != `{"accessListIps":["10.0.0.0/8"]}` {
			t.Errorf("%s: sent %q", args, got)
		}
	}
}

func TestOutputsAndFlags(t *testing.T) {
	t.Parallel()
	srv := emulator(t)
	file := bodyFile(t, body)
	base := command + " --orgId " + orgA + " --file " + file
	tmplFile := filepath.Join(t.TempDir(), "out.tmpl")
	_ = os.WriteFile(tmplFile, []byte("token={{.linkToken}}"), 0o600)

	for _, tc := range []struct {
		name      string
		extra     []string
		wantQuery string
		check     func(stdout string, last atlastest.Request) bool
	}{
		{"bare template", []string{"--output", "{{.linkToken}}"}, "", func(out string, last atlastest.Request) bool {
			return out == tokenOf(t, last.ResponseBody)
		}},
		{"go-template=", []string{"-o", "go-template={{.linkToken}}"}, "", func(out string, last atlastest.Request) bool {
			return out == tokenOf(t, last.ResponseBody)
		}},
		{"go-template-file=", []string{"--output", "go-template-file=" + tmplFile}, "", func(out string, last atlastest.Request) bool {
			return out == "token="+tokenOf(t, last.ResponseBody)
		}},
		{"pretty", []string{"--pretty"}, "pretty=true", func(out string, last atlastest.Request) bool {
			return out == string(last.ResponseBody) && strings.Contains(out, "\n  \"linkToken\": ")
		}},
		{"envelope", []string{"--envelope"}, "envelope=true", func(out string, last atlastest.Request) bool {
			return out == string(last.ResponseBody) && strings.Contains(out, `"status":201`)
		}},
		{"version", []string{"--version", "2023-01-01"}, "", func(out string, last atlastest.Request) bool {
			return out == string(last.ResponseBody)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := atlas(t, run{args: base, extra: tc.extra, env: credsFor(srv)})
			if res.code != 0 {
				t.Fatalf("exit %d: %s", res.code, res.stderr)
			}
			last := lastRequest(t, srv)
			if last.RawQuery != tc.wantQuery || !tc.check(res.stdout, last) {
				t.Errorf("query %q, stdout %q, server sent %q", last.RawQuery, res.stdout, last.ResponseBody)
			}
		})
	}
}

func TestOutputFile(t *testing.T) {
	t.Parallel()
	srv := emulator(t)
	for _, flag := range []string{"--output-file", "--outputFile"} {
		out := filepath.Join(t.TempDir(), "token.json")
		res := atlas(t, run{args: command + " --orgId " + orgA + " --file " + bodyFile(t, body) + " " + flag + " " + out, env: credsFor(srv)})
		if res.code != 0 || res.stdout != "" {
			t.Fatalf("%s: exit %d stdout %q stderr %s", flag, res.code, res.stdout, res.stderr)
		}
		data, err := os.ReadFile(out)
		info, _ := os.Stat(out)
		if err != nil || string(data) != string(lastRequest(t, srv).ResponseBody) || info.Mode().Perm() != 0o600 {
			t.Errorf("%s: file %q mode %v err %v", flag, data, info.Mode().Perm(), err)
		}
	}
	// Not written when the call fails.
	out := filepath.Join(t.TempDir(), "token.json")
	res := atlas(t, run{args: command + " --orgId " + "dddddddddddddddddddddddd" + " --file " + bodyFile(t, body) + " --output-file " + out, env: credsFor(srv)})
	if _, err := os.Stat(out); res.code != 1 || !os.IsNotExist(err) {
		t.Errorf("failed call: exit %d, output file exists: %v", res.code, err == nil)
	}
}

func TestProfilesEnvAndFlagPrecedence(t *testing.T) {
	t.Parallel()
	srv := emulator(t)
	config := fmt.Sprintf(`
[default]
  org_id = %q
  public_api_key = %q
  private_api_key = %q
  ops_manager_url = %q

[other]
  org_id = %q
  public_api_key = %q
  private_api_key = %q
  base_url = %q
`, orgA, pub, priv, srv.URL+"/", orgB, pub, priv, srv.URL)
	file := bodyFile(t, body)
	for _, tc := range []struct {
		name    string
		args    string
		env     map[string]string
		wantOrg string
	}{
		{"default profile", command + " --file " + file, nil, orgA},
		{"-P", command + " -P other --file " + file, nil, orgB},
		{"--profile", command + " --profile other --file " + file, nil, orgB},
		{"MONGODB_ATLAS_PROFILE", command + " --file " + file, map[string]string{"MONGODB_ATLAS_PROFILE": "other"}, orgB},
		{"-P beats MONGODB_ATLAS_PROFILE", command + " -P default --file " + file, map[string]string{"MONGODB_ATLAS_PROFILE": "other"}, orgA},
		{"env org beats profile", command + " --file " + file, map[string]string{"MONGODB_ATLAS_ORG_ID": orgC}, orgC},
		{"flag beats env", command + " --orgId " + orgB + " --file " + file, map[string]string{"MONGODB_ATLAS_ORG_ID": orgC}, orgB},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := atlas(t, run{args: tc.args, env: tc.env, config: config})
			if res.code != 0 {
				t.Fatalf("exit %d: %s", res.code, res.stderr)
			}
			if last := lastRequest(t, srv); !strings.Contains(last.Path, "/orgs/"+tc.wantOrg+"/") {
				t.Errorf("request went to %s, want org %s", last.Path, tc.wantOrg)
			}
		})
	}
	// Environment keys beat the profile's: a wrong key in the env wins over the right one in the file.
	res := atlas(t, run{args: command + " --file " + file, config: config, env: map[string]string{"MONGODB_ATLAS_PRIVATE_API_KEY": "wrong"}})
	if res.code != 1 || !strings.Contains(res.stderr, "401 UNAUTHORIZED") {
		t.Errorf("env private key should override the profile's: exit %d %s", res.code, res.stderr)
	}
}

func TestBadInputs(t *testing.T) {
	t.Parallel()
	srv := emulator(t)
	good := bodyFile(t, body)
	failing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(500)
		_, _ = w.Write([]byte(`{"error":500,"errorCode":"UNEXPECTED_ERROR","detail":"the emulator of a bad day"}`))
	}))
	t.Cleanup(failing.Close)
	failingEnv := credsFor(srv)
	failingEnv["MONGODB_ATLAS_OPS_MANAGER_URL"] = failing.URL
	wrongKey := credsFor(srv)
	wrongKey["MONGODB_ATLAS_PRIVATE_API_KEY"] = "wrong"
	notOwner := map[string]string{"MONGODB_ATLAS_OPS_MANAGER_URL": srv.URL, "MONGODB_ATLAS_PUBLIC_API_KEY": "notowner", "MONGODB_ATLAS_PRIVATE_API_KEY": "notowner-secret"}
	withVersion := credsFor(srv)
	withVersion["MONGODB_ATLAS_API_VERSION"] = "2024-05-30"

	for _, tc := range []struct {
		name       string
		r          run
		code       int
		stderr     []string
		stdoutJSON string // errorCode expected in the JSON on stdout
		sent       bool
	}{
		{name: "missing orgId", r: run{args: command + " --file " + good, env: credsFor(srv)}, code: 2,
			stderr: []string{`required flag "orgId" not set`, "MONGODB_ATLAS_ORG_ID", "org_id"}},
		{name: "invalid orgId", r: run{args: command + " --orgId 4888442A3354817A7320EB61 --file " + good, env: credsFor(srv)}, code: 2,
			stderr: []string{`--orgId "4888442A3354817A7320EB61"`, "lower-case hexadecimal"}},
		{name: "empty orgId", r: run{args: command + " --file " + good, extra: []string{"--orgId", ""}, env: credsFor(srv)}, code: 2,
			stderr: []string{`--orgId ""`}},
		{name: "missing body", r: run{args: command + " --orgId " + orgA, env: credsFor(srv)}, code: 2,
			stderr: []string{"no request body", "--file"}},
		{name: "file and stdin", r: run{args: command + " --orgId " + orgA + " --file " + good, env: credsFor(srv), stdin: ptr(body)}, code: 2,
			stderr: []string{"given twice"}},
		{name: "malformed body", r: run{args: command + " --orgId " + orgA + " --file " + bodyFile(t, "{\n  \"accessListIps\": [\"1.2.3.4\",]\n}")}, code: 2,
			stderr: []string{"line 2, column 32", "malformed JSON"}},
		{name: "mistyped body", r: run{args: command + " --orgId " + orgA + " --file " + bodyFile(t, `{"accessListIps": "1.2.3.4"}`), env: credsFor(srv)}, code: 2,
			stderr: []string{"accessListIps must be an array"}},
		{name: "unknown field", r: run{args: command + " --orgId " + orgA + " --file " + bodyFile(t, `{"accessListIPs": []}`), env: credsFor(srv)}, code: 2,
			stderr: []string{`unknown field "accessListIPs"`}},
		{name: "bad IP", r: run{args: command + " --orgId " + orgA + " --file " + bodyFile(t, `{"accessListIps": ["300.1.1.1"]}`), env: credsFor(srv)}, code: 2,
			stderr: []string{`accessListIps[0] "300.1.1.1"`}},
		{name: "unreadable file", r: run{args: command + " --orgId " + orgA + " --file /nonexistent/body.json", env: credsFor(srv)}, code: 2,
			stderr: []string{"--file", "/nonexistent/body.json", "no such file"}},
		{name: "directory as file", r: run{args: command + " --orgId " + orgA + " --file " + t.TempDir(), env: credsFor(srv)}, code: 2,
			stderr: []string{"is a directory"}},
		{name: "unknown version", r: run{args: command + " --orgId " + orgA + " --file " + good + " --version 2099-01-01", env: credsFor(srv)}, code: 2,
			stderr: []string{`unknown --version "2099-01-01"`, "2023-01-01"}},
		// An api_version from the environment the operation lacks is no longer an error (#11): TestCompatibility.
		{name: "unknown output", r: run{args: command + " --orgId " + orgA + " --file " + good + " --output yaml", env: credsFor(srv)}, code: 2,
			stderr: []string{`unknown --output "yaml"`}},
		{name: "bad template", r: run{args: command + " --orgId " + orgA + " --file " + good, extra: []string{"--output", "{{.linkToken"}, env: credsFor(srv)}, code: 2,
			stderr: []string{"--output"}},
		{name: "no credentials", r: run{args: command + " --orgId " + orgA + " --file " + good, env: map[string]string{"MONGODB_ATLAS_OPS_MANAGER_URL": srv.URL}}, code: 2,
			stderr: []string{"no Atlas credentials", "MONGODB_ATLAS_PUBLIC_API_KEY", "public_api_key"}},
		{name: "unknown profile", r: run{args: command + " -P nope --orgId " + orgA + " --file " + good, env: credsFor(srv)}, code: 2,
			stderr: []string{`profile "nope" not found`}},
		{name: "unknown flag", r: run{args: command + " --orgid " + orgA}, code: 2,
			stderr: []string{"unknown flag: --orgid", "--help"}},
		{name: "wrong key", r: run{args: command + " --orgId " + orgA + " --file " + good, env: wrongKey}, code: 1,
			stderr: []string{"Error: 401 UNAUTHORIZED: "}, stdoutJSON: "UNAUTHORIZED", sent: true},
		{name: "not owner", r: run{args: command + " --orgId " + orgA + " --file " + good, env: notOwner}, code: 1,
			stderr: []string{"Error: 403 USER_UNAUTHORIZED: "}, stdoutJSON: "USER_UNAUTHORIZED", sent: true},
		{name: "unknown org", r: run{args: command + " --orgId dddddddddddddddddddddddd --file " + good, env: credsFor(srv)}, code: 1,
			stderr: []string{"Error: 404 ORG_NOT_FOUND: No organization with ID dddddddddddddddddddddddd exists."}, stdoutJSON: "ORG_NOT_FOUND", sent: true},
		{name: "server 500", r: run{args: command + " --orgId " + orgA + " --file " + good, env: failingEnv}, code: 1,
			stderr: []string{"Error: 500 UNEXPECTED_ERROR: the emulator of a bad day"}, stdoutJSON: "UNEXPECTED_ERROR"},
		{name: "connection refused", r: run{args: command + " --orgId " + orgA + " --file " + good,
			env: map[string]string{"MONGODB_ATLAS_OPS_MANAGER_URL": "http://127.0.0.1:1", "MONGODB_ATLAS_PUBLIC_API_KEY": pub, "MONGODB_ATLAS_PRIVATE_API_KEY": priv}}, code: 1,
			stderr: []string{"connection refused"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := srv.RequestCount()
			res := atlas(t, tc.r)
			if res.code != tc.code {
				t.Errorf("exit %d, want %d (stderr %q)", res.code, tc.code, res.stderr)
			}
			for _, want := range tc.stderr {
				if !strings.Contains(res.stderr, want) {
					t.Errorf("stderr %q lacks %q", res.stderr, want)
				}
			}
			if !strings.HasPrefix(res.stderr, "Error: ") {
				t.Errorf("stderr %q does not start with Error:", res.stderr)
			}
			if tc.stdoutJSON != "" {
				var e struct{ ErrorCode string }
				if err := json.Unmarshal([]byte(res.stdout), &e); err != nil || e.ErrorCode != tc.stdoutJSON {
					t.Errorf("stdout %q, want the server's %s JSON", res.stdout, tc.stdoutJSON)
				}
			} else if res.stdout != "" {
				t.Errorf("stdout %q, want nothing", res.stdout)
			}
			if sent := srv.RequestCount() != before; sent != tc.sent {
				t.Errorf("request reached the emulator: %v, want %v", sent, tc.sent)
			}
			if strings.Contains(res.stderr+res.stdout, priv) {
				t.Error("output leaks the private key")
			}
		})
	}
}

// Every option of the seed document's two tables, with its help text.
var seedOptions = map[string]string{
	"--envelope":    "flag that indicates whether Application wraps the response in an envelope JSON object",
	"--file":        "path to the file which contains the api request contents",
	"-h, --help":    "help for createLinkToken",
	"--orgId":       "unique 24-hexadecimal digit string that identifies the organization that contains your projects",
	"--output":      `preferred api format, can be ["json", go-template]`,
	"--output-file": "file to write the api output to. This flag is required when the output of an endpoint is binary (ex: gzip) and the command is not piped (ex: atlas command > out.zip)",
	"--pretty":      "flag that indicates whether the response body should be in the prettyprint format",
	"--version":     `api version to use when calling the api call [options: "2023-01-01"], defaults to the latest version or the profiles api_version config value if set`,
	"-P, --profile": "Name of the profile to use from your configuration file. To learn about profiles for the Atlas CLI, see https://dochub.mongodb.org/core/atlas-cli-save-connection-settings.",
}

func TestHelpListsEveryOptionOfTheSeed(t *testing.T) {
	t.Parallel()
	res := atlas(t, run{args: command + " --help"})
	// The group is the tag's (cloudMigrationService with the committed document; a renamed tag's old name still
	// works as an alias, but help names the new one).
	if res.code != 0 || !regexp.MustCompile(`atlas api [a-zA-Z]+ createLinkToken \[flags\]`).MatchString(res.stdout) {
		t.Fatalf("exit %d: %s", res.code, res.stdout)
	}
	for name, help := range seedOptions {
		if !strings.Contains(res.stdout, name) || !strings.Contains(res.stdout, help) {
			t.Errorf("help lacks %s: %q", name, help)
		}
	}
	for _, def := range []string{`(default "json")`, `(default "2023-01-01")`} {
		if !strings.Contains(res.stdout, def) {
			t.Errorf("help lacks %s", def)
		}
	}
	for _, hidden := range []string{"--outputFile", "--debug"} {
		if strings.Contains(res.stdout, hidden) {
			t.Errorf("hidden flag %s shown in help", hidden)
		}
	}
}

func TestDebugRedactsSecrets(t *testing.T) {
	t.Parallel()
	srv := emulator(t)
	for _, flag := range []string{"-D", "--debug"} {
		res := atlas(t, run{args: command + " " + flag + " --orgId " + orgA + " --file " + bodyFile(t, body), env: credsFor(srv)})
		if res.code != 0 {
			t.Fatalf("exit %d: %s", res.code, res.stderr)
		}
		token := tokenOf(t, []byte(res.stdout))
		for _, want := range []string{"--- request ---", "--- response ---", "POST /api/atlas/v2/orgs/" + orgA, "HTTP/1.1 401", "HTTP/1.1 201", "Authorization: [REDACTED]", `"linkToken":"[REDACTED]"`} {
			if !strings.Contains(res.stderr, want) {
				t.Errorf("%s: debug output lacks %q", flag, want)
			}
		}
		for _, secret := range []string{priv, token, "response=\""} {
			if strings.Contains(res.stderr, secret) {
				t.Errorf("%s: debug output leaks %q", flag, secret)
			}
		}
	}
}

func TestCompletion(t *testing.T) {
	t.Parallel()
	res := atlas(t, run{args: "completion bash"})
	if res.code != 0 || !strings.Contains(res.stdout, "__start_atlas") {
		t.Fatalf("exit %d: %.200s", res.code, res.stdout)
	}
}

func TestEmulatorCommand(t *testing.T) {
	t.Parallel()
	cmd := exec.Command(filepath.Join(binDir, "atlas-emulator"), "--addr", "127.0.0.1:0",
		"--org-id", orgA, "--public-key", pub, "--private-key", priv)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	first, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil || !strings.HasPrefix(first, "listening on http://127.0.0.1:") {
		t.Fatalf("first line %q (%v)", first, err)
	}
	url := strings.TrimSpace(strings.TrimPrefix(first, "listening on "))
	res := atlas(t, run{args: command + " --orgId " + orgA + " --file " + bodyFile(t, body) + " --output {{.linkToken}}",
		env: map[string]string{"MONGODB_ATLAS_OPS_MANAGER_URL": url, "MONGODB_ATLAS_PUBLIC_API_KEY": pub, "MONGODB_ATLAS_PRIVATE_API_KEY": priv}})
	if res.code != 0 || len(res.stdout) < 64 {
		t.Fatalf("CLI against the emulator process: exit %d %q %s", res.code, res.stdout, res.stderr)
	}
	// A %0A in a path must not forge a log line of its own.
	if resp, err := http.Get(url + "/api/atlas/v2/x%0A2026/01/01%2000:00:00%20POST%20/forged%20201%20auth=ok"); err == nil {
		resp.Body.Close()
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("emulator exit after SIGTERM: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("emulator did not stop within 10 s of SIGTERM")
	}
	log := stderr.String()
	for _, line := range strings.Split(log, "\n") {
		if strings.Contains(line, "forged") && !strings.Contains(line, "x%0A") {
			t.Errorf("a request path forged a log line: %q", line)
		}
	}
	for _, want := range []string{"401 auth=missing", "201 auth=ok", "shutting down", "x%0A2026"} {
		if !strings.Contains(log, want) {
			t.Errorf("emulator log lacks %q:\n%s", want, log)
		}
	}
	if strings.Contains(log, priv) || strings.Contains(log, res.stdout) {
		t.Error("emulator log leaks a secret")
	}
}

func TestEmulatorHelpExitsZero(t *testing.T) {
	t.Parallel()
	var stderr bytes.Buffer
	cmd := exec.Command(filepath.Join(binDir, "atlas-emulator"), "-h")
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("atlas-emulator -h: %v\n%s", err, stderr.String())
	}
	if !strings.Contains(stderr.String(), "-idle-timeout") {
		t.Errorf("usage lacks the flags:\n%s", stderr.String())
	}
}

func TestDeleteLinkTokens(t *testing.T) {
	t.Parallel()
	srv := emulator(t)
	env := credsFor(srv)
	create := atlas(t, run{args: command + " --orgId " + orgA + " --file " + bodyFile(t, body), env: env})
	if create.code != 0 || !srv.Linked(orgA) {
		t.Fatalf("create: exit %d %s", create.code, create.stderr)
	}
	del := atlas(t, run{args: "api cloudMigrationService deleteLinkTokens --orgId " + orgA, env: env})
	if del.code != 0 || del.stdout != "" || del.stderr != "" || srv.Linked(orgA) {
		t.Fatalf("delete: exit %d stdout %q stderr %q linked %v", del.code, del.stdout, del.stderr, srv.Linked(orgA))
	}
	if last := lastRequest(t, srv); last.Method != http.MethodDelete || last.Status != 204 {
		t.Errorf("last request %s → %d", last.Method, last.Status)
	}
	again := atlas(t, run{args: "api cloudMigrationService deleteLinkToken --orgId " + orgA, env: env}) // the alias
	if again.code != 1 || !strings.Contains(again.stderr, "Error: 404 UNEXPECTED_ERROR") || !strings.Contains(again.stdout, `"errorCode":"UNEXPECTED_ERROR"`) {
		t.Errorf("second delete: exit %d stdout %q stderr %q", again.code, again.stdout, again.stderr)
	}
	atlas(t, run{args: command + " --orgId " + orgA + " --file " + bodyFile(t, body), env: env})
	enveloped := atlas(t, run{args: "api cloudMigrationService deleteLinkTokens --envelope --orgId " + orgA, env: env})
	if enveloped.code != 0 || !strings.Contains(enveloped.stdout, `"status":204`) {
		t.Errorf("enveloped delete: exit %d %q %s", enveloped.code, enveloped.stdout, enveloped.stderr)
	}
	if bad := atlas(t, run{args: "api cloudMigrationService deleteLinkTokens --orgId nope", env: env}); bad.code != 2 {
		t.Errorf("invalid orgId: exit %d", bad.code)
	}
	help := atlas(t, run{args: "api cloudMigrationService deleteLinkTokens --help"})
	for _, want := range []string{"--orgId", "--envelope", "--output", "--output-file", "--version", "Aliases:", "deleteLinkToken"} {
		if !strings.Contains(help.stdout, want) {
			t.Errorf("delete help lacks %q", want)
		}
	}
	for _, absent := range []string{"--file", "--pretty"} {
		if strings.Contains(help.stdout, absent) {
			t.Errorf("delete help offers %s, which the operation does not take", absent)
		}
	}
}

func TestServiceAccounts(t *testing.T) {
	t.Parallel()
	srv := emulator(t)
	sa := map[string]string{"MONGODB_ATLAS_OPS_MANAGER_URL": srv.URL, "MONGODB_ATLAS_CLIENT_ID": saID, "MONGODB_ATLAS_CLIENT_SECRET": saSecret}
	both := credsFor(srv)
	both["MONGODB_ATLAS_CLIENT_ID"], both["MONGODB_ATLAS_CLIENT_SECRET"] = saID, saSecret
	file := bodyFile(t, body)
	create := command + " --orgId " + orgA + " --file " + file

	for _, tc := range []struct {
		name       string
		r          run
		wantBearer bool
	}{
		{"service account from env", run{args: create, env: sa}, true},
		{"service account wins over API keys", run{args: create, env: both}, true},
		{"auth_type api_keys forces digest", run{args: create, env: both, config: "[default]\n  auth_type = \"api_keys\"\n"}, false},
		{"service account from profile", run{args: create, env: map[string]string{"MONGODB_ATLAS_OPS_MANAGER_URL": srv.URL},
			config: fmt.Sprintf("[default]\n  client_id = %q\n  client_secret = %q\n", saID, saSecret)}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tokens := srv.TokenRequests()
			res := atlas(t, tc.r)
			if res.code != 0 {
				t.Fatalf("exit %d: %s", res.code, res.stderr)
			}
			auth := lastRequest(t, srv).Header.Get("Authorization")
			if got := strings.HasPrefix(auth, "Bearer "); got != tc.wantBearer {
				t.Errorf("Authorization %.20q…, want bearer %v", auth, tc.wantBearer)
			}
			if want := tokens + map[bool]int{true: 1, false: 0}[tc.wantBearer]; srv.TokenRequests() != want {
				t.Errorf("token requests %d, want %d", srv.TokenRequests(), want)
			}
		})
	}

	wrong := map[string]string{"MONGODB_ATLAS_OPS_MANAGER_URL": srv.URL, "MONGODB_ATLAS_CLIENT_ID": saID, "MONGODB_ATLAS_CLIENT_SECRET": "wrong-secret-123"}
	res := atlas(t, run{args: create, env: wrong})
	if res.code != 1 || !strings.Contains(res.stderr, "Error: 401 invalid_client: the token endpoint rejected service account") ||
		!strings.Contains(res.stdout, `"error":"invalid_client"`) {
		t.Errorf("wrong secret: exit %d stdout %q stderr %q", res.code, res.stdout, res.stderr)
	}
	if strings.Contains(res.stdout+res.stderr, "wrong-secret-123") {
		t.Error("output leaks the client secret")
	}

	debug := atlas(t, run{args: command + " -D --orgId " + orgA + " --file " + file, env: sa})
	if debug.code != 0 {
		t.Fatalf("debug: exit %d %s", debug.code, debug.stderr)
	}
	var issued struct {
		AccessToken string `json:"access_token"`
	}
	for _, r := range srv.Requests() {
		if r.Path == atlastest.TokenPath && r.Status == 200 {
			_ = json.Unmarshal(r.ResponseBody, &issued)
		}
	}
	for _, want := range []string{"POST /api/oauth/token", `"access_token":"[REDACTED]"`, "Authorization: [REDACTED]"} {
		if !strings.Contains(debug.stderr, want) {
			t.Errorf("debug output lacks %q", want)
		}
	}
	for _, secret := range []string{saSecret, issued.AccessToken, tokenOf(t, []byte(debug.stdout))} {
		if secret == "" || strings.Contains(debug.stderr, secret) {
			t.Errorf("debug output leaks a secret (%d chars)", len(secret))
		}
	}
}

func TestReadableConfigWarns(t *testing.T) {
	t.Parallel()
	srv := emulator(t)
	home := t.TempDir()
	config := fmt.Sprintf("[default]\n  public_api_key = %q\n  private_api_key = %q\n  ops_manager_url = %q\n", pub, priv, srv.URL)
	res := atlas(t, run{args: command + " --orgId " + orgA + " --file " + bodyFile(t, body), config: config, home: home})
	if res.code != 0 || strings.Contains(res.stderr, "Warning") {
		t.Fatalf("mode 0600: exit %d stderr %q", res.code, res.stderr)
	}
	if err := os.Chmod(filepath.Join(home, "config", "atlascli", "config.toml"), 0o644); err != nil {
		t.Fatal(err)
	}
	res = atlas(t, run{args: command + " --orgId " + orgA + " --file " + bodyFile(t, body), home: home})
	if res.code != 0 || !strings.HasPrefix(res.stderr, "Warning: ") || !strings.Contains(res.stderr, "chmod 600") {
		t.Errorf("mode 0644: exit %d stderr %q", res.code, res.stderr)
	}
}
