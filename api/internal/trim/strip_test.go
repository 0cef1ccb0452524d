package trim

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// Every extension the pinned oapi-codegen reads (a string literal "x-…" in its code generator) is one the trimmer
// strips from upstream, so that a newer oapi-codegen's new extension cannot slip through unnoticed.
func TestEveryOapiCodegenExtensionIsStripped(t *testing.T) {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/oapi-codegen/oapi-codegen/v2").Output()
	dir := strings.TrimSpace(string(out))
	if err != nil || dir == "" {
		t.Skipf("oapi-codegen's source is not in the module cache (go list: %v)", err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "pkg", "codegen", "*.go"))
	literal := regexp.MustCompile(`"(x-[A-Za-z0-9-]+)"`)
	found := 0
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range literal.FindAllSubmatch(data, -1) {
			found++
			if name := string(m[1]); !IsGeneratorExtension(name) {
				t.Errorf("oapi-codegen reads %s (%s), which the trimmer does not strip from upstream", name, filepath.Base(f))
			}
		}
	}
	if found < 10 {
		t.Errorf("found only %d extension names in %s: the pattern is out of date", found, dir)
	}
}

func TestGeneratorExtensionNames(t *testing.T) {
	for name, want := range map[string]bool{
		"x-go-type": true, "X-Go-Type-Import": true, "x-oapi-codegen-extra-tags": true, "x-enumNames": true, "x-order": true,
		"x-omitempty": true, "x-deprecated-reason": true, "x-go": true,
		"x-xgen-method-verb-override": false, "x-sunset": false, "x-rolesRequirements": false, "x-xgen-version": false,
		"x-xgen-operation-id-override": false, "x-gone": false, "x-ordering": false,
	} {
		if got := IsGeneratorExtension(name); got != want {
			t.Errorf("IsGeneratorExtension(%q) = %t", name, got)
		}
	}
}
