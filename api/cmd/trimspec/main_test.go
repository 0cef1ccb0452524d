package main

import (
	"bytes"
	"go/ast"
	"go/parser"
	"go/printer"
	"go/token"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/atlas-linktoken/atlas-linktoken/api"
	"github.com/atlas-linktoken/atlas-linktoken/api/internal/upstreamtest"
)

const moduleRoot = "../../.."

var (
	newest   = filepath.Join(moduleRoot, "..", "shared", "upstream", "v2.yaml")
	snapshot = filepath.Join(moduleRoot, "..", "shared", "upstream", "2025-08-26", "v2.yaml")
)

func needUpstream(t *testing.T, path string) {
	t.Helper()
	if _, err := os.Stat(path); os.IsNotExist(err) {
		t.Skipf("%s is absent (a user's clone): nothing to trim", path)
	}
}

func trimTo(t *testing.T, upstream, out string) error {
	t.Helper()
	return run([]string{"-upstream", upstream, "-operations", "../../operations.txt", "-overlay", "../../overlay.yaml", "-out", out})
}

// recordedUpstream is the upstream file the committed spec was cut from (by its recorded sha256), when present.
func recordedUpstream(t *testing.T) string {
	t.Helper()
	path := findRecorded()
	if path == "" {
		t.Skipf("the upstream file api/openapi.yaml records (sha256 %s) is not in ../shared/upstream (nor its xz-packed history)", api.UpstreamSHA256())
	}
	return path
}

// findRecorded looks for the recorded upstream once (it hashes every snapshot).
var findRecorded = sync.OnceValue(func() string {
	return upstreamtest.Find(filepath.Join(moduleRoot, "..", "shared", "upstream"), api.UpstreamSHA256())
})

func TestRetrimReproducesTheCommittedSpec(t *testing.T) {
	t.Parallel()
	upstream := recordedUpstream(t)
	out := filepath.Join(t.TempDir(), "openapi.yaml")
	if err := trimTo(t, upstream, out); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(out)
	want, err := os.ReadFile("../../openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("re-trimming the upstream snapshot does not reproduce api/openapi.yaml: run make update-spec and commit")
	}
}

func TestFailuresLeaveTheOutputUntouched(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	out := filepath.Join(dir, "openapi.yaml")
	sentinel := []byte("sentinel")
	_ = os.WriteFile(out, sentinel, 0o644)
	badOps := filepath.Join(dir, "ops.txt")
	_ = os.WriteFile(badOps, []byte("createLinkToken\nnoSuchOperation\n"), 0o644)
	notSpec := filepath.Join(dir, "v2.yaml")
	_ = os.WriteFile(notSpec, []byte("hello: world\n"), 0o644)
	for name, tc := range map[string]struct {
		args []string
		want string
	}{
		"missing upstream": {[]string{"-upstream", filepath.Join(dir, "missing.yaml"), "-operations", "../../operations.txt", "-overlay", "../../overlay.yaml", "-out", out}, "no such file"},
		"invalid upstream": {[]string{"-upstream", notSpec, "-operations", "../../operations.txt", "-overlay", "../../overlay.yaml", "-out", out}, "not an OpenAPI 3 document"},
		"no upstream flag": {[]string{"-out", out}, "-upstream is required"},
		"missing list":     {[]string{"-upstream", notSpec, "-operations", filepath.Join(dir, "none.txt"), "-out", out}, "operations list"},
	} {
		err := run(tc.args)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: want error containing %q, got %v", name, tc.want, err)
		}
	}
	if _, err := os.Stat(newest); err == nil {
		err := run([]string{"-upstream", newest, "-operations", badOps, "-overlay", "../../overlay.yaml", "-out", out})
		if err == nil || !strings.Contains(err.Error(), `unknown operation "noSuchOperation"`) || !strings.Contains(err.Error(), "left unchanged") {
			t.Errorf("unknown operation: %v", err)
		}
	}
	if got, _ := os.ReadFile(out); !bytes.Equal(got, sentinel) {
		t.Errorf("output changed after failures: %q", got)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 3 {
		t.Errorf("temporary files left behind: %d entries", len(entries))
	}
}

