package api

import (
	"fmt"
	"maps"
	"slices"
	"strconv"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/atlas-linktoken/atlas-linktoken/internal/bodycheck"
)

// AttributeError is a request body Atlas refuses for a reason its JSON Schema does not express: an attribute the
// schema does not declare, or an access-list entry that is not an IP address or CIDR block. The CLI refuses such
// a body before sending it and the emulator answers it with Code, so both agree with Atlas.
type AttributeError struct {
	Code    string // INVALID_ATTRIBUTE or INVALID_IP_ADDRESS_OR_CIDR_NOTATION, the errorCode Atlas answers with
	Field   string // where, as Atlas names fields: source.clusterName, accessListIps[2]
	Problem string
}

func (e *AttributeError) Error() string { return e.Field + ": " + e.Problem }

// ipListFields are the request attributes whose entries Atlas checks as IP addresses or CIDR blocks.
var ipListFields = map[string]bool{"accessListIps": true}

// CheckAttributes walks value, a decoded JSON body, along schema: attributes the schema does not declare are
// refused (Atlas matches names exactly, so "accessListIPs" and a 2024-05-30 "dropDestinationData" sent as
// 2023-01-01 are unknown), and so are access-list entries that are not IPs or CIDR blocks. The first problem in
// sorted attribute order is returned, nil when there is none.
func CheckAttributes(value any, schema *openapi3.Schema) *AttributeError {
	return walkAttributes(value, schema, "")
}

func walkAttributes(value any, schema *openapi3.Schema, path string) *AttributeError {
	if schema == nil || len(schema.AllOf)+len(schema.OneOf)+len(schema.AnyOf) > 0 {
		return nil // composed schemas: left to the schema validation
	}
	switch v := value.(type) {
	case map[string]any:
		for _, name := range slices.Sorted(maps.Keys(v)) { // sorted: the first error is deterministic
			field := name
			if path != "" {
				field = path + "." + name
			}
			prop, ok := schema.Properties[name]
			if !ok {
				if additionalAllowed(schema) {
					continue
				}
				return &AttributeError{"INVALID_ATTRIBUTE", field, fmt.Sprintf("Invalid attribute %s specified.", name)}
			}
			if ipListFields[name] {
				if list, ok := v[name].([]any); ok {
					for i, entry := range list {
						if s, ok := entry.(string); ok && !bodycheck.IsIPOrCIDR(s) {
							return &AttributeError{"INVALID_IP_ADDRESS_OR_CIDR_NOTATION", field + "[" + strconv.Itoa(i) + "]",
								fmt.Sprintf("The address %s must be in valid IP address or CIDR notation.", s)}
						}
					}
				}
			}
			if err := walkAttributes(v[name], prop.Value, field); err != nil {
				return err
			}
		}
	case []any:
		if schema.Items == nil {
			return nil
		}
		for i, entry := range v {
			if err := walkAttributes(entry, schema.Items.Value, path+"["+strconv.Itoa(i)+"]"); err != nil {
				return err
			}
		}
	}
	return nil
}

func additionalAllowed(schema *openapi3.Schema) bool {
	ap := schema.AdditionalProperties
	return ap.Schema != nil || (ap.Has != nil && *ap.Has)
}
