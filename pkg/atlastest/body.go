package atlastest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/getkin/kin-openapi/openapi3"
)

// bodyError is a request body Atlas refuses for a reason the JSON Schema does not express.
type bodyError struct {
	code    string // INVALID_JSON, INVALID_ATTRIBUTE or INVALID_IP_ADDRESS_OR_CIDR_NOTATION
	field   string
	problem string
}

// checkJSONSyntax refuses what Atlas' JSON parser refuses but kin-openapi's decoder lets through: bytes that are not
// UTF-8, and data after the JSON value.
func checkJSONSyntax(body []byte) *bodyError {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil // a missing body is the schema validation's to report
	}
	if !utf8.Valid(body) {
		return &bodyError{"INVALID_JSON", "body", "the body is not valid UTF-8"}
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil // malformed JSON: the schema validation names it
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return &bodyError{"INVALID_JSON", "body", fmt.Sprintf("unexpected data after the JSON value at byte %d", dec.InputOffset())}
	}
	return nil
}

// checkAttributes refuses what the schema lets through and Atlas does not: attributes the schema does not declare
// (Atlas matches names exactly, so "accessListIPs" is unknown), and entries of IP access lists that are not an IP
// address or CIDR block. value is the decoded body, already valid against schema.
func checkAttributes(value any, schema *openapi3.Schema) *bodyError {
	return walkAttributes(value, schema, "")
}

// ipListFields are the request attributes whose entries Atlas checks as IP addresses or CIDR blocks.
var ipListFields = map[string]bool{"accessListIps": true}

func walkAttributes(value any, schema *openapi3.Schema, path string) *bodyError {
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
				return &bodyError{"INVALID_ATTRIBUTE", field, fmt.Sprintf("Invalid attribute %s specified.", name)}
			}
			if ipListFields[name] {
				if list, ok := v[name].([]any); ok {
					for i, entry := range list {
						if s, ok := entry.(string); ok && !isIPOrCIDR(s) {
							return &bodyError{"INVALID_IP_ADDRESS_OR_CIDR_NOTATION", field + "[" + strconv.Itoa(i) + "]",
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

func isIPOrCIDR(s string) bool {
	if _, err := netip.ParseAddr(s); err == nil {
		return true
	}
	if strings.Contains(s, "/") {
		_, err := netip.ParsePrefix(s)
		return err == nil
	}
	return false
}
