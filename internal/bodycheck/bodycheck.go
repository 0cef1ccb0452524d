// Package bodycheck checks JSON documents against the schemas compiled into package gen at build time: a request
// body before it is sent (the library's Go values and the CLI's user-written files alike), and a 2xx answer before
// the CLI formats it. It is the one place that names a field the way a user writes it (source.clusterName,
// accessListIps[2]) and that holds the rules the schemas cannot say: access-list entries are IP addresses or CIDR
// blocks, and credentials go with managed authentication only when empty.
//
// It is written here rather than taken from a JSON Schema engine because pkg/atlas must not link one (issue "A
// library others can adopt"): the schemas are Go values, the checker walks the document's tokens once, and every
// problem carries its position in the document.
package bodycheck

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/atlas-linktoken/atlas-linktoken/gen"
)

// Atlas' error codes for what the schema alone does not refuse.
const (
	CodeInvalidAttribute = "INVALID_ATTRIBUTE"
	CodeInvalidIP        = "INVALID_IP_ADDRESS_OR_CIDR_NOTATION"
)

// Problem is the first thing a document has that its schema or a rule forbids.
type Problem struct {
	Field  string // where, as a user writes it: source.clusterName, accessListIps[2]; "" for the whole document
	Value  string // the offending scalar as written (strings unquoted); "" for problems of shape
	Reason string // what is wrong, such as "must be an array, got a JSON string"
	Code   string // Atlas' errorCode for it, when Atlas refuses it with a code of its own
	Line   int    // 1-based position just after the offending value; 0 when unknown
	Column int
}

// Error renders the problem as Text does, with "line L, column C: " in front when the position is known.
func (p *Problem) Error() string {
	text := Text(p.Field, p.Value, p.Reason)
	if p.Code == CodeInvalidIP && p.Value == "" {
		text = fmt.Sprintf("invalid %s %q: %s", p.Field, p.Value, p.Reason)
	}
	if p.Line > 0 {
		return fmt.Sprintf("line %d, column %d: %s", p.Line, p.Column, text)
	}
	return text
}

// Text is the one rendering of a bad input, for the library's InputError and the CLI alike: `invalid FIELD
// "VALUE": REASON` for a bad value, `FIELD REASON` for a bad shape ("source.clusterName must be a string, got a
// JSON number"), REASON alone when it names the field itself or there is none.
func Text(field, value, reason string) string {
	switch {
	case field == "":
		return reason
	case value != "":
		return fmt.Sprintf("invalid %s %q: %s", field, value, reason)
	case strings.HasPrefix(reason, "must ") || strings.HasPrefix(reason, "is ") || strings.HasPrefix(reason, "has "):
		return field + " " + reason
	case strings.Contains(reason, strconv.Quote(field)):
		return reason
	}
	return field + ": " + reason
}

// Direction says which of readOnly and writeOnly applies.
type Direction int

const (
	// Request: readOnly properties must not be sent, undeclared attributes are refused (Atlas refuses them with
	// INVALID_ATTRIBUTE), and the rules apply.
	Request Direction = iota
	// Answer: writeOnly properties are not expected, undeclared attributes are allowed (Atlas adds fields).
	Answer
)

// Check checks data, one JSON document, against schema (nil: any JSON). Syntax problems and data after the
// document are problems too; a document that is not UTF-8 is refused before anything else.
func Check(data []byte, schema *gen.Schema, dir Direction) *Problem {
	if len(bytes.TrimSpace(data)) == 0 {
		return &Problem{Reason: "is empty"}
	}
	if !utf8.Valid(data) {
		line, col := Position(data, int64(firstInvalidUTF8(data)))
		return &Problem{Reason: "not valid UTF-8; JSON must be UTF-8 text", Line: line, Column: col}
	}
	if p := syntax(data); p != nil {
		return p
	}
	// A request is read twice: its schema first (types, required fields, values), then undeclared attributes, so
	// that a body of the wrong version is told what it lacks before what it has too many of.
	for _, lenient := range []bool{dir == Request, false} {
		c := &checker{data: data, dec: json.NewDecoder(bytes.NewReader(data)), dir: dir, lenient: lenient}
		c.dec.UseNumber()
		if p := c.value(schema, ""); p != nil {
			return p
		}
	}
	c := &checker{data: data, dir: dir}
	if dir == Request && schema != nil {
		return c.rules(schema)
	}
	return nil
}

// syntax finds malformed JSON and data after the document, with their positions.
func syntax(data []byte) *Problem {
	dec := json.NewDecoder(bytes.NewReader(data))
	var raw json.RawMessage
	err := dec.Decode(&raw)
	var syntaxErr *json.SyntaxError
	switch {
	case errors.As(err, &syntaxErr):
		line, col := Position(data, syntaxErr.Offset)
		return &Problem{Reason: "malformed JSON: " + syntaxErr.Error(), Line: line, Column: col}
	case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF):
		line, col := Position(data, int64(len(data)))
		return &Problem{Reason: "malformed JSON: unexpected end of input", Line: line, Column: col}
	case err != nil:
		return &Problem{Reason: "malformed JSON: " + err.Error()}
	}
	if _, err := dec.Token(); err != io.EOF {
		line, col := Position(data, dec.InputOffset())
		return &Problem{Reason: "unexpected data after the JSON document", Line: line, Column: col}
	}
	return nil
}

