package cli

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/atlas-linktoken/atlas-linktoken/pkg/atlas"
)

func writeConfig(t *testing.T, toml string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "atlascli"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "atlascli", "config.toml"), []byte(toml), 0o600); err != nil {
		t.Fatal(err)
	}
	return dir
}

func envOf(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

const twoProfiles = `
[default]
  org_id = "aaaaaaaaaaaaaaaaaaaaaaaa"
  public_api_key = "defpub"
  private_api_key = "defpriv"

[gov]
  org_id = "bbbbbbbbbbbbbbbbbbbbbbbb"
  public_api_key = "govpub"
  private_api_key = "govpriv"
  service = "cloudgov"

[custom]
  base_url = "http://127.0.0.1:9/"
  api_version = "2023-01-01"
`

func TestProfileChoiceAndPrecedence(t *testing.T) {
	dir := writeConfig(t, twoProfiles)
	for _, tc := range []struct {
		name, flag   string
		env          map[string]string
		wantProfile  string
		wantOrg      string
		wantBase     string
		wantPublic   string
		wantErrorSub string
	}{
		{name: "default profile", wantProfile: "default", wantOrg: "aaaaaaaaaaaaaaaaaaaaaaaa", wantBase: cloudURL, wantPublic: "defpub"},
		{name: "flag", flag: "gov", wantProfile: "gov", wantOrg: "bbbbbbbbbbbbbbbbbbbbbbbb", wantBase: cloudGovURL, wantPublic: "govpub"},
		{name: "env profile", env: map[string]string{"MONGODB_ATLAS_PROFILE": "gov"}, wantProfile: "gov", wantOrg: "bbbbbbbbbbbbbbbbbbbbbbbb", wantBase: cloudGovURL, wantPublic: "govpub"},
		{name: "flag beats env profile", flag: "default", env: map[string]string{"MONGODB_ATLAS_PROFILE": "gov"}, wantProfile: "default", wantOrg: "aaaaaaaaaaaaaaaaaaaaaaaa", wantBase: cloudURL, wantPublic: "defpub"},
		{name: "env beats profile keys", env: map[string]string{"MONGODB_ATLAS_ORG_ID": "cccccccccccccccccccccccc", "MONGODB_ATLAS_PUBLIC_API_KEY": "envpub", "MONGODB_ATLAS_OPS_MANAGER_URL": "http://127.0.0.1:1/"},
			wantProfile: "default", wantOrg: "cccccccccccccccccccccccc", wantBase: "http://127.0.0.1:1/", wantPublic: "envpub"},
		{name: "base_url alias", flag: "custom", wantProfile: "custom", wantBase: "http://127.0.0.1:9/"},
		{name: "unknown profile flag", flag: "nope", wantErrorSub: `profile "nope" not found`},
		{name: "unknown env profile", env: map[string]string{"MONGODB_ATLAS_PROFILE": "nope"}, wantErrorSub: "profiles there: custom, default, gov"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := loadConfig(dir, tc.flag, envOf(tc.env))
			if tc.wantErrorSub != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErrorSub) {
					t.Fatalf("want error containing %q, got %v", tc.wantErrorSub, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			base, _, err := cfg.baseURL()
			if err != nil {
				t.Fatal(err)
			}
			if cfg.profileName != tc.wantProfile || cfg.get("org_id") != tc.wantOrg || base != tc.wantBase || cfg.get("public_api_key") != tc.wantPublic {
				t.Errorf("profile %q org %q base %q public %q", cfg.profileName, cfg.get("org_id"), base, cfg.get("public_api_key"))
			}
		})
	}
}

func TestMissingConfigAndCredentialsMessages(t *testing.T) {
	cfg, err := loadConfig(t.TempDir(), "", envOf(nil))
	if err != nil {
		t.Fatalf("a missing config file is an empty configuration: %v", err)
	}
	_, _, err = cfg.authOption()
	for _, want := range []string{"no Atlas credentials", "MONGODB_ATLAS_PUBLIC_API_KEY", "private_api_key", "MONGODB_ATLAS_CLIENT_ID", "client_secret", `profile "default"`, "config.toml"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("credentials error %v does not mention %q", err, want)
		}
	}
	for env, want := range map[string]string{
		"MONGODB_ATLAS_PUBLIC_API_KEY": "public_api_key found but no private_api_key",
		"MONGODB_ATLAS_CLIENT_SECRET":  "client_secret found but no client_id",
	} {
		cfg, _ = loadConfig(t.TempDir(), "", envOf(map[string]string{env: "x"}))
		if _, _, err := cfg.authOption(); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("half a pair via %s: %v", env, err)
		}
	}
	cfg, _ = loadConfig(t.TempDir(), "", envOf(map[string]string{"MONGODB_ATLAS_SERVICE": "moon"}))
	if _, _, err := cfg.baseURL(); err == nil || !strings.Contains(err.Error(), `unknown service "moon"`) {
		t.Errorf("unknown service: %v", err)
	}
	if _, err := loadConfig(writeConfig(t, "[default\nx="), "", envOf(nil)); err == nil || !strings.Contains(err.Error(), "config.toml") {
		t.Errorf("broken TOML: %v", err)
	}
}