// The public API must survive upstream's renames: trimming the 2025-08-26 snapshot (operationId createLinkToken)
// must keep what the wrapper exposes, and the wrapper must build on it. Our guarantee, not upstream's text: the
// generated types the wrapper re-exports or uses are identical, every other older declaration still exists
// (upstream may add, e.g. a 429 response), and the wrapper, CLI and emulator compile.
func TestOlderSnapshotKeepsTheGeneratedAPI(t *testing.T) {
	// Not parallel: on a cold build cache, go commands run at once in two copies of the module would each compile the
	// same dependencies. The sequential tests run first, one at a time, and leave them cached for the parallel ones.
	needUpstream(t, snapshot)
	if testing.Short() {
		t.Skip("builds a copy of the module; skipped with -short")
	}
	copyDir := copyModule(t)
	list := filepath.Join(copyDir, "api", "operations.txt")
	if err := os.WriteFile(list, operationsIn(t, snapshot, "../../operations.txt"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := run([]string{"-upstream", snapshot, "-operations", list, "-overlay", "../../overlay.yaml", "-out", filepath.Join(copyDir, "api", "openapi.yaml")}); err != nil {
		t.Fatal(err)
	}
	goCmd(t, copyDir, "generate", "./...")
	older := exportedAPI(t, filepath.Join(copyDir, "gen", "atlas.gen.go"))
	current := exportedAPI(t, filepath.Join(moduleRoot, "gen", "atlas.gen.go"))
	for _, decl := range older {
		if !slices.Contains(current, decl) {
			t.Errorf("older snapshot's API has %q, which the current one lacks or changed", decl)
		}
	}
	used := wrapperUses(t)
	for _, decl := range current {
		if used[declName(decl)] && !slices.Contains(older, decl) {
			t.Errorf("%q, which pkg/atlas exposes or uses, differs between the snapshots", decl)
		}
	}
	// The wrapper, CLI and emulator, tests included, compile against the older generated code.
	goCmd(t, copyDir, "vet", "./pkg/...", "./internal/...", "./cmd/...")
}

// operationName matches a line naming an operation in an upstream document; its group is the whole rest of the line.
var operationName = regexp.MustCompile(`(?m)^\s+(?:operationId|x-xgen-operation-id-override): (.*)$`)

// operationsIn is the operations list at listPath without the operations upstream (an older snapshot) does not
// have under any of their names: a maintainer may add an operation newer than the snapshot.
func operationsIn(t *testing.T, upstream, listPath string) []byte {
	t.Helper()
	data, err := os.ReadFile(upstream)
	if err != nil {
		t.Fatal(err)
	}
	list, err := os.ReadFile(listPath)
	if err != nil {
		t.Fatal(err)
	}
	// The names upstream's operations go by, in one pass over the document (a pass per name took seconds).
	have := map[string]bool{}
	for _, m := range operationName.FindAllSubmatch(data, -1) {
		have[string(m[1])] = true
	}
	var kept []string
	for _, line := range strings.Split(string(list), "\n") {
		text, _, _ := strings.Cut(line, "#")
		names := strings.Fields(text)
		found := len(names) == 0
		for _, name := range names {
			found = found || have[name]
		}
		if found {
			kept = append(kept, line)
		} else {
			t.Logf("%s has no operation %s: left out", upstream, names[0])
		}
	}
	return []byte(strings.Join(kept, "\n"))
}

// wrapperUses names the generated identifiers pkg/atlas refers to (gen.X).
func wrapperUses(t *testing.T) map[string]bool {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(moduleRoot, "pkg", "atlas", "*.go"))
	used := map[string]bool{}
	ref := regexp.MustCompile(`\bgen\.([A-Z]\w*)|\bgenerated\.([A-Z]\w*)`)
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range ref.FindAllSubmatch(data, -1) {
			if len(m[1]) > 0 {
				used[string(m[1])] = true
			} else {
				used["Client."+string(m[2])] = true // a method of the generated client the wrapper calls
			}
		}
	}
	if len(used) == 0 {
		t.Fatal("pkg/atlas refers to no generated identifier: the pattern is out of date")
	}
	return used
}

// declName is the type or function an exportedAPI entry belongs to; Type.Method for a method.
func declName(decl string) string {
	decl = strings.TrimPrefix(strings.TrimPrefix(decl, "type "), "func ")
	if strings.HasPrefix(decl, "(") { // a method: its receiver's type and its name
		end := strings.Index(decl, ")")
		recv := strings.TrimLeft(decl[1:end], "*")
		name := strings.FieldsFunc(decl[end+1:], func(r rune) bool { return r == ' ' || r == '(' })[0]
		return recv + "." + name
	}
	return strings.FieldsFunc(decl, func(r rune) bool { return r == '.' || r == ' ' || r == '(' })[0]
}

