package cli

import (
	"encoding/json"

	"github.com/atlas-linktoken/atlas-linktoken/gen"
)

// maxSampleDepth bounds sample on deep schemas.
const maxSampleDepth = 8

// sample returns a value shaped like schema, as encoding/json with UseNumber decodes a document: objects hold every
// declared property, arrays one element, strings their first enum value or "string", numbers json.Number.
// Output templates run on it before anything is sent, so a misspelt key fails while nothing has happened yet.
func sample(schema *gen.Schema) any { return sampleAt(schema, 0) }

func sampleAt(schema *gen.Schema, depth int) any {
	if schema == nil || depth > maxSampleDepth {
		return nil
	}
	switch {
	case schema.Type == "object" || (schema.Type == "" && len(schema.Properties) > 0):
		out := map[string]any{}
		for _, p := range schema.Properties {
			out[p.Name] = sampleAt(p.Schema, depth+1)
		}
		return out
	case schema.Type == "array":
		if schema.Items == nil {
			return []any{}
		}
		return []any{sampleAt(schema.Items, depth+1)}
	case schema.Type == "string":
		if len(schema.Enum) > 0 {
			return schema.Enum[0]
		}
		return "string"
	case schema.Type == "integer":
		return json.Number("1")
	case schema.Type == "number":
		return json.Number("1.5")
	case schema.Type == "boolean":
		return true
	}
	return nil
}