// The config file is read within a bound: a device that never ends, or a file far larger than any config, is
// refused with the path and what to check, and nothing hangs.
func TestConfigReadIsBounded(t *testing.T) {
	big := writeConfig(t, "[default]\nx = \""+strings.Repeat("a", maxConfigBytes)+"\"\n")
	if _, err := loadConfig(big, "", envOf(nil)); err == nil || !strings.Contains(err.Error(), "larger than 1 MiB") {
		t.Errorf("a config of over 1 MiB: %v", err)
	}
	if _, err := os.Stat("/dev/zero"); err != nil {
		t.Skip("no /dev/zero")
	}
	dir := t.TempDir()
	_ = os.MkdirAll(filepath.Join(dir, "atlascli"), 0o700)
	if err := os.Symlink("/dev/zero", filepath.Join(dir, "atlascli", "config.toml")); err != nil {
		t.Skip(err)
	}
	if _, err := loadConfig(dir, "", envOf(nil)); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Errorf("config.toml linked to /dev/zero: %v", err)
	}
	fifo := filepath.Join(t.TempDir(), "atlascli")
	_ = os.MkdirAll(fifo, 0o700)
	if err := exec.Command("mkfifo", filepath.Join(fifo, "config.toml")).Run(); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	if _, err := loadConfig(filepath.Dir(fifo), "", envOf(nil)); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Errorf("config.toml a FIFO: %v", err) // (without the check, loadConfig blocks here until the test times out)
	}
}

func TestFormatter(t *testing.T) {
	body := []byte(`{"linkToken":"abc","n":1200000,"f":0.1}`)
	tmplFile := filepath.Join(t.TempDir(), "t.tmpl")
	_ = os.WriteFile(tmplFile, []byte("{{.n}} {{.f}}"), 0o600)
	for _, tc := range []struct {
		output   string
		terminal bool
		want     string
		err      string
	}{
		{output: "json", want: string(body)},
		{output: "json", terminal: true, want: string(body) + "\n"},
		{output: "{{.linkToken}}", want: "abc"},
		{output: "go-template={{.linkToken}}", terminal: true, want: "abc\n"},
		{output: "go-template-file=" + tmplFile, want: "1200000 0.1"},
		{output: "{{.n}}", want: "1200000"},
		{output: "{{.missing}}", err: "missing"},
		{output: "{{.linkToken", err: "--output"},
		{output: "yaml", err: `unknown --output "yaml"`},
		{output: "go-template-file=/nonexistent/t", err: "go-template-file"},
	} {
		f, err := newFormatter(tc.output)
		if err == nil {
			var out []byte
			out, err = f.format(body, tc.terminal, true)
			if err == nil && string(out) != tc.want {
				t.Errorf("%s: %q, want %q", tc.output, out, tc.want)
			}
		}
		if (err != nil) != (tc.err != "") || (err != nil && !strings.Contains(err.Error(), tc.err)) {
			t.Errorf("%s: error %v, want %q", tc.output, err, tc.err)
		}
	}
}

func TestRedact(t *testing.T) {
	dump := "POST /x HTTP/1.1\r\nAuthorization: Digest username=\"pub\", response=\"abc\"\r\nproxy-authorization: Basic eA==\r\n\r\n" +
		`{"linkToken":"s3cr\"et","access_token": "tok","other":"keep"}`
	got := string(redactDump([]byte(dump)))
	for _, secret := range []string{"response=", "eA==", `s3cr`, `"tok"`} {
		if strings.Contains(got, secret) {
			t.Errorf("%q survived redaction:\n%s", secret, got)
		}
	}
	if !strings.Contains(got, `"other":"keep"`) || !strings.Contains(got, "Authorization: [REDACTED]") {
		t.Errorf("redaction removed too much:\n%s", got)
	}
}

