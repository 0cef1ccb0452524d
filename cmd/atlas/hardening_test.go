package main_test

import (
	"bytes"
	"io"
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

	"github.com/atlas-linktoken/atlas-linktoken/pkg/atlastest"
)

// --debug shows headers and a capped body, and redacts a token endpoint's form-encoded answer too.
func TestDebugIsBoundedAndRedactsFormTokens(t *testing.T) {
	t.Parallel()
	const formToken = "formtoken-0123456789abcdef"
	huge := bytes.Repeat([]byte(" "), 16<<20)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == atlastest.TokenPath {
			w.Header().Set("Content-Type", "application/x-www-form-urlencoded")
			_, _ = w.Write([]byte("access_token=" + formToken + "&token_type=bearer&expires_in=3600"))
			return
		}
		w.Header().Set("Content-Type", "application/vnd.atlas.2023-01-01+json")
		w.WriteHeader(http.StatusCreated)
		_, _ = w.Write([]byte(`{"linkToken":"x"`))
		_, _ = w.Write(huge) // 16 MiB of padding
		_, _ = w.Write([]byte(`}`))
	}))
	defer srv.Close()
	res := atlas(t, run{args: command + " -D --orgId " + orgA + " --file " + bodyFile(t, body),
		env: map[string]string{"MONGODB_ATLAS_OPS_MANAGER_URL": srv.URL, "MONGODB_ATLAS_CLIENT_ID": "id", "MONGODB_ATLAS_CLIENT_SECRET": saSecret}})
	if res.code == 0 {
		t.Errorf("a 16 MiB answer was accepted")
	}
	if strings.Contains(res.stderr, formToken) || !strings.Contains(res.stderr, "access_token=[REDACTED]") {
		t.Errorf("--debug shows the form-encoded access token:\n%.2000s", res.stderr)
	}
	if len(res.stderr) > 1<<20 || !strings.Contains(res.stderr, "body cut at") {
		t.Errorf("--debug printed %d bytes for a 16 MiB answer: the body must be cut", len(res.stderr))
	}
}

// Every check that can be made is made before sending: output file, template, body. Nothing reaches the server.
func TestOutputProblemsAreCaughtBeforeSending(t *testing.T) {
	t.Parallel()
	srv := emulator(t)
	dir := t.TempDir()
	notDir := filepath.Join(dir, "plain-file")
	if err := os.WriteFile(notDir, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		extra []string
		want  string
	}{
		{"output file in a missing directory", []string{"--output-file", filepath.Join(dir, "missing", "token.txt")}, "does not exist"},
		{"output file is a directory", []string{"--output-file", dir}, "is a directory"},
		{"output file under a regular file", []string{"--output-file", filepath.Join(notDir, "token.txt")}, "not a directory"},
		{"misspelt template key", []string{"-o", "{{.LinkToken}}"}, `map has no entry for key "LinkToken"`},
		{"misspelt key in go-template", []string{"-o", "go-template={{.content.linkToken}}"}, "content"},
		{"template file without bound", []string{"-o", "go-template-file=/dev/zero"}, "exceeds"},
		{"accessListIps null", []string{"--file", bodyFile(t, `{"accessListIps": null}`)}, "accessListIps"},
	} {
		args := append([]string{"--orgId", orgA}, tc.extra...)
		if tc.name != "accessListIps null" {
			args = append(args, "--file", bodyFile(t, body))
		}
		before := srv.RequestCount()
		res := atlas(t, run{args: command, extra: args, env: credsFor(srv)})
		if res.code != 2 || !strings.Contains(res.stderr, tc.want) {
			t.Errorf("%s: exit %d, stderr %q; want 2 and %q", tc.name, res.code, res.stderr, tc.want)
		}
		if srv.RequestCount() != before {
			t.Errorf("%s: a request was sent", tc.name)
		}
	}
}

// When writing fails after Atlas answered 201, the answer goes to stdout verbatim, stderr says the link-token was
// created, and the exit code is 3.
func TestAnswerIsNeverLostAfterAtlasActed(t *testing.T) {
	t.Parallel()
	srv := emulator(t)
	dir := filepath.Join(t.TempDir(), "out")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	// The directory exists when the CLI checks it, and is gone when the answer arrives.
	srv.InjectFaults(atlastest.Fault{HeaderDelay: 2 * time.Second}, atlastest.Fault{HeaderDelay: 2 * time.Second})
	go func() {
		for i := 0; i < 400 && srv.RequestCount() == 0; i++ {
			time.Sleep(5 * time.Millisecond)
		}
		_ = os.RemoveAll(dir)
	}()
	res := atlas(t, run{args: command + " --orgId " + orgA + " --file " + bodyFile(t, body) + " --output-file " + filepath.Join(dir, "token.json"), env: credsFor(srv)})
	if res.code != 3 {
		t.Fatalf("exit %d, want 3; stderr %s", res.code, res.stderr)
	}
	if tokenOf(t, []byte(res.stdout)) == "" {
		t.Errorf("the answer is not on stdout verbatim: %q", res.stdout)
	}
	// "the link-token was created" with the committed summary ("Create One Link-Token"); the generic words otherwise.
	if !regexp.MustCompile(`the link-token was created|Atlas acted on the request`).MatchString(res.stderr) || !strings.Contains(res.stderr, "could not be written") {
		t.Errorf("stderr does not say plainly what happened: %s", res.stderr)
	}
}

