package cli

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/atlas-linktoken/atlas-linktoken/pkg/atlas"
)

// Strict parsing of a createLinkToken body a user wrote, with line and column: the CLI's need, not the library's
// (pkg/atlas builds its bodies from Go values). Errors are *atlas.InputError values.

// ParseTargetOrgRequest decodes a createLinkToken request body strictly: one JSON object, no unknown fields (a
// misspelt "accessListIPs" would otherwise be dropped silently), right types, and valid access-list entries. Errors
// are *InputError values naming the line and column or the field.
func ParseTargetOrgRequest(data []byte) (atlas.TargetOrgRequest, error) {
	var req atlas.TargetOrgRequest
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 {
		return req, &atlas.InputError{Field: "body", Reason: `is empty; want a JSON object such as {"accessListIps": ["203.0.113.7"]}`}
	}
	if !utf8.Valid(data) {
		line, col := position(data, int64(firstInvalidUTF8(data)))
		return req, &atlas.InputError{Field: "body", Reason: fmt.Sprintf("line %d, column %d: not valid UTF-8; JSON must be UTF-8 text", line, col)}
	}
	if trimmed[0] != '{' {
		return req, &atlas.InputError{Field: "body", Reason: "want a JSON object, got " + describeStart(trimmed)}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		return req, &atlas.InputError{Field: "body", Reason: describeJSONError(data, err, dec.InputOffset())}
	}
	if _, err := dec.Token(); err != io.EOF {
		line, col := position(data, dec.InputOffset())
		return req, &atlas.InputError{Field: "body", Reason: fmt.Sprintf("line %d, column %d: unexpected data after the JSON object", line, col)}
	}
	// encoding/json matches names case-insensitively; Atlas does not, and would ignore "accessListIPs".
	var fields map[string]json.RawMessage
	_ = json.Unmarshal(data, &fields)
	for name, raw := range fields {
		if name != "accessListIps" {
			offset := int64(bytes.Index(data, []byte(strconv.Quote(name))))
			return req, &atlas.InputError{Field: "body", Reason: describeJSONError(data, fmt.Errorf("json: unknown field %q", name), offset)}
		}
		if string(bytes.TrimSpace(raw)) == "null" {
			// encoding/json leaves the pointer nil, and the request would go out as null, which Atlas refuses.
			return req, &atlas.InputError{Field: "accessListIps", Value: "null",
				Reason: `must be an array of IP addresses or CIDR blocks, such as ["203.0.113.7"]; leave the field out for none`}
		}
	}
	if req.AccessListIPs != nil {
		if err := atlas.ValidateAccessList(req.AccessListIPs); err != nil {
			return req, err
		}
	}
	return req, nil
}

func firstInvalidUTF8(b []byte) int {
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size <= 1 {
			return i
		}
		i += size
	}
	return len(b)
}

func describeStart(b []byte) string {
	if len(b) > 20 {
		b = b[:20]
	}
	return strconv.Quote(string(b)) + "..."
}

// describeJSONError turns encoding/json's errors into "line L, column C: what".
func describeJSONError(data []byte, err error, offset int64) string {
	var syntaxErr *json.SyntaxError
	var typeErr *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntaxErr):
		offset = syntaxErr.Offset
		err = fmt.Errorf("malformed JSON: %v", syntaxErr)
	case errors.As(err, &typeErr):
		offset = typeErr.Offset
		err = fmt.Errorf("%s must be %s, got a JSON %s", typeErr.Field, jsonTypeName(typeErr.Type), typeErr.Value)
	case errors.Is(err, io.ErrUnexpectedEOF):
		offset = int64(len(data))
		err = errors.New("malformed JSON: unexpected end of input")
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		err = fmt.Errorf("unknown field %s (TargetOrgRequest has only \"accessListIps\")", strings.TrimPrefix(err.Error(), "json: unknown field "))
	}
	line, col := position(data, offset)
	return fmt.Sprintf("line %d, column %d: %v", line, col, err)
}

func jsonTypeName(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Slice:
		return "an array"
	case reflect.Struct, reflect.Map:
		return "an object"
	}
	return t.String()
}

// position converts a byte offset into a 1-based line and column.
func position(data []byte, offset int64) (line, col int) {
	offset = min(max(offset, 0), int64(len(data)))
	before := data[:offset]
	line = bytes.Count(before, []byte("\n")) + 1
	col = int(offset) - (bytes.LastIndexByte(before, '\n') + 1) + 1
	return line, col
}