func goCmd(t *testing.T, dir string, args ...string) {
	t.Helper()
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	cmd.Env = copyEnv()
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// copyEnv is the environment for the go commands run in a copy of the module (copyModule): -trimpath added to
// GOFLAGS. A copy lives in a new temporary directory, and without -trimpath the build cache keys every package of
// the main module by its directory, so each copy would compile and vet the whole module again (most of these
// tests' time). With it, packages are keyed by their content: what a copy leaves unchanged, and what an earlier
// run already built from the same files, comes from the cache; a changed package is still compiled and vetted.
func copyEnv(extra ...string) []string {
	env := append(os.Environ(), "GOFLAGS="+strings.TrimSpace(os.Getenv("GOFLAGS")+" -trimpath"))
	return append(env, extra...)
}

// copyModule copies the module's source (not .git or bin) into a temporary directory, outside any git tree.
func copyModule(t *testing.T) string {
	t.Helper()
	dst := t.TempDir()
	err := filepath.WalkDir(moduleRoot, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(moduleRoot, path)
		if rel == ".git" { // a directory, or in a git worktree a file naming the repository's: never copied
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.IsDir() && rel == "bin" {
			return filepath.SkipDir
		}
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

// exportedAPI lists a Go file's exported surface, one entry per function signature, struct field, interface method
// or other type, so that two generations can be compared entry by entry.
func exportedAPI(t *testing.T, path string) []string {
	t.Helper()
	fset := token.NewFileSet()
	file, err := parser.ParseFile(fset, path, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	text := func(n ast.Node) string {
		var b bytes.Buffer
		_ = printer.Fprint(&b, fset, n)
		return strings.Join(strings.Fields(b.String()), " ")
	}
	var api []string
	for _, decl := range file.Decls {
		switch d := decl.(type) {
		case *ast.FuncDecl:
			if !d.Name.IsExported() {
				continue
			}
			recv := ""
			if d.Recv != nil {
				recv = "(" + text(d.Recv.List[0].Type) + ") "
			}
			api = append(api, "func "+recv+d.Name.Name+text(d.Type)[len("func"):])
		case *ast.GenDecl:
			for _, spec := range d.Specs {
				ts, ok := spec.(*ast.TypeSpec)
				if !ok || !ts.Name.IsExported() {
					continue
				}
				switch typ := ts.Type.(type) {
				case *ast.StructType:
					api = append(api, "type "+ts.Name.Name+" struct")
					for _, f := range typ.Fields.List {
						for _, n := range f.Names {
							tag := ""
							if f.Tag != nil {
								tag = " " + f.Tag.Value
							}
							api = append(api, ts.Name.Name+"."+n.Name+" "+text(f.Type)+tag)
						}
					}
				case *ast.InterfaceType:
					api = append(api, "type "+ts.Name.Name+" interface")
					for _, m := range typ.Methods.List {
						for _, n := range m.Names {
							api = append(api, ts.Name.Name+"."+n.Name+text(m.Type)[len("func"):])
						}
					}
				default:
					api = append(api, "type "+ts.Name.Name+" "+text(ts.Type))
				}
			}
		}
	}
	slices.Sort(api)
	return api
}

// Cut the real upstream at evenly spaced points: each cut is refused (truncated or incomplete, or not YAML) or
// trims to exactly the committed document; never a document missing servers, security or tags.
func TestTruncatedUpstreamNeverTrimsToAnotherDocument(t *testing.T) {
	t.Parallel()
	upstream := recordedUpstream(t)
	data, err := os.ReadFile(upstream)
	if err != nil {
		t.Fatal(err)
	}
	committed, _ := os.ReadFile("../../openapi.yaml")
	sha := regexp.MustCompile(`[0-9a-f]{64}`)
	dir := t.TempDir()
	for _, fraction := range []float64{0.55, 0.7, 0.85, 0.97, 0.995} {
		cut := filepath.Join(dir, "cut.yaml")
		if err := os.WriteFile(cut, data[:int(float64(len(data))*fraction)], 0o644); err != nil {
			t.Fatal(err)
		}
		out := filepath.Join(dir, "out.yaml")
		_ = os.Remove(out)
		if err := trimTo(t, cut, out); err != nil {
			continue // refused: fine
		}
		got, _ := os.ReadFile(out)
		if !bytes.Equal(sha.ReplaceAll(got, []byte("SHA")), sha.ReplaceAll(committed, []byte("SHA"))) {
			t.Errorf("cut at %.1f%% trims to a different document without an error", fraction*100)
		}
	}
}

// Operations whose schemas use lookahead patterns (40 upstream, getSystemStatus among them) trim.
func TestLookaheadOperationTrims(t *testing.T) {
	t.Parallel()
	upstream := recordedUpstream(t)
	ops := filepath.Join(t.TempDir(), "ops.txt")
	_ = os.WriteFile(ops, []byte("getSystemStatus\n"), 0o644)
	if err := run([]string{"-upstream", upstream, "-operations", ops, "-overlay", "", "-out", filepath.Join(t.TempDir(), "o.yaml")}); err != nil {
		t.Errorf("getSystemStatus: %v", err)
	}
}

// A hostile upstream: the recorded upstream with oapi-codegen directives added to the schemas and operations we
// keep (the attack that made update-spec add `_ "net/http/pprof"` to gen/) trims to exactly the committed document,
// and trimspec names each directive it removed. The same upstream also drops its overrides createLinkToken and
// deleteLinkTokens: api/operations.txt still finds both by upstream's own operationIds, listed as aliases.
func TestHostileUpstreamTrimsToTheCommittedDocument(t *testing.T) {
	t.Parallel()
	upstream := recordedUpstream(t)
	data, err := os.ReadFile(upstream)
	if err != nil {
		t.Fatal(err)
	}
	hostile := string(data)
	for _, edit := range []struct{ old, new string }{
		{"\n        TargetOrg:\n", "\n        TargetOrg:\n            x-go-type-import:\n                name: _\n                path: net/http/pprof\n"},
		{"\n        TargetOrgRequest:\n", "\n        TargetOrgRequest:\n            x-go-type: string\n            x-oapi-codegen-extra-tags:\n                evil: tag\n"},
		{"            x-xgen-operation-id-override: createLinkToken\n", "            x-operation-aliases: [rm]\n            x-client-response-wrapper: Evil\n"},
		{"            x-xgen-operation-id-override: deleteLinkTokens\n", ""},
	} {
		if !strings.Contains(hostile, edit.old) {
			t.Skipf("the recorded upstream has no %q", edit.old)
		}
		hostile = strings.Replace(hostile, edit.old, edit.new, 1)
	}
	dir := t.TempDir()
	in := filepath.Join(dir, "v2.yaml")
	if err := os.WriteFile(in, []byte(hostile), 0o644); err != nil {
		t.Fatal(err)
	}
	out, notes := filepath.Join(dir, "openapi.yaml"), filepath.Join(dir, "stripped.txt")
	if err := run([]string{"-upstream", in, "-operations", "../../operations.txt", "-overlay", "../../overlay.yaml", "-out", out, "-stripped", notes}); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(out)
	want, _ := os.ReadFile("../../openapi.yaml")
	ignore := regexp.MustCompile(`[0-9a-f]{64}|(?m)^ +x-xgen-operation-id-override: (createLinkToken|deleteLinkTokens)\n`)
	if !bytes.Equal(ignore.ReplaceAll(got, nil), ignore.ReplaceAll(want, nil)) {
		t.Errorf("the hostile upstream trims to another document:\n%s", got)
	}
	list, _ := os.ReadFile(notes)
	for _, s := range []string{"components.schemas.TargetOrg.x-go-type-import", "components.schemas.TargetOrgRequest.x-go-type",
		"components.schemas.TargetOrgRequest.x-oapi-codegen-extra-tags", ".post.x-operation-aliases", ".post.x-client-response-wrapper"} {
		if !strings.Contains(string(list), s) {
			t.Errorf("removal of %s not reported:\n%s", s, list)
		}
	}
}

// Once upstream has made the correction an overlay action made (createLinkToken answering 201 itself), the action
// fails with a message saying so; an overlay left with no actions, or none at all, then trims without corrections.
func TestOverlayUpstreamOvertook(t *testing.T) {
	t.Parallel()
	upstream := recordedUpstream(t)
	data, err := os.ReadFile(upstream)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	// Every 200 answer becomes a 201: the overlay's copy of createLinkToken's 200 finds nothing to copy.
	edited := filepath.Join(dir, "v2.yaml")
	if err := os.WriteFile(edited, bytes.ReplaceAll(data, []byte("\n                \"200\":\n"), []byte("\n                \"201\":\n")), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "openapi.yaml")
	err = run([]string{"-upstream", edited, "-operations", "../../operations.txt", "-overlay", "../../overlay.yaml", "-out", out})
	if err == nil || !strings.Contains(err.Error(), "a local correction no longer applies to what upstream now says") {
		t.Fatalf("want the overlay's failure explained: %v", err)
	}
	empty := filepath.Join(dir, "overlay.yaml")
	_ = os.WriteFile(empty, []byte("overlay: 1.1.0\ninfo: {title: t, version: \"1\"}\nactions: []\n"), 0o644)
	for _, overlay := range []string{empty, filepath.Join(dir, "none.yaml")} {
		if err := run([]string{"-upstream", edited, "-operations", "../../operations.txt", "-overlay", overlay, "-out", out}); err != nil {
			t.Errorf("overlay %s: %v", filepath.Base(overlay), err)
		}
	}
}
