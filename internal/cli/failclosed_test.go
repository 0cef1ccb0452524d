package cli

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/atlas-linktoken/atlas-linktoken/pkg/atlastest"
)

// cliRun runs the CLI in-process with the given settings, stdout going to out (a buffer when nil), both streams
// terminals when terminal is set.
func cliRun(t *testing.T, args string, settings map[string]string, terminal bool, out interface{ Write([]byte) (int, error) }) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	if out == nil {
		out = &stdout
	}
	env := Environment{
		Stdin: strings.NewReader(""), Stdout: out, Stderr: &stderr, CacheDir: t.TempDir(),
		Getenv:           func(k string) string { return settings[k] },
		StdoutIsTerminal: terminal, StderrIsTerminal: terminal,
	}
	code := Run(context.Background(), strings.Fields(args), env)
	return code, stdout.String(), stderr.String()
}

func emulatorSettings(url string) map[string]string {
	return map[string]string{"MONGODB_ATLAS_OPS_MANAGER_URL": url, "MONGODB_ATLAS_PUBLIC_API_KEY": atlastest.DefaultPublicKey,
		"MONGODB_ATLAS_PRIVATE_API_KEY": atlastest.DefaultPrivateKey, "MONGODB_ATLAS_ORG_ID": atlastest.DefaultOrgID,
		"MONGODB_ATLAS_PROJECT_ID": atlastest.DefaultGroupID}
}

func newTestEmulator(t *testing.T) *atlastest.Server {
	t.Helper()
	srv, err := atlastest.NewServer()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	return srv
}

// Server text shown on a terminal cannot steer it; on a pipe it stays byte for byte as Atlas sent it.
func TestServerTextIsHarmlessOnATerminal(t *testing.T) {
	srv := newTestEmulator(t)
	body := []byte("{\"error\":404,\"errorCode\":\"ORG_NOT_FOUND\",\"detail\":\"gone\\u001b[2K\\rError: none, all good \u009b31m\"}")
	fault := atlastest.Fault{Status: 404, Header: http.Header{"Content-Type": {"application/json"}}, Body: body}
	for _, terminal := range []bool{true, false} {
		srv.InjectFaults(fault)
		code, stdout, stderr := cliRun(t, "api cloudMigrationService listAvailableProjects", emulatorSettings(srv.URL), terminal, nil)
		if code != ExitFailure {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		raw := strings.ContainsAny(stdout+stderr, "\x1b\r\u009b")
		switch {
		case terminal && raw:
			t.Errorf("a terminal got control characters: stdout %q stderr %q", stdout, stderr)
		case terminal && !strings.Contains(stderr, `gone\x1b[2K\x0dError: none, all good \u009b31m`):
			t.Errorf("the detail is not shown escaped: %q", stderr)
		case !terminal && !bytes.Equal([]byte(stdout), body):
			t.Errorf("a pipe did not get the body byte for byte: %q", stdout)
		}
	}
}

// A template that names a key the answer lacks through index is refused before anything is sent.
func TestTemplatesThatPrintNoValueAreRefusedBeforeSending(t *testing.T) {
	srv := newTestEmulator(t)
	for _, args := range [][]string{
		{"api", "cloudMigrationService", "createLinkToken"},
		{"liveMigrations", "link", "create", "--accessListIp", "203.0.113.7"},
	} {
		before := srv.RequestCount()
		settings := emulatorSettings(srv.URL)
		var stderr bytes.Buffer
		env := Environment{Stdin: strings.NewReader(`{"accessListIps":["203.0.113.7"]}`), StdinIsPiped: true, Stdout: &bytes.Buffer{},
			Stderr: &stderr, Getenv: func(k string) string { return settings[k] }}
		code := Run(context.Background(), append(args, "-o", `{{index . "token"}}`), env)
		if code != ExitUsage || !strings.Contains(stderr.String(), "<no value>") {
			t.Errorf("%v: exit %d %s", args, code, stderr.String())
		}
		if srv.RequestCount() != before {
			t.Errorf("%v: a request was sent", args)
		}
	}
}

// failingWriter is a full disk.
type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) {
	return 0, &os.PathError{Op: "write", Path: "/dev/stdout", Err: syscall.ENOSPC}
}

var tokenField = regexp.MustCompile(`"linkToken"\s*:\s*"([^"]+)"`)

// When stdout fails after Atlas acted, the answer is kept in a 0600 file the message names, never shown.
func TestAnAnswerStdoutRefusedIsKept(t *testing.T) {
	srv := newTestEmulator(t)
	for _, args := range []string{"api cloudMigrationService createLinkToken", "liveMigrations link create --accessListIp 203.0.113.7 -o json"} {
		settings := emulatorSettings(srv.URL)
		var stderr bytes.Buffer
		env := Environment{Stdin: strings.NewReader(`{"accessListIps":["203.0.113.7"]}`), StdinIsPiped: true, Stdout: failingWriter{},
			Stderr: &stderr, CacheDir: t.TempDir(), Getenv: func(k string) string { return settings[k] }}
		code := Run(context.Background(), strings.Fields(args), env)
		if code != ExitUnwritten || !strings.Contains(stderr.String(), "no space left on device") || !regexp.MustCompile(`the link-token was created|Atlas acted on the request`).MatchString(stderr.String()) {
			t.Fatalf("%s: exit %d %s", args, code, stderr.String())
		}
		path := regexp.MustCompile(`kept in (\S+) \(mode 0600\)`).FindStringSubmatch(stderr.String())
		if path == nil {
			t.Fatalf("%s: no file named: %s", args, stderr.String())
		}
		info, err := os.Stat(path[1])
		if err != nil || info.Mode().Perm() != 0o600 {
			t.Fatalf("%s: %v %v", args, info, err)
		}
		data, _ := os.ReadFile(path[1])
		token := tokenField.FindSubmatch(data)
		if token == nil {
			t.Fatalf("%s: the kept file holds no link-token", args)
		}
		if strings.Contains(stderr.String(), string(token[1])) {
			t.Errorf("%s: the link-token was printed", args)
		}
	}
}