type checker struct {
	data      []byte
	dec       *json.Decoder
	dir       Direction
	ipEntries bool // the array being read is an access list (ipListFields): its strings are IPs or CIDR blocks
	lenient   bool // undeclared attributes pass (the first reading of a request)
}

// problem is a Problem positioned just after the token the decoder read last.
func (c *checker) problem(field, value, reason, code string) *Problem {
	line, col := Position(c.data, c.dec.InputOffset())
	return &Problem{Field: field, Value: value, Reason: reason, Code: code, Line: line, Column: col}
}

// value reads one value from the decoder and checks it against s.
func (c *checker) value(s *gen.Schema, field string) *Problem {
	tok, err := c.dec.Token()
	if err != nil {
		return &Problem{Reason: "malformed JSON: " + err.Error()}
	}
	if s == nil || s.Composed {
		return c.skip(tok)
	}
	if tok == nil {
		switch {
		case s.Nullable || s.Type == "":
			return nil
		case field == "":
			return c.problem("", "", "want a JSON "+s.Type+", got null", "")
		}
		return c.problem(field, "", "must be "+article(s.Type)+", got null", "")
	}
	if got := jsonType(tok); s.Type != "" && !fits(s.Type, got, tok) {
		p := c.problem(field, "", "must be "+article(s.Type)+", got a JSON "+got, "")
		if field == "" {
			p.Reason = "want a JSON " + s.Type + ", got a JSON " + got
		}
		if skipErr := c.skip(tok); skipErr != nil {
			return skipErr
		}
		return p
	}
	switch t := tok.(type) {
	case json.Delim:
		if t == '{' {
			return c.object(s, field)
		}
		return c.array(s, field)
	case string:
		return c.str(s, field, t)
	case json.Number:
		return c.number(s, field, t)
	}
	return nil
}

func fieldOr(field string) string {
	if field == "" {
		return "the document"
	}
	return field
}

func (c *checker) object(s *gen.Schema, field string) *Problem {
	seen := map[string]bool{}
	for c.dec.More() {
		tok, err := c.dec.Token()
		if err != nil {
			return &Problem{Reason: "malformed JSON: " + err.Error()}
		}
		name, _ := tok.(string)
		seen[name] = true
		child := join(field, name)
		prop := s.Property(name)
		switch {
		case prop == nil && !s.AdditionalProperties && c.dir == Request && !c.lenient && len(s.Properties) > 0:
			return c.problem(child, "", fmt.Sprintf("unknown field %q%s; %s declares no such attribute, and Atlas refuses it: Invalid attribute %s specified.",
				child, suggest(name, s), orAnonymous(s.Name), name), CodeInvalidAttribute)
		case prop != nil && prop.ReadOnly && c.dir == Request:
			return c.problem(child, "", "is set by Atlas and must not be sent", CodeInvalidAttribute)
		}
		if p := c.value(prop, child); p != nil {
			return p
		}
	}
	if _, err := c.dec.Token(); err != nil { // '}'
		return &Problem{Reason: "malformed JSON: " + err.Error()}
	}
	for _, name := range s.Required {
		prop := s.Property(name)
		if seen[name] || prop == nil || (prop.ReadOnly && c.dir == Request) || (prop.WriteOnly && c.dir == Answer) {
			continue
		}
		return c.problem(join(field, name), "", fmt.Sprintf("required field %q is missing", join(field, name)), "")
	}
	return nil
}

func orAnonymous(name string) string {
	if name == "" {
		return "the object"
	}
	return "the " + name + " schema"
}

// suggest names a declared property that differs from name only in case or by a typo.
func suggest(name string, s *gen.Schema) string {
	for _, p := range s.Properties {
		if strings.EqualFold(p.Name, name) {
			return fmt.Sprintf(" (did you mean %q?)", p.Name)
		}
	}
	return ""
}

func (c *checker) array(s *gen.Schema, field string) *Problem {
	n := 0
	c.ipEntries = c.dir == Request && ipListFields[lastName(field)]
	for c.dec.More() {
		if p := c.value(s.Items, field+"["+strconv.Itoa(n)+"]"); p != nil {
			return p
		}
		n++
	}
	if _, err := c.dec.Token(); err != nil { // ']'
		return &Problem{Reason: "malformed JSON: " + err.Error()}
	}
	switch {
	case uint64(n) < s.MinItems:
		return c.problem(fieldOr(field), "", fmt.Sprintf("must have at least %d %s, got %d", s.MinItems, entries(s.MinItems), n), "")
	case s.MaxItems != nil && uint64(n) > *s.MaxItems:
		return c.problem(fieldOr(field), "", fmt.Sprintf("must have at most %d %s, got %d", *s.MaxItems, entries(*s.MaxItems), n), "")
	}
	return nil
}