// A secret's name is recognised however the body writes it: JSON escapes, another case (encoding/json would still
// fill the field), percent-encoding in a form, in a URL's query or fragment.
func TestRedactSpelledNames(t *testing.T) {
	for _, body := range []string{
		`{"link\u0054oken":"sek-1"}`,
		`{"LINKTOKEN": "sek-1"}`,
		`{"Password" : "sek-1", "other": "keep"}`,
		`{"\u0070assword":"sek-1"}`,
		`client%5Fsecret=sek-1&grant_type=client_credentials`,
		`ACCESS_TOKEN=sek-1`,
		`{"next": "https://cb.example/?x=1&refresh_token=sek-1"}`,
		`{"next": "https://cb.example/#id_token=sek-1"}`,
		`{"a":[":"],"linkToken":"sek-1"}`,
		`{"a":{":":1},"linkToken":"sek-1"}`,
		`{"a": [" : "], "password": "sek-1"}`,
		`{"pa\u017f\u017fword":"sek-1"}`,
		`{"linkToken":"sek-1`,
		`a=1;password=sek-1`,
		`https://h/cb?state=x#access_token=sek-1`,
		`a=1,password=sek-1`,
		`{password=sek-1}`,
		`'password=sek-1'`,
		`(client_secret=sek-1)`,
		`/x/password=sek-1`,
	} {
		if got := string(redactDump([]byte(body))); strings.Contains(got, "sek-1") || !strings.Contains(got, "[REDACTED]") {
			t.Errorf("%s → %s", body, got)
		}
	}
	for _, body := range []string{`{"passwordHint":"keep-1"}`, `mypassword=keep-1`, `{"x":"link\u0054oken"}`} {
		if got := string(redactDump([]byte(body))); got != body {
			t.Errorf("%s → %s: not a secret", body, got)
		}
	}
}

func TestWriteFileAtomic(t *testing.T) {
	path := filepath.Join(t.TempDir(), "token.json")
	_ = os.WriteFile(path, []byte("old"), 0o644)
	if err := writeFileAtomic(path, []byte("new")); err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(path)
	if string(data) != "new" || info.Mode().Perm() != 0o600 {
		t.Errorf("content %q mode %v", data, info.Mode().Perm())
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("temporary files left behind: %v", entries)
	}
	if err := writeFileAtomic(filepath.Join(path, "sub"), []byte("x")); err == nil {
		t.Error("writing below a file succeeded")
	}
}

