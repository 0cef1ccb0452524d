package api

import (
	"slices"

	"github.com/getkin/kin-openapi/openapi3"
)

// OperationAliases lists the other names op is known by, from the trimmed document: upstream's operationId
// (x-upstream-operation-id, e.g. createOrgLiveMigrationLinkToken), x-xgen-operation-id-override and our
// operations.txt aliases (x-operation-aliases), without op's own operationId and without repeats.
func OperationAliases(op *openapi3.Operation) []string {
	var out []string
	add := func(v any) {
		if s, ok := v.(string); ok && s != "" && s != op.OperationID && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	add(op.Extensions["x-upstream-operation-id"])
	add(op.Extensions["x-xgen-operation-id-override"])
	if list, ok := op.Extensions["x-operation-aliases"].([]any); ok {
		for _, v := range list {
			add(v)
		}
	}
	return out
}

// OperationVersions lists, oldest first, the resource versions op's request body and responses name.
func OperationVersions(op *openapi3.Operation) []string {
	var versions []string
	add := func(content openapi3.Content) {
		for mediaType := range content {
			if m := versionedMediaType.FindStringSubmatch(mediaType); m != nil && !slices.Contains(versions, m[1]) {
				versions = append(versions, m[1])
			}
		}
	}
	if op.RequestBody != nil && op.RequestBody.Value != nil {
		add(op.RequestBody.Value.Content)
	}
	for _, resp := range op.Responses.Map() {
		if resp.Value != nil {
			add(resp.Value.Content)
		}
	}
	slices.Sort(versions)
	return versions
}
