package atlas_test

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// What the library knows of operations is compiled at build time (package gen): it links no OpenAPI parser, JSON
// Schema engine or YAML parser, and not the package embedding the document.
func TestLibraryLinksNoDocumentParser(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, dep := range strings.Fields(string(out)) {
		for _, banned := range forbiddenDeps {
			if dep == banned || strings.HasPrefix(dep, banned+"/") {
				t.Errorf("pkg/atlas links %s", dep)
			}
		}
	}
}

// forbiddenDeps are the packages that would mean a document is parsed at run time.
var forbiddenDeps = []string{
	"github.com/getkin/kin-openapi", "github.com/santhosh-tekuri/jsonschema", "gopkg.in/yaml.v3", "go.yaml.in/yaml",
	"github.com/oasdiff", "github.com/speakeasy-api", "github.com/atlas-linktoken/atlas-linktoken/api",
}

// A program that only creates a link-token carries no text of the CC BY-NC-SA document: not its licence, not its
// descriptions (gen/help holds those, for the CLI only).
func TestNoSpecTextInALinkTokenProgram(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a program")
	}
	dir := t.TempDir()
	source := filepath.Join(dir, "main.go")
	program := `package main

import (
	"context"
	"fmt"
	"os"

	"github.com/atlas-linktoken/atlas-linktoken/pkg/atlas"
)

func main() {
	c, err := atlas.NewClient(atlas.WithBaseURL(os.Getenv("URL")), atlas.WithDigestAuth(os.Getenv("PUB"), os.Getenv("PRIV")))
	if err != nil {
		panic(err)
	}
	token, err := c.CreateLinkToken(context.Background(), os.Getenv("ORG"), atlas.TargetOrgRequest{AccessListIPs: []string{"203.0.113.7"}})
	fmt.Println(token, err)
}
`
	if err := os.WriteFile(source, []byte(program), 0o600); err != nil {
		t.Fatal(err)
	}
	// The program lives in the module through an overlay, so the source tree is never written.
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	overlay, _ := json.Marshal(map[string]any{"Replace": map[string]string{filepath.Join(root, "internal", "linktokenprobe", "main.go"): source}})
	overlayFile := filepath.Join(dir, "overlay.json")
	if err := os.WriteFile(overlayFile, overlay, 0o600); err != nil {
		t.Fatal(err)
	}
	binary := filepath.Join(dir, "probe")
	cmd := exec.Command("go", "build", "-overlay", overlayFile, "-o", binary, "./internal/linktokenprobe")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	data, err := os.ReadFile(binary)
	if err != nil {
		t.Fatal(err)
	}
	for _, text := range []string{
		"BY-NC-SA", "creativecommons", "MongoDB Atlas Administration API", // the document's licence and title
		"Unique 24-hexadecimal digit string that identifies",                             // a parameter description
		"Migrate one cluster that Cloud or Ops Manager manages", "Create One Link-Token", // an operation's
		"Flag that indicates whether Application wraps", // the envelope parameter's
		"openapi: 3", "components:", // the document itself
	} {
		if bytes.Contains(data, []byte(text)) {
			t.Errorf("the binary holds %q from the spec", text)
		}
	}
	if !bytes.Contains(data, []byte("createLinkToken")) {
		t.Error("the probe does not look like a link-token program: the test is out of date")
	}
}