// A 2xx answer without a usable link-token is an error that shows the body. Atlas acted (the link-token may exist),
// so the exit code is 3 (issue "Nothing lost, nothing injected" changed it from 1: a script must not simply retry).
func TestSuccessWithoutALinkTokenFails(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, contentType, body string }{
		{"empty", "application/vnd.atlas.2023-01-01+json", ""},
		{"HTML", "text/html", "<html>gateway says hi</html>"},
		{"truncated JSON", "application/vnd.atlas.2023-01-01+json", `{"linkTok`},
		{"other JSON", "application/vnd.atlas.2023-01-01+json", `{"hello":"world"}`},
		{"empty token", "application/vnd.atlas.2023-01-01+json", `{"linkToken":""}`},
	} {
		srv := emulator(t)
		srv.InjectFaults(atlastest.Fault{Status: 201, Header: http.Header{"Content-Type": {tc.contentType}}, Body: []byte(tc.body)})
		res := atlas(t, run{args: command + " --orgId " + orgA + " --file " + bodyFile(t, body), env: credsFor(srv)})
		if res.code != 3 || res.stdout != tc.body || !strings.Contains(res.stderr, "201") || !strings.Contains(res.stderr, "may have been created") {
			t.Errorf("%s: exit %d stdout %q stderr %q; want exit 3, the body on stdout and a plain message", tc.name, res.code, res.stdout, res.stderr)
		}
	}
}

// Mistyped commands fail at every level, with a suggestion, whatever flags follow.
func TestUnknownCommandsFail(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ args, want string }{
		{"api cloudMigrationService createLinkTokn", "createLinkToken"},
		{"api cloudMigrationService createLinkTokn --orgId " + orgA + " --file x", "createLinkToken"},
		{"api cloudMigrationServic createLinkToken", "cloudMigrationService"},
		{"apj", "api"},
		{"completion tcsh", `unknown command "tcsh"`},
	} {
		res := atlas(t, run{args: tc.args})
		if res.code == 0 || !strings.Contains(res.stderr, "unknown command") || !strings.Contains(res.stderr, tc.want) {
			t.Errorf("atlas %s: exit %d, stderr %q; want non-zero, unknown command and %q", tc.args, res.code, res.stderr, tc.want)
		}
	}
	if res := atlas(t, run{args: "api cloudMigrationService"}); res.code != 0 || !strings.Contains(res.stdout, "createLinkToken") {
		t.Errorf("a group command alone should print its help and exit 0: %d %q", res.code, res.stderr)
	}
}

// Ctrl-C exits 130 at once, even while stdin is open, and says whether a request was in flight.
func TestInterruptExits130(t *testing.T) {
	t.Parallel()
	srv, err := atlastest.NewServer(atlastest.WithAPIKey(pub, priv, orgA), atlastest.WithLatency(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	for _, tc := range []struct {
		name     string
		args     string
		inFlight bool
	}{
		{"reading an open stdin", command + " --orgId " + orgA, false},
		{"request in flight", command + " --orgId " + orgA + " --file " + bodyFile(t, body), true},
	} {
		cmd := exec.Command(filepath.Join(binDir, "atlas"), strings.Fields(tc.args)...)
		cmd.Env = []string{"HOME=" + t.TempDir(), "XDG_CONFIG_HOME=" + t.TempDir(), "MONGODB_ATLAS_OPS_MANAGER_URL=" + srv.URL,
			"MONGODB_ATLAS_PUBLIC_API_KEY=" + pub, "MONGODB_ATLAS_PRIVATE_API_KEY=" + priv}
		stdin, err := cmd.StdinPipe() // a pipe kept open: the CLI waits for a body that never ends
		if err != nil {
			t.Fatal(err)
		}
		defer stdin.Close()
		if tc.inFlight {
			cmd.Stdin = nil
			cmd.Stdin, _ = os.Open(os.DevNull)
		}
		var stderr bytes.Buffer
		cmd.Stderr, cmd.Stdout = &stderr, io.Discard
		before := srv.RequestCount()
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		if tc.inFlight {
			for i := 0; i < 1000 && srv.RequestCount() == before; i++ {
				time.Sleep(5 * time.Millisecond)
			}
		} else {
			time.Sleep(300 * time.Millisecond) // let it start reading stdin
		}
		_ = cmd.Process.Signal(syscall.SIGINT)
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			_ = cmd.Process.Kill()
			t.Fatalf("%s: still running 20 s after SIGINT", tc.name)
		}
		want := "nothing was sent"
		if tc.inFlight {
			want = "in flight"
		}
		if code := cmd.ProcessState.ExitCode(); code != 130 || !strings.Contains(stderr.String(), want) {
			t.Errorf("%s: exit %d, stderr %q; want 130 and %q", tc.name, code, stderr.String(), want)
		}
	}
}

// The plain-http refusal speaks to a CLI user, naming where the URL came from.
func TestPlainHTTPRefusalNamesACLIRemedy(t *testing.T) {
	t.Parallel()
	res := atlas(t, run{args: command + " --orgId " + orgA + " --file " + bodyFile(t, body),
		env: map[string]string{"MONGODB_ATLAS_OPS_MANAGER_URL": "http://cloud.example.com/", "MONGODB_ATLAS_PUBLIC_API_KEY": pub, "MONGODB_ATLAS_PRIVATE_API_KEY": priv}})
	if res.code != 2 || strings.Contains(res.stderr, "WithInsecureHTTP") || !strings.Contains(res.stderr, "MONGODB_ATLAS_OPS_MANAGER_URL") ||
		!strings.Contains(res.stderr, "https://cloud.example.com/") {
		t.Errorf("exit %d, stderr %q", res.code, res.stderr)
	}
}
