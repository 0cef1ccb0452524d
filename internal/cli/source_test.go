package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/atlas-linktoken/atlas-linktoken/pkg/atlastest"
)

const sourceOrg = "5e2211c17a3e5a48f5497de1"

// fakeSource plays Cloud Manager's liveExport endpoints beside the Atlas emulator on one host, as cloud.mongodb.com
// serves both; connect answers with connectStatus.
type fakeSource struct {
	mu            sync.Mutex
	tokens        []string
	status        string
	connectStatus int
}

func (f *fakeSource) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	switch {
	case r.Method == http.MethodPost:
		var body struct{ LinkToken string }
		data, _ := io.ReadAll(r.Body)
		_ = json.Unmarshal(data, &body)
		f.tokens = append(f.tokens, body.LinkToken)
		if f.connectStatus != http.StatusCreated {
			w.WriteHeader(f.connectStatus)
			_, _ = w.Write([]byte(`{"error":500,"errorCode":"UNEXPECTED_ERROR","detail":"the source had a bad day"}`))
			return
		}
		f.status = "SYNCED"
		w.WriteHeader(http.StatusCreated)
		_, _ = w.Write([]byte(`{"status":"SYNCED"}`))
	case r.Method == http.MethodGet:
		_, _ = w.Write([]byte(`{"status":"` + f.status + `"}`))
	case r.Method == http.MethodDelete:
		f.status = "NOT_SYNCED"
		w.WriteHeader(http.StatusNoContent)
	}
}

// bothSides is one host serving the Atlas emulator and a fake Cloud Manager source, and a config.toml whose profile
// "src" holds the source's credentials.
func bothSides(t *testing.T, connectStatus int) (*atlastest.Server, *fakeSource, string, Environment, *bytes.Buffer, *bytes.Buffer) {
	t.Helper()
	emu := newTestEmulator(t)
	target, _ := url.Parse(emu.URL)
	source := &fakeSource{status: "NOT_SYNCED", connectStatus: connectStatus}
	mux := http.NewServeMux()
	mux.Handle("/api/public/v1.0/", source)
	mux.Handle("/", httputil.NewSingleHostReverseProxy(target))
	host := httptest.NewServer(mux)
	t.Cleanup(host.Close)
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "atlascli"), 0o700); err != nil {
		t.Fatal(err)
	}
	config := "[src]\npublic_api_key = \"srcpub\"\nprivate_api_key = \"src-private-key\"\nops_manager_url = \"" + host.URL + "/\"\norg_id = \"" + sourceOrg + "\"\n"
	if err := os.WriteFile(filepath.Join(dir, "atlascli", "config.toml"), []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	settings := emulatorSettings(host.URL)
	var stdout, stderr bytes.Buffer
	env := Environment{Stdin: strings.NewReader(""), Stdout: &stdout, Stderr: &stderr, ConfigDir: dir, CacheDir: t.TempDir(),
		Getenv: func(k string) string { return settings[k] }}
	return emu, source, host.URL, env, &stdout, &stderr
}

// lastLinkToken is the link-token the emulator issued last.
func lastLinkToken(t *testing.T, emu *atlastest.Server) string {
	t.Helper()
	for i := len(emu.Requests()) - 1; i >= 0; i-- {
		r := emu.Requests()[i]
		var answer struct{ LinkToken string }
		if r.Method == http.MethodPost && json.Unmarshal(r.ResponseBody, &answer) == nil && answer.LinkToken != "" {
			return answer.LinkToken
		}
	}
	t.Fatal("the emulator issued no link-token")
	return ""
}

// One command links both sides: the link-token goes from Atlas to the source, and appears in no output.
func TestHandshakeLinksBothSidesWithoutShowingTheToken(t *testing.T) {
	emu, source, _, env, stdout, stderr := bothSides(t, http.StatusCreated)
	args := strings.Fields("liveMigrations link create --accessListIp 203.0.113.7 --sourceOrgId " + sourceOrg + " --sourceProfile src")
	if code := Run(context.Background(), args, env); code != ExitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	token := lastLinkToken(t, emu)
	if len(source.tokens) != 1 || source.tokens[0] != token {
		t.Fatalf("the source got %d tokens, not the one Atlas issued", len(source.tokens))
	}
	if out := stdout.String() + stderr.String(); strings.Contains(out, token) || !strings.Contains(out, "'SYNCED'") {
		t.Errorf("output %q: want SYNCED and no link-token", out)
	}
	stdout.Reset()
	args = strings.Fields("liveMigrations link describe --sourceOrgId " + sourceOrg + " --sourceProfile src -o json")
	if code := Run(context.Background(), args, env); code != ExitOK || !strings.Contains(stdout.String(), `"Status": "SYNCED"`) && !strings.Contains(stdout.String(), `"status": "SYNCED"`) {
		t.Errorf("link describe: exit %d %s %s", code, stdout, stderr)
	}
	// mongocli's commands on the source side.
	for _, tc := range []struct{ args, want string }{
		{"cloud-manager liveMigrations link describe -P src", "Organization Link status: 'SYNCED'\n"},
		{"ops-manager lm link get -P src", "Organization Link status: 'SYNCED'\n"},
		{"cloud-manager liveMigrations link rm -P src --force", "Link-token " + sourceOrg + " successfully deleted\n"},
		{"cloud-manager liveMigrations link describe -P src", "Organization Link status: 'NOT_SYNCED'\n"},
	} {
		stdout.Reset()
		srcEnv := env
		srcEnv.Getenv = func(string) string { return "" }
		if code := Run(context.Background(), strings.Fields(tc.args), srcEnv); code != ExitOK || stdout.String() != tc.want {
			t.Errorf("%s: exit %d %q, want %q (%s)", tc.args, code, stdout, tc.want, stderr)
		}
	}
}

