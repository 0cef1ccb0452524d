package atlastest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/atlas-linktoken/atlas-linktoken/api"
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

// checkAttributes refuses what the schema lets through and Atlas does not (api.CheckAttributes). value is the
// decoded body, already valid against schema.
func checkAttributes(value any, schema *openapi3.Schema) *bodyError {
	if e := api.CheckAttributes(value, schema); e != nil {
		return &bodyError{e.Code, e.Field, e.Problem}
	}
	return nil
}
