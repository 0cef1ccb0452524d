package atlas

import (
	"regexp"
	"strings"
	"sync"

	"github.com/atlas-linktoken/atlas-linktoken/api"
)

// operationInfo is what the request path needs of one operation of the embedded document.
type operationInfo struct {
	id       string
	method   string
	path     *regexp.Regexp // the path template, {param} matching one segment
	versions []string       // oldest first
	// customMethod: an action behind another verb (x-xgen-method-verb-override customMethod), so not idempotent
	// whatever its HTTP method
	customMethod bool
	bodySchemas  map[string]string // request body schema name by version
}

// operations is the embedded document's operation table, parsed once on first use.
var operations = sync.OnceValue(func() []operationInfo {
	doc, err := api.Shared()
	if err != nil {
		return nil // the document is embedded and validated by tests: this cannot happen in a release
	}
	var out []operationInfo
	for path, item := range doc.Paths.Map() {
		pattern := api.PathPattern(path)
		for method, op := range item.Operations() {
			info := operationInfo{id: op.OperationID, method: strings.ToUpper(method), path: pattern,
				versions: api.OperationVersions(op), bodySchemas: map[string]string{}}
			if override, ok := op.Extensions["x-xgen-method-verb-override"].(map[string]any); ok {
				info.customMethod = override["customMethod"] == true || override["customMethod"] == "true" || override["customMethod"] == "True"
			}
			for _, v := range info.versions {
				if name := api.RequestSchemaName(op, v); name != "" {
					info.bodySchemas[v] = name
				}
			}
			out = append(out, info)
		}
	}
	return out
})

// findOperation returns the operation a request addresses, nil when the document has none there.
func findOperation(method, path string) *operationInfo {
	ops := operations()
	for i := range ops {
		if ops[i].method == method && ops[i].path.MatchString(path) {
			return &ops[i]
		}
	}
	return nil
}

// operationByID returns the operation whose operationId is id, nil when the document has none.
func operationByID(id string) *operationInfo {
	ops := operations()
	for i := range ops {
		if ops[i].id == id {
			return &ops[i]
		}
	}
	return nil
}
