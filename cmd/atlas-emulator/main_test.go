package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A bad seed file stops the emulator before it listens, naming the file and the bad value's path; so do
// contradicting control flags.
func TestSeedAndControlFlagsAreChecked(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte("orgs:\n  - id: 6b0b1c2d3e4f5a6b7c8d9e01\n    apiKeys:\n      - {publicKey: k, privateKey: not-a-uuid, roles: [ORG_OWNER]}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	unknown := filepath.Join(dir, "unknown.json")
	if err := os.WriteFile(unknown, []byte(`{"orgs": [{"id": "6b0b1c2d3e4f5a6b7c8d9e01", "apikeys": []}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--seed", bad}, "--seed " + bad + ": orgs[0].apiKeys[0].privateKey: want a UUID"},
		{[]string{"--seed", unknown}, "--seed " + unknown + ": orgs[0].apikeys: unknown field"},
		{[]string{"--seed", filepath.Join(dir, "missing.json")}, "--seed: open "},
		{[]string{"--no-control", "--control-token", "t0ken"}, "contradict"},
		{[]string{"--control-token", "has space"}, "control token"},
	} {
		var stdout, stderr bytes.Buffer
		err := run(append([]string{"--addr", "127.0.0.1:0"}, tc.args...), &stdout, &stderr)
		if err == nil || !strings.Contains(err.Error(), tc.want) || stdout.Len() != 0 {
			t.Errorf("%q: %v (stdout %q), want an error containing %q before listening", tc.args, err, stdout.String(), tc.want)
		}
		if strings.Contains(stderr.String()+errString(err), "not-a-uuid") {
			t.Errorf("%q: the message quotes the bad private key", tc.args)
		}
	}
}

// The control token never shows in -h, even when it comes from the environment.
func TestHelpDoesNotShowTheControlToken(t *testing.T) {
	t.Setenv("ATLAS_EMULATOR_CONTROL_TOKEN", "env-token-0123456789")
	var stdout, stderr bytes.Buffer
	if err := run([]string{"-h"}, &stdout, &stderr); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stderr.String(), "-control-token") || strings.Contains(stderr.String(), "env-token-0123456789") {
		t.Errorf("-h: %s", stderr.String())
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