// When the source refuses, the Atlas link is deleted again: nothing half-linked, no credential left, exit 1.
func TestHandshakeUndoesTheAtlasLinkWhenTheSourceFails(t *testing.T) {
	emu, source, _, env, stdout, stderr := bothSides(t, http.StatusInternalServerError)
	args := strings.Fields("liveMigrations link create --accessListIp 203.0.113.7 --sourceOrgId " + sourceOrg + " --sourceProfile src")
	if code := Run(context.Background(), args, env); code != ExitFailure || !strings.Contains(stderr.String(), "the Atlas link was deleted again") {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	token := lastLinkToken(t, emu)
	if strings.Contains(stdout.String()+stderr.String(), token) || len(source.tokens) != 1 {
		t.Error("the link-token was shown, or not sent to the source")
	}
	last := emu.Requests()[len(emu.Requests())-1]
	if last.Method != http.MethodDelete || last.Status != http.StatusNoContent {
		t.Errorf("the Atlas link was not deleted: last request %s %d", last.Method, last.Status)
	}
}

// A link-token passed to the source-side create comes from the environment or standard input without a warning,
// from the flag with one, and is never printed.
func TestSourceLinkCreateTakesTheTokenQuietly(t *testing.T) {
	_, source, _, env, stdout, stderr := bothSides(t, http.StatusCreated)
	env.Getenv = func(k string) string { return map[string]string{linkTokenEnv: "token-from-env"}[k] }
	if code := Run(context.Background(), strings.Fields("cloud-manager liveMigrations link create -P src"), env); code != ExitOK ||
		stdout.String() != sourceLinkCreated || strings.Contains(stderr.String(), "token-from-env") {
		t.Fatalf("exit %d %q %q", code, stdout, stderr)
	}
	stdout.Reset()
	env.Getenv = func(string) string { return "" }
	env.Stdin, env.StdinIsPiped = strings.NewReader("token-from-stdin\n"), true
	if code := Run(context.Background(), strings.Fields("cloud-manager liveMigrations link create -P src"), env); code != ExitOK {
		t.Fatalf("stdin: exit %d %s", code, stderr)
	}
	if len(source.tokens) != 2 || source.tokens[0] != "token-from-env" || source.tokens[1] != "token-from-stdin" {
		t.Errorf("tokens sent: %d", len(source.tokens))
	}
	env.Stdin, env.StdinIsPiped = strings.NewReader(""), false
	if code := Run(context.Background(), strings.Fields("cloud-manager liveMigrations link create -P src"), env); code != ExitUsage ||
		!strings.Contains(stderr.String(), linkTokenEnv) {
		t.Errorf("no token: exit %d %s", code, stderr)
	}
}

// Where scripts meet the official CLI: a profile's or environment's output applies to the liveMigrations tree
// (json, a template) and not to `atlas api` (which ignores a go-template there and prints JSON).
func TestOutputFromTheEnvironmentAsTheOfficialCLI(t *testing.T) {
	emu := newTestEmulator(t)
	for _, tc := range []struct{ output, args, want string }{
		{"json", "liveMigrations link create --accessListIp 203.0.113.7", "{\n  \"linkToken\": "},
		{"go-template={{len .LinkToken}}", "liveMigrations link create --accessListIp 203.0.113.7", ""},
		{"go-template={{len .linkToken}}", "api cloudMigrationService createLinkToken", `{"linkToken":`},
	} {
		settings := emulatorSettings(emu.URL)
		settings["MONGODB_ATLAS_OUTPUT"] = tc.output
		var stdout, stderr bytes.Buffer
		env := Environment{Stdin: strings.NewReader(`{"accessListIps":["203.0.113.7"]}`), StdinIsPiped: true, Stdout: &stdout, Stderr: &stderr,
			Getenv: func(k string) string { return settings[k] }}
		if code := Run(context.Background(), strings.Fields(tc.args), env); code != ExitOK {
			t.Fatalf("%s with output %s: exit %d %s", tc.args, tc.output, code, stderr.String())
		}
		got := stdout.String()
		switch {
		case tc.want != "" && !strings.HasPrefix(got, tc.want):
			t.Errorf("%s with output %s: %q, want it to start with %q", tc.args, tc.output, got, tc.want)
		case tc.want == "" && (strings.Contains(got, "linkToken") || len(strings.TrimSpace(got)) == 0):
			t.Errorf("%s with output %s: %q, want the template's output", tc.args, tc.output, got)
		}
	}
}
