package main

import (
	"os/exec"
	"strings"
	"testing"
)

// The CLI's commands come from the generated operation table: it links no OpenAPI parser, JSON Schema engine or
// YAML parser, and not the package embedding the document, so no command (atlas version, --help, api, the
// liveMigrations tree) parses a document at start.
func TestCLILinksNoDocumentParser(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, dep := range strings.Fields(string(out)) {
		for _, banned := range []string{"github.com/getkin/kin-openapi", "github.com/santhosh-tekuri/jsonschema", "gopkg.in/yaml.v3",
			"go.yaml.in/yaml", "github.com/oasdiff", "github.com/speakeasy-api", "github.com/atlas-linktoken/atlas-linktoken/api",
			"github.com/atlas-linktoken/atlas-linktoken/pkg/atlastest"} {
			if dep == banned || strings.HasPrefix(dep, banned+"/") {
				t.Errorf("cmd/atlas links %s", dep)
			}
		}
	}
}
