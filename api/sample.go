package api

import (
	"encoding/json"
	"fmt"

	"github.com/getkin/kin-openapi/openapi3"
)

// maxSampleDepth bounds Sample on recursive schemas.
const maxSampleDepth = 8

// Sample returns a value shaped like schema, as encoding/json with UseNumber decodes a document: objects hold every
// declared property, arrays one element, strings their example or "string", numbers json.Number. The CLI executes
// output templates against it before sending anything, so a misspelt key fails while nothing has happened yet.
func Sample(schema *openapi3.Schema) any { return sample(schema, 0) }

func sample(schema *openapi3.Schema, depth int) any {
	if schema == nil || depth > maxSampleDepth {
		return nil
	}
	if len(schema.AllOf) > 0 {
		merged := map[string]any{}
		for _, part := range schema.AllOf {
			if m, ok := sample(part.Value, depth+1).(map[string]any); ok {
				for k, v := range m {
					merged[k] = v
				}
			}
		}
		return merged
	}
	for _, alternatives := range [][]*openapi3.SchemaRef{schema.OneOf, schema.AnyOf} {
		if len(alternatives) > 0 {
			return sample(alternatives[0].Value, depth+1)
		}
	}
	switch {
	case schema.Type.Is("object") || (schema.Type == nil && len(schema.Properties) > 0):
		out := map[string]any{}
		for name, prop := range schema.Properties {
			out[name] = sample(prop.Value, depth+1)
		}
		return out
	case schema.Type.Is("array"):
		if schema.Items == nil {
			return []any{}
		}
		return []any{sample(schema.Items.Value, depth+1)}
	case schema.Type.Is("string"):
		if s, ok := schema.Example.(string); ok {
			return s
		}
		if len(schema.Enum) > 0 {
			return fmt.Sprint(schema.Enum[0])
		}
		return "string"
	case schema.Type.Is("integer"):
		return json.Number("1")
	case schema.Type.Is("number"):
		return json.Number("1.5")
	case schema.Type.Is("boolean"):
		return true
	}
	return nil
}