func TestAuthChoice(t *testing.T) {
	keys := map[string]string{"MONGODB_ATLAS_PUBLIC_API_KEY": "p", "MONGODB_ATLAS_PRIVATE_API_KEY": "k"}
	sa := map[string]string{"MONGODB_ATLAS_CLIENT_ID": "id", "MONGODB_ATLAS_CLIENT_SECRET": "s"}
	merge := func(ms ...map[string]string) map[string]string {
		out := map[string]string{}
		for _, m := range ms {
			for k, v := range m {
				out[k] = v
			}
		}
		return out
	}
	for _, tc := range []struct {
		name string
		env  map[string]string
		want string // "sa", "keys" or an error substring
	}{
		{"keys only", keys, "keys"},
		{"service account only", sa, "sa"},
		{"both: service account wins", merge(keys, sa), "sa"},
		{"auth_type forces keys", merge(keys, sa, map[string]string{"MONGODB_ATLAS_AUTH_TYPE": "api_keys"}), "keys"},
		{"auth_type forces service account", merge(keys, sa, map[string]string{"MONGODB_ATLAS_AUTH_TYPE": "service_account"}), "sa"},
		{"forced service account missing", merge(keys, map[string]string{"MONGODB_ATLAS_AUTH_TYPE": "service_account"}), "no client_id and client_secret"},
		{"unknown auth_type", merge(keys, map[string]string{"MONGODB_ATLAS_AUTH_TYPE": "magic"}), `unknown auth_type "magic"`},
		{"half service account, full keys", merge(keys, map[string]string{"MONGODB_ATLAS_CLIENT_ID": "id"}), "keys"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := loadConfig(t.TempDir(), "", envOf(tc.env))
			if err != nil {
				t.Fatal(err)
			}
			opt, _, err := cfg.authOption()
			if tc.want != "sa" && tc.want != "keys" {
				if err == nil || !strings.Contains(err.Error(), tc.want) {
					t.Fatalf("want error %q, got %v", tc.want, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			// Adding the other kind of credential must make NewClient refuse: that reveals which kind opt is.
			other := atlas.WithDigestAuth("x", "y")
			if tc.want == "keys" {
				other = atlas.WithServiceAccount("x", "y")
			}
			if _, err := atlas.NewClient(opt); err != nil {
				t.Fatalf("chosen option does not build a client: %v", err)
			}
			if _, err := atlas.NewClient(opt, other); err == nil {
				t.Errorf("want %s credentials", tc.want)
			}
		})
	}
}

func TestGroupReadableConfigDrawsAWarning(t *testing.T) {
	dir := writeConfig(t, "[default]\n  org_id = \"aaaaaaaaaaaaaaaaaaaaaaaa\"\n")
	path := filepath.Join(dir, "atlascli", "config.toml")
	cfg, err := loadConfig(dir, "", envOf(nil))
	if err != nil || len(cfg.warnings) != 0 {
		t.Fatalf("mode 0600: warnings %v, err %v", cfg.warnings, err)
	}
	for _, mode := range []os.FileMode{0o640, 0o604} {
		if err := os.Chmod(path, mode); err != nil {
			t.Fatal(err)
		}
		cfg, err := loadConfig(dir, "", envOf(nil))
		if err != nil || len(cfg.warnings) != 1 || !strings.Contains(cfg.warnings[0], "chmod 600") || !strings.Contains(cfg.warnings[0], fmt.Sprintf("%04o", mode)) {
			t.Errorf("mode %04o: warnings %v, err %v", mode, cfg.warnings, err)
		}
	}
}

// A syntax error in config.toml names the file, the line and the key, never the text there: an unquoted secret is
// not repeated, not even its start (the toml library's message quotes the token it stopped at).
func TestConfigSyntaxErrorNeverQuotesAValue(t *testing.T) {
	const secret = "abc-secret-123"
	for _, tc := range []struct {
		name, toml, wantLine, wantKey string
	}{
		{"unquoted value", "[default]\n  public_api_key = \"pub\"\n  private_api_key = " + secret + "\n", "line 3", `key "private_api_key" of profile "default"`},
		{"unquoted value at the top", "private_api_key = " + secret + "\n", "line 1", `key "private_api_key"`},
		{"no equals sign", "[default]\n  private_api_key " + secret + "\n", "line 2", `after key "default"`},
		{"a bare secret on its own line", "[default]\n" + secret + "\n", "line 2", `after key "default"`},
		{"unterminated string", "[default]\n  private_api_key = \"" + secret + "\n", "line 2", `key "private_api_key" of profile "default"`},
		{"bad escape", "[default]\n  private_api_key = \"" + secret + `\q` + "\"\n", "line 2", `key "private_api_key" of profile "default"`},
		{"number then text", "[default]\n  private_api_key = 123" + secret + "\n", "line 2", `after key "default"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := writeConfig(t, tc.toml)
			path := filepath.Join(dir, "atlascli", "config.toml")
			_, err := loadConfig(dir, "", envOf(nil))
			if err == nil {
				t.Fatal("no error")
			}
			msg := strings.ReplaceAll(err.Error(), path, "PATH") // a temporary directory's name may hold "123"
			for n := 3; n <= len(secret); n++ {
				if strings.Contains(msg, secret[:n]) || strings.Contains(msg, secret[len(secret)-n:]) {
					t.Fatalf("the error quotes %d characters of the value", n)
				}
			}
			for _, want := range []string{"PATH", tc.wantLine, tc.wantKey} {
				if !strings.Contains(msg, want) {
					t.Errorf("the error lacks %q: %s", want, msg)
				}
			}
			// The same through the command, on stderr, exit 2.
			var stdout, stderr strings.Builder
			code := Run(t.Context(), []string{"api", "cloudMigrationService", "createLinkToken", "--orgId", "aaaaaaaaaaaaaaaaaaaaaaaa"},
				Environment{Stdin: strings.NewReader(""), Stdout: &stdout, Stderr: &stderr, Getenv: envOf(nil), ConfigDir: dir})
			if code != ExitUsage || !strings.Contains(stderr.String(), path) || strings.Contains(stdout.String()+stderr.String(), secret[:4]) {
				t.Errorf("exit %d, stderr without the path or with the value: %d bytes", code, stderr.Len())
			}
		})
	}
}