func entries(n uint64) string {
	if n == 1 {
		return "entry"
	}
	return "entries"
}

func (c *checker) str(s *gen.Schema, field, v string) *Problem {
	length := uint64(utf8.RuneCountInString(v))
	switch {
	case len(s.Enum) > 0 && !slices.Contains(s.Enum, v):
		return c.problem(fieldOr(field), v, "must be one of "+strings.Join(s.Enum, ", "), "")
	case length < s.MinLength && length == 0:
		return c.problem(fieldOr(field), v, "must not be empty", "")
	case length < s.MinLength:
		return c.problem(fieldOr(field), v, fmt.Sprintf("must be at least %d characters", s.MinLength), "")
	case s.MaxLength != nil && length > *s.MaxLength:
		return c.problem(fieldOr(field), v, fmt.Sprintf("must be at most %d characters", *s.MaxLength), "")
	case s.Pattern != "" && !Matches(s.Pattern, v):
		return c.problem(fieldOr(field), v, "must match "+s.Pattern, "")
	}
	if c.ipEntries && strings.HasSuffix(field, "]") && !IsIPOrCIDR(v) {
		return c.problem(field, v, "not an IP address or CIDR block", CodeInvalidIP)
	}
	return nil
}

func lastName(path string) string {
	if i := strings.LastIndexByte(path, '.'); i >= 0 {
		return path[i+1:]
	}
	return path
}

func (c *checker) number(s *gen.Schema, field string, n json.Number) *Problem {
	f, err := n.Float64()
	if err != nil {
		return c.problem(fieldOr(field), n.String(), "is not a number Go can read", "")
	}
	switch {
	case s.Minimum != nil && f < *s.Minimum:
		return c.problem(fieldOr(field), n.String(), "must be at least "+strconv.FormatFloat(*s.Minimum, 'g', -1, 64), "")
	case s.Maximum != nil && f > *s.Maximum:
		return c.problem(fieldOr(field), n.String(), "must be at most "+strconv.FormatFloat(*s.Maximum, 'g', -1, 64), "")
	case len(s.Enum) > 0 && !slices.Contains(s.Enum, n.String()):
		return c.problem(fieldOr(field), n.String(), "must be one of "+strings.Join(s.Enum, ", "), "")
	}
	return nil
}

// skip reads the rest of a value whose first token was tok.
func (c *checker) skip(tok json.Token) *Problem {
	if d, ok := tok.(json.Delim); ok && (d == '{' || d == '[') {
		for depth := 1; depth > 0; {
			t, err := c.dec.Token()
			if err != nil {
				return &Problem{Reason: "malformed JSON: " + err.Error()}
			}
			if d, ok := t.(json.Delim); ok {
				if d == '{' || d == '[' {
					depth++
				} else {
					depth--
				}
			}
		}
	}
	return nil
}

func join(field, name string) string {
	if field == "" {
		return name
	}
	return field + "." + name
}

// jsonType names a token's JSON type as encoding/json's errors do.
func jsonType(tok json.Token) string {
	switch t := tok.(type) {
	case json.Delim:
		if t == '{' {
			return "object"
		}
		return "array"
	case string:
		return "string"
	case json.Number:
		return "number"
	case bool:
		return "boolean"
	}
	return "null"
}

func fits(want, got string, tok json.Token) bool {
	switch want {
	case got:
		return true
	case "integer":
		n, ok := tok.(json.Number)
		if !ok {
			return false
		}
		_, err := strconv.ParseInt(n.String(), 10, 64)
		return err == nil
	}
	return false
}

func article(typ string) string {
	switch typ {
	case "object", "array", "integer":
		return "an " + typ
	}
	return "a " + typ
}

// patterns caches compiled schema patterns; one that Go's regexp cannot compile (a lookahead) accepts everything,
// as the emulator does (api.CompilePattern).
var patterns sync.Map // string → *regexp.Regexp or nil

var codepoint = regexp.MustCompile(`\\u([0-9A-Fa-f]{4})`)

// Matches reports whether v matches the schema pattern (compiled once; a pattern Go cannot compile matches all).
func Matches(pattern, v string) bool {
	cached, ok := patterns.Load(pattern)
	if !ok {
		re, err := regexp.Compile(codepoint.ReplaceAllString(pattern, `\x{$1}`))
		if err != nil {
			re = nil
		}
		cached, _ = patterns.LoadOrStore(pattern, re)
	}
	re := cached.(*regexp.Regexp)
	return re == nil || re.MatchString(v)
}

// Position converts a byte offset of data into a 1-based line and column.
func Position(data []byte, offset int64) (line, col int) {
	offset = min(max(offset, 0), int64(len(data)))
	before := data[:offset]
	line = bytes.Count(before, []byte("\n")) + 1
	col = int(offset) - (bytes.LastIndexByte(before, '\n') + 1) + 1
	return line, col
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
