package trim

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// versionedMediaType matches Atlas' versioned media types: application/vnd.atlas.2023-01-01+json.
var versionedMediaType = regexp.MustCompile(`^application/vnd\.atlas\.(\d{4}-\d{2}-\d{2})\+[a-z]+$`)

// operationVersions lists the resource versions an upstream operation names in its request body and responses
// (inline ones: $ref'd responses are the shared error answers, application/json), sorted.
func operationVersions(op *yaml.Node) []string {
	var versions []string
	add := func(content *yaml.Node) {
		for _, pair := range pairs(content) {
			if m := versionedMediaType.FindStringSubmatch(pair[0].Value); m != nil && !slices.Contains(versions, m[1]) {
				versions = append(versions, m[1])
			}
		}
	}
	add(get(get(op, "requestBody"), "content"))
	for _, pair := range pairs(get(op, "responses")) {
		add(get(pair[1], "content"))
	}
	slices.Sort(versions)
	return versions
}

// splitMarker is the sentence mongodb/openapi's per-version split appends to the description of an operation whose
// older versions it dropped ("Deprecated versions: v2-{2023-01-01}").
const splitMarker = "Deprecated versions: v2-{"

// checkVersioned refuses an upstream that is not the combined, every-version Atlas spec (openapi/v2.yaml): the
// library's typed versions, the CLI's --version and sunset warnings, and the change report all come from the
// versioned media types (application/vnd.atlas.YYYY-MM-DD+json, with x-xgen-version) of each operation.
//
//   - No operation names a version: not the Atlas Administration API v2 spec, or its versions were stripped.
//   - Every operation names exactly one: a per-version file (mongodb/openapi's openapi/v2/openapi-2023-01-01.yaml,
//     or openapi-v2-2023-01-01.yaml as some mirrors call it), or the Go SDK's transformed spec
//     (atlas-api-transformed.yaml), both cut from one date: trimming them would drop every other version.
func checkVersioned(root, paths *yaml.Node) error {
	versioned, multi, ops := 0, 0, 0
	split := false
	for _, pathPair := range pairs(paths) {
		for _, pair := range pairs(pathPair[1]) {
			if !slices.Contains(httpMethods, pair[0].Value) {
				continue
			}
			ops++
			switch n := len(operationVersions(pair[1])); {
			case n > 1:
				multi++
				versioned++
			case n == 1:
				versioned++
			}
			if strings.Contains(scalar(get(pair[1], "description")), splitMarker) {
				split = true
			}
		}
	}
	const want = "use the combined spec with every version, mongodb/openapi's openapi/v2.yaml"
	switch {
	case ops == 0:
		return nil // no operations: selectOperations says which are missing
	case versioned == 0:
		return fmt.Errorf("none of upstream's %d operations names a versioned media type (application/vnd.atlas.YYYY-MM-DD+json with x-xgen-version), which the pipeline reads the resource versions from: this is not the Atlas Administration API v2 spec, or its version markers were removed; %s", ops, want)
	case multi == 0:
		what := "a per-version file (mongodb/openapi's openapi/v2/openapi-YYYY-MM-DD.yaml, also published as openapi-v2-YYYY-MM-DD.yaml)"
		if info := get(root, "info"); info != nil && len(info.Content) > 0 && info.Content[0].Column == 3 {
			what = "the Atlas Go SDK's transformed spec (atlas-api-transformed.yaml: two-space indent, upstream's overrides as operationIds) or " + what
		}
		if split {
			what += `; its descriptions carry the split's "` + splitMarker + `…}"`
		}
		return fmt.Errorf("every one of upstream's %d versioned operations names exactly one resource version: it looks like %s, cut to the versions current on one date; trimming it would drop every other version (2023-01-01 of validateLiveMigrations and createGroupLiveMigration, say); %s", versioned, what, want)
	}
	return nil
}
