// Package api holds the trimmed Atlas Administration API v2 OpenAPI document that the generated client in gen, the
// wrapper in pkg/atlas and the emulator in pkg/atlastest are all built from, so that all three agree on one contract.
package api

import (
	"context"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

//go:embed openapi.yaml
var specYAML []byte

// SpecYAML returns a copy of the embedded OpenAPI document as committed in api/openapi.yaml.
func SpecYAML() []byte { return slices.Clone(specYAML) }

// Load parses the embedded document and validates it with kin-openapi. Each call returns a fresh document, so a
// caller may change its copy (the emulator drops `servers` to route any host).
func Load() (*openapi3.T, error) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(specYAML)
	if err != nil {
		return nil, fmt.Errorf("api: parse openapi.yaml: %w", err)
	}
	if err := doc.Validate(context.Background(), openapi3.SetRegexCompiler(CompilePattern)); err != nil {
		return nil, fmt.Errorf("api: validate openapi.yaml: %w", err)
	}
	return doc, nil
}

// versionedMediaType matches Atlas' versioned media types, such as application/vnd.atlas.2023-01-01+json.
var versionedMediaType = regexp.MustCompile(`^application/vnd\.atlas\.(\d{4}-\d{2}-\d{2})\+json$`)

// UpstreamSHA256 is the sha256 of the upstream file the embedded document was cut from (info.x-upstream-sha256).
func UpstreamSHA256() string {
	m := upstreamSHA.FindSubmatch(specYAML)
	if m == nil {
		return ""
	}
	return string(m[1])
}

var upstreamSHA = regexp.MustCompile(`(?m)^\s+x-upstream-sha256:\s*([0-9a-f]{64})\s*$`)

// FindUpstream looks below dir for the file whose sha256 is sum (UpstreamSHA256: the file the committed document
// was cut from), for tests that re-trim it; "" when dir or the file is absent.
func FindUpstream(dir, sum string) string {
	var found string
	_ = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || found != "" || d.IsDir() || !strings.HasSuffix(path, ".yaml") {
			return nil
		}
		data, err := os.ReadFile(path)
		if err == nil {
			h := sha256.Sum256(data)
			if hex.EncodeToString(h[:]) == sum {
				found = path
			}
		}
		return nil
	})
	return found
}

// MediaType is the versioned media type of a resource version: application/vnd.atlas.VERSION+json.
func MediaType(version string) string { return "application/vnd.atlas." + version + "+json" }

var templateParam = regexp.MustCompile(`\\\{[^}]*\\\}`)

// pathParam is one parameter of a path template, {orgId}.
var pathParam = regexp.MustCompile(`\{[^}]*\}`)

// PathShape is a path template with its parameters' names blanked: /orgs/{orgId}/x and /orgs/{orgID}/x are one
// shape, the same route under other parameter names.
func PathShape(template string) string { return pathParam.ReplaceAllString(template, "{}") }

// PathParams lists a path template's parameters as written, {orgId} included, in order.
func PathParams(template string) []string { return pathParam.FindAllString(template, -1) }

// PathPattern matches the request paths of an OpenAPI path template: each {param} is one path segment.
func PathPattern(template string) *regexp.Regexp {
	return regexp.MustCompile("^" + templateParam.ReplaceAllString(regexp.QuoteMeta(template), `[^/]+`) + "$")
}
