package cli

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/atlas-linktoken/atlas-linktoken/pkg/atlas"
	"github.com/atlas-linktoken/atlas-linktoken/pkg/atlastest"
)

// On a terminal, a missing source password is asked for without echo and sent, never printed; --drop asks for
// confirmation, and "no" sends nothing.
func TestSourcePasswordPromptAndDropConfirmation(t *testing.T) {
	srv, err := atlastest.NewServer()
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	const secret = "prompted-secret-42"
	var asked []string
	answers := map[bool]string{true: secret, false: "no"}
	var stdout, stderr bytes.Buffer
	env := Environment{
		Stdin: strings.NewReader(""), Stdout: &stdout, Stderr: &stderr,
		Getenv: func(k string) string {
			return map[string]string{"MONGODB_ATLAS_OPS_MANAGER_URL": srv.URL, "MONGODB_ATLAS_PUBLIC_API_KEY": atlastest.DefaultPublicKey,
				"MONGODB_ATLAS_PRIVATE_API_KEY": atlastest.DefaultPrivateKey, "MONGODB_ATLAS_PROJECT_ID": atlastest.DefaultGroupID}[k]
		},
		Prompt: func(_ context.Context, q string, secretAnswer bool) (string, error) {
			asked = append(asked, q)
			return answers[secretAnswer], nil
		},
	}
	args := strings.Fields("liveMigrations validation create -u migrator --clusterName " + atlastest.DefaultClusterName +
		" --sourceProjectId " + atlastest.DemoSourceProjectID + " --sourceClusterName rs0 --migrationHost " + atlastest.DemoSourceMigrationHost)
	if code := Run(context.Background(), args, env); code != ExitOK {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if len(asked) != 1 || asked[0] != "Source password: " {
		t.Errorf("prompts %q", asked)
	}
	reqs := srv.Requests()
	if last := reqs[len(reqs)-1]; !bytes.Contains(last.Body, []byte(`"password":"`+secret+`"`)) {
		t.Errorf("the prompted password was not sent: %s", last.Body)
	}
	if strings.Contains(stdout.String()+stderr.String(), secret) {
		t.Error("the password was printed")
	}
	before := srv.RequestCount()
	if code := Run(context.Background(), append(args, "--drop"), env); code != ExitUsage || !strings.Contains(stderr.String(), "aborted") {
		t.Errorf("--drop answered no: exit %d: %s", code, stderr.String())
	}
	if srv.RequestCount() != before {
		t.Error("a request was sent although the drop was not confirmed")
	}
}

// Ctrl-C during a watch that only read says Atlas changed nothing; exit 130.
func TestInterruptedWatchSaysOnlyReadsWereSent(t *testing.T) {
	srv, err := atlastest.NewServer(atlastest.WithPhaseDuration(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	client, err := atlas.NewClient(atlas.WithBaseURL(srv.URL), atlas.WithDigestAuth(atlastest.DefaultPublicKey, atlastest.DefaultPrivateKey))
	if err != nil {
		t.Fatal(err)
	}
	m, err := client.CreateMigration(context.Background(), atlastest.DefaultGroupID, atlas.LiveMigrationRequest20240530{
		Source: atlas.Source{GroupID: atlastest.DemoSourceProjectID, ClusterName: "rs0", ManagedAuthentication: true},
		Destination: atlas.Destination{GroupID: atlastest.DefaultGroupID, ClusterName: atlastest.DefaultClusterName,
			HostnameSchemaType: atlas.HostnamePublic},
		MigrationHosts: []string{atlastest.DemoSourceMigrationHost},
	})
	if err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	env := Environment{Stdin: strings.NewReader(""), Stdout: &stdout, Stderr: &stderr,
		Getenv: func(k string) string {
			return map[string]string{"MONGODB_ATLAS_OPS_MANAGER_URL": srv.URL, "MONGODB_ATLAS_PUBLIC_API_KEY": atlastest.DefaultPublicKey,
				"MONGODB_ATLAS_PRIVATE_API_KEY": atlastest.DefaultPrivateKey, "MONGODB_ATLAS_PROJECT_ID": atlastest.DefaultGroupID}[k]
		}}
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	code := Run(ctx, strings.Fields("lm describe --watch --watch-interval 10ms --liveMigrationId "+*m.ID), env)
	if code != ExitInterrupted || !strings.Contains(stderr.String(), "only reads were sent") {
		t.Errorf("exit %d: %s", code, stderr.String())
	}
}

// Ctrl-C at the source-password prompt or at the --drop confirmation ends the command at once (the prompt returns
// when its context ends; it does not wait for Enter): exit 130, and nothing was sent to Atlas.
func TestInterruptAtAPromptEndsTheCommand(t *testing.T) {
	srv, err := atlastest.NewServer()
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	args := strings.Fields("liveMigrations create -u migrator --clusterName " + atlastest.DefaultClusterName +
		" --sourceProjectId " + atlastest.DemoSourceProjectID + " --sourceClusterName rs0 --migrationHost " + atlastest.DemoSourceMigrationHost)
	for _, tc := range []struct {
		name, interruptAt string
		env               map[string]string
		args              []string
	}{
		{name: "source password", interruptAt: "Source password: "},
		{name: "drop confirmation", interruptAt: "Are you sure you want to drop the destination collections? [y/N] ",
			env: map[string]string{sourcePasswordEnv: "s3cret-source-pass"}, args: []string{"--drop"}},
		{name: "drop confirmation after a prompted password", interruptAt: "Are you sure you want to drop the destination collections? [y/N] ",
			args: []string{"--drop"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			vars := map[string]string{"MONGODB_ATLAS_OPS_MANAGER_URL": srv.URL, "MONGODB_ATLAS_PUBLIC_API_KEY": atlastest.DefaultPublicKey,
				"MONGODB_ATLAS_PRIVATE_API_KEY": atlastest.DefaultPrivateKey, "MONGODB_ATLAS_PROJECT_ID": atlastest.DefaultGroupID}
			for k, v := range tc.env {
				vars[k] = v
			}
			ctx, interrupt := context.WithCancel(context.Background())
			defer interrupt()
			var asked []string
			var stdout, stderr bytes.Buffer
			env := Environment{Stdin: strings.NewReader(""), Stdout: &stdout, Stderr: &stderr, Getenv: envOf(vars),
				// A terminal prompt: it answers, or, at the question the user interrupts, blocks until its context ends.
				Prompt: func(ctx context.Context, q string, secret bool) (string, error) {
					asked = append(asked, q)
					if q != tc.interruptAt {
						return map[bool]string{true: "prompted-secret-42", false: "yes"}[secret], nil
					}
					interrupt() // Ctrl-C: the binary's signal handler cancels the command's context
					<-ctx.Done()
					return "", ctx.Err()
				}}
			before := srv.RequestCount()
			code := Run(ctx, append(append([]string{}, args...), tc.args...), env)
			if code != ExitInterrupted || !strings.Contains(stderr.String(), "nothing was sent to Atlas") {
				t.Errorf("exit %d: %s", code, stderr.String())
			}
			if len(asked) == 0 || asked[len(asked)-1] != tc.interruptAt {
				t.Errorf("prompts %q", asked)
			}
			if srv.RequestCount() != before {
				t.Error("a request was sent after the interrupt")
			}
		})
	}
}