// scriptedAtlas answers each request by method and path suffix; counts says how many arrived per key.
func scriptedAtlas(t *testing.T, answers map[string]func(w http.ResponseWriter)) (*httptest.Server, func(string) int) {
	t.Helper()
	var mu sync.Mutex
	counts := map[string]int{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for key, answer := range answers {
			method, suffix, _ := strings.Cut(key, " ")
			if r.Method == method && strings.HasSuffix(r.URL.Path, suffix) {
				mu.Lock()
				counts[key]++
				mu.Unlock()
				answer(w)
				return
			}
		}
		w.WriteHeader(http.StatusTeapot)
	}))
	t.Cleanup(srv.Close)
	return srv, func(key string) int { mu.Lock(); defer mu.Unlock(); return counts[key] }
}

func jsonAnswer(status int, body string) func(http.ResponseWriter) {
	return func(w http.ResponseWriter) {
		w.Header().Set("Content-Type", "application/vnd.atlas.2023-01-01+json")
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	}
}

const migrationID = "6a0b1c2d3e4f5a6b7c8d9e01"

// The cutover started: whatever fails afterwards, the command says so and exits 3.
func TestCutoverStartedIsSaidWhenTheReadFails(t *testing.T) {
	srv, _ := scriptedAtlas(t, map[string]func(http.ResponseWriter){
		"PUT /cutover":        jsonAnswer(202, ""),
		"GET /" + migrationID: jsonAnswer(500, `{"error":500,"errorCode":"UNEXPECTED_ERROR","detail":"bad day"}`),
	})
	code, _, stderr := cliRun(t, "liveMigrations cutover --liveMigrationId "+migrationID+" -o json", emulatorSettings(srv.URL), false, nil)
	if code != ExitUnwritten || !strings.Contains(stderr, "started (Atlas answered 202 Accepted)") || !strings.Contains(stderr, "UNEXPECTED_ERROR") {
		t.Errorf("exit %d: %s", code, stderr)
	}
}

// Behind a proxy serving Atlas below a path prefix, a 503 never re-sends a cutover (the operation travels with the
// request, whatever the URL).
func TestCutoverIsNotResentBehindAPathPrefix(t *testing.T) {
	srv, count := scriptedAtlas(t, map[string]func(http.ResponseWriter){
		"PUT /cutover": jsonAnswer(503, `{"error":503,"errorCode":"SERVICE_UNAVAILABLE"}`),
	})
	code, _, stderr := cliRun(t, "liveMigrations cutover --liveMigrationId "+migrationID, emulatorSettings(srv.URL+"/atlas/"), false, nil)
	if code != ExitFailure || count("PUT /cutover") != 1 {
		t.Errorf("exit %d after %d PUTs, want 1 and exit 1: %s", code, count("PUT /cutover"), stderr)
	}
	code, _, stderr = cliRun(t, "api cloudMigrationService cutoverMigration --groupId "+atlastest.DefaultGroupID+" --liveMigrationId "+migrationID,
		emulatorSettings(srv.URL+"/atlas/"), false, nil)
	if code != ExitFailure || count("PUT /cutover") != 2 {
		t.Errorf("api command: exit %d after %d PUTs in all, want 2: %s", code, count("PUT /cutover"), stderr)
	}
}

// Waits fail closed, and a negative --watch-timeout is refused before anything is sent.
func TestWatchesFailClosed(t *testing.T) {
	srv, count := scriptedAtlas(t, map[string]func(http.ResponseWriter){
		"GET /validate/" + migrationID: jsonAnswer(200, `{"_id":"`+migrationID+`","status":"CANCELLED"}`),
	})
	code, _, stderr := cliRun(t, "liveMigrations validation describe --validationId "+migrationID+" --watch --watch-interval 1ms", emulatorSettings(srv.URL), false, nil)
	if code == ExitOK || !strings.Contains(stderr, `"CANCELLED"`) {
		t.Errorf("a CANCELLED validation: exit %d: %s", code, stderr)
	}
	before := count("GET /validate/" + migrationID)
	code, _, stderr = cliRun(t, "liveMigrations validation describe --validationId "+migrationID+" --watch --watch-timeout -5m", emulatorSettings(srv.URL), false, nil)
	if code != ExitUsage || !strings.Contains(stderr, "--watch-timeout -5m0s is negative") || count("GET /validate/"+migrationID) != before {
		t.Errorf("--watch-timeout -5m: exit %d: %s", code, stderr)
	}
}

// An unusable 2xx to an action is shown, with exit 3: link create no longer hides it.
func TestLinkCreateShowsAnUnusableAnswer(t *testing.T) {
	srv, _ := scriptedAtlas(t, map[string]func(http.ResponseWriter){
		"POST /linkTokens": jsonAnswer(201, `{"linkToken":5}`),
	})
	code, stdout, stderr := cliRun(t, "liveMigrations link create --accessListIp 203.0.113.7", emulatorSettings(srv.URL), false, nil)
	if code != ExitUnwritten || stdout != `{"linkToken":5}` || !strings.Contains(stderr, "201") {
		t.Errorf("exit %d stdout %q stderr %s", code, stdout, stderr)
	}
}
