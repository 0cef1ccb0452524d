package cli

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/atlas-linktoken/atlas-linktoken/pkg/atlastest"
)

// A source password that is not UTF-8 would reach Atlas with each invalid byte replaced by U+FFFD: it is refused
// before anything is sent, exit 2, naming where it came from and never showing it.
func TestNonUTF8SourcePasswordIsRefused(t *testing.T) {
	srv, err := atlastest.NewServer()
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	const shown = "nonutf8-pw-" // the password's readable start: it must never appear
	password := shown + "\xe4\xff-7q"
	args := strings.Fields("liveMigrations validation create -u migrator --clusterName " + atlastest.DefaultClusterName +
		" --sourceProjectId " + atlastest.DemoSourceProjectID + " --sourceClusterName rs0 --migrationHost " + atlastest.DemoSourceMigrationHost)
	for _, tc := range []struct {
		source string
		args   []string
		env    map[string]string
		stdin  string
		prompt bool
	}{
		{source: "--sourcePassword", args: []string{"--sourcePassword", password}},
		{source: "environment variable MONGODB_ATLAS_SOURCE_PASSWORD", env: map[string]string{sourcePasswordEnv: password}},
		{source: "standard input", stdin: password + "\n"},
		{source: "the prompt", prompt: true},
	} {
		t.Run(tc.source, func(t *testing.T) {
			vars := map[string]string{"MONGODB_ATLAS_OPS_MANAGER_URL": srv.URL, "MONGODB_ATLAS_PUBLIC_API_KEY": atlastest.DefaultPublicKey,
				"MONGODB_ATLAS_PRIVATE_API_KEY": atlastest.DefaultPrivateKey, "MONGODB_ATLAS_PROJECT_ID": atlastest.DefaultGroupID}
			for k, v := range tc.env {
				vars[k] = v
			}
			var stdout, stderr bytes.Buffer
			env := Environment{Stdin: strings.NewReader(tc.stdin), StdinIsPiped: tc.stdin != "", Stdout: &stdout, Stderr: &stderr, Getenv: envOf(vars)}
			if tc.prompt {
				env.Prompt = func(context.Context, string, bool) (string, error) { return password, nil }
			}
			before := srv.RequestCount()
			code := Run(context.Background(), append(append([]string{}, args...), tc.args...), env)
			out := stdout.String() + stderr.String()
			if code != ExitUsage || !strings.Contains(stderr.String(), "source password from "+tc.source+" is not valid UTF-8") {
				t.Errorf("exit %d: %s", code, stderr.String())
			}
			if strings.Contains(out, shown) || strings.Contains(out, "\ufffd") || strings.Contains(out, "\xff") {
				t.Error("the password was shown")
			}
			if srv.RequestCount() != before {
				t.Error("a request was sent")
			}
		})
	}
}

// The other text the body carries is refused the same way when it is not UTF-8: before anything is sent, exit 2,
// naming the flag and showing the value with the bad bytes escaped.
func TestNonUTF8MigrationFlagsAreRefused(t *testing.T) {
	srv, err := atlastest.NewServer()
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	vars := map[string]string{"MONGODB_ATLAS_OPS_MANAGER_URL": srv.URL, "MONGODB_ATLAS_PUBLIC_API_KEY": atlastest.DefaultPublicKey,
		"MONGODB_ATLAS_PRIVATE_API_KEY": atlastest.DefaultPrivateKey, "MONGODB_ATLAS_PROJECT_ID": atlastest.DefaultGroupID,
		sourcePasswordEnv: "a-password"}
	flags := map[string]string{"sourceUsername": "migrator", "clusterName": atlastest.DefaultClusterName, "sourceClusterName": "rs0",
		"migrationHost": atlastest.DemoSourceMigrationHost, "sourceCACertificatePath": "/etc/ca.pem"}
	for flag := range flags {
		t.Run(flag, func(t *testing.T) {
			args := []string{"liveMigrations", "validation", "create", "--sourceProjectId", atlastest.DemoSourceProjectID}
			for f, v := range flags {
				if f == flag {
					v = "bad\xffvalue"
				}
				args = append(args, "--"+f, v)
			}
			var stdout, stderr bytes.Buffer
			env := Environment{Stdin: strings.NewReader(""), Stdout: &stdout, Stderr: &stderr, Getenv: envOf(vars)}
			before := srv.RequestCount()
			code := Run(context.Background(), args, env)
			if want := "--" + flag + ` "bad\xffvalue" is not valid UTF-8`; code != ExitUsage || !strings.Contains(stderr.String(), want) {
				t.Errorf("exit %d, want %d and %q: %s", code, ExitUsage, want, stderr.String())
			}
			if strings.Contains(stdout.String()+stderr.String(), "\xff") {
				t.Error("the invalid byte was written out")
			}
			if srv.RequestCount() != before {
				t.Error("a request was sent")
			}
		})
	}
}
