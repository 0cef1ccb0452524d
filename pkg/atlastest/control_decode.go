package atlastest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// ValueError is a control request (a seed document, a fault, a job's state, a clock move) refused for one value,
// named by its path in the document, such as orgs[0].apiKeys[1].privateKey. Nothing of the request was applied.
type ValueError struct {
	Path    string // where the bad value is; "" for the document as a whole
	Problem string
}

func (e *ValueError) Error() string {
	if e.Path == "" {
		return e.Problem
	}
	return e.Path + ": " + e.Problem
}

func badValue(path, format string, args ...any) *ValueError {
	return &ValueError{Path: path, Problem: fmt.Sprintf(format, args...)}
}

// joinPath names field key of the value at path: orgs[0] and apiKeys give orgs[0].apiKeys.
func joinPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func indexPath(path string, i int) string { return path + "[" + strconv.Itoa(i) + "]" }

const (
	maxDocumentDepth = 32      // nesting, in a control document
	maxDocumentNodes = 1 << 17 // values, in a control document, YAML aliases expanded
)

// decodeDocument reads a control document, JSON or YAML (JSON when its first non-blank byte is { or [; YAML is the
// rest), into dst, a pointer to a struct whose json tags name its fields. It is strict, and names what it refuses by
// its path: an unknown field (names match exactly), a value of the wrong type, a key given twice, data after the
// document.
func decodeDocument(data []byte, dst any) error {
	tree, err := parseDocument(data)
	if err != nil {
		return err
	}
	return assign(tree, reflect.ValueOf(dst).Elem(), "")
}

func parseDocument(data []byte) (any, error) {
	if !utf8.Valid(data) {
		return nil, badValue("", "the document is not valid UTF-8")
	}
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 {
		return nil, badValue("", "the document is empty")
	}
	if trimmed[0] == '{' || trimmed[0] == '[' {
		return parseJSON(data)
	}
	return parseYAML(data)
}

func parseJSON(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	nodes := 0
	v, err := jsonValue(dec, data, "", 0, &nodes)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		line, col := lineCol(data, dec.InputOffset())
		return nil, badValue("", "unexpected data after the JSON document at line %d, column %d", line, col)
	}
	return v, nil
}

func jsonValue(dec *json.Decoder, data []byte, path string, depth int, nodes *int) (any, error) {
	if *nodes++; *nodes > maxDocumentNodes || depth > maxDocumentDepth {
		return nil, badValue(path, "the document is too large or too deeply nested")
	}
	tok, err := dec.Token()
	if err != nil {
		return nil, jsonSyntax(data, dec, err)
	}
	delim, ok := tok.(json.Delim)
	if !ok {
		return tok, nil // string, json.Number, bool or nil
	}
	switch delim {
	case '{':
		obj := map[string]any{}
		for dec.More() {
			tok, err := dec.Token()
			if err != nil {
				return nil, jsonSyntax(data, dec, err)
			}
			key, _ := tok.(string)
			if _, dup := obj[key]; dup {
				return nil, badValue(joinPath(path, key), "given twice")
			}
			if obj[key], err = jsonValue(dec, data, joinPath(path, key), depth+1, nodes); err != nil {
				return nil, err
			}
		}
		if _, err := dec.Token(); err != nil {
			return nil, jsonSyntax(data, dec, err)
		}
		return obj, nil
	case '[':
		list := []any{}
		for dec.More() {
			v, err := jsonValue(dec, data, indexPath(path, len(list)), depth+1, nodes)
			if err != nil {
				return nil, err
			}
			list = append(list, v)
		}
		if _, err := dec.Token(); err != nil {
			return nil, jsonSyntax(data, dec, err)
		}
		return list, nil
	}
	return nil, jsonSyntax(data, dec, fmt.Errorf("unexpected %v", delim))
}

func jsonSyntax(data []byte, dec *json.Decoder, err error) error {
	offset := dec.InputOffset()
	var se *json.SyntaxError
	if errors.As(err, &se) {
		offset = se.Offset
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return badValue("", "the JSON document ends early")
	}
	line, col := lineCol(data, offset)
	return badValue("", "malformed JSON at line %d, column %d: %v", line, col, err)
}

func lineCol(data []byte, offset int64) (line, col int) {
	offset = min(max(offset, 0), int64(len(data)))
	before := data[:offset]
	line = bytes.Count(before, []byte("\n")) + 1
	col = int(offset) - bytes.LastIndexByte(before, '\n')
	return line, col
}

func parseYAML(data []byte) (any, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, badValue("", "the document is empty")
		}
		return nil, badValue("", "malformed YAML: %s", strings.TrimPrefix(err.Error(), "yaml: "))
	}
	var next yaml.Node
	if err := dec.Decode(&next); !errors.Is(err, io.EOF) {
		return nil, badValue("", "give one YAML document, not several")
	}
	nodes := 0
	return yamlValue(&doc, "", 0, &nodes)
}

func yamlValue(n *yaml.Node, path string, depth int, nodes *int) (any, error) {
	if *nodes++; *nodes > maxDocumentNodes || depth > maxDocumentDepth {
		return nil, badValue(path, "the document is too large or too deeply nested (YAML aliases count once per use)")
	}
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil, badValue("", "the document is empty")
		}
		return yamlValue(n.Content[0], path, depth, nodes)
	case yaml.AliasNode:
		return yamlValue(n.Alias, path, depth+1, nodes)
	case yaml.MappingNode:
		obj := map[string]any{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			key := n.Content[i].Value
			if _, dup := obj[key]; dup {
				return nil, badValue(joinPath(path, key), "given twice (line %d)", n.Content[i].Line)
			}
			v, err := yamlValue(n.Content[i+1], joinPath(path, key), depth+1, nodes)
			if err != nil {
				return nil, err
			}
			obj[key] = v
		}
		return obj, nil
	case yaml.SequenceNode:
		list := make([]any, 0, len(n.Content))
		for i, item := range n.Content {
			v, err := yamlValue(item, indexPath(path, i), depth+1, nodes)
			if err != nil {
				return nil, err
			}
			list = append(list, v)
		}
		return list, nil
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!null":
			return nil, nil
		case "!!bool":
			var b bool
			if err := n.Decode(&b); err != nil {
				return nil, badValue(path, "%q is not a boolean", n.Value)
			}
			return b, nil
		case "!!int":
			var i int64
			if err := n.Decode(&i); err != nil {
				return nil, badValue(path, "%q is a number too large to hold; if it is an ID or a name, quote it", n.Value)
			}
			return json.Number(strconv.FormatInt(i, 10)), nil
		case "!!float":
			var f float64
			if err := n.Decode(&f); err != nil {
				return nil, badValue(path, "%q is not a number", n.Value)
			}
			return json.Number(strconv.FormatFloat(f, 'g', -1, 64)), nil
		}
		return n.Value, nil // !!str, and what YAML would type otherwise (a date): the text as written
	}
	return nil, badValue(path, "unsupported YAML node (line %d)", n.Line)
}

var durationType = reflect.TypeFor[time.Duration]()

// assign stores tree value v, at path, into rv, by rv's type.
func assign(v any, rv reflect.Value, path string) error {
	if rv.Type() == durationType {
		s, ok := v.(string)
		if !ok {
			return badValue(path, "want a duration in Go syntax, such as \"90s\", \"10m\" or \"120h\"; got %s", describe(v))
		}
		d, err := time.ParseDuration(s)
		if err != nil {
			return badValue(path, "%q is not a duration in Go syntax, such as \"90s\", \"10m\" or \"120h\"", s)
		}
		rv.SetInt(int64(d))
		return nil
	}
	switch rv.Kind() {
	case reflect.Pointer:
		if v == nil {
			return nil
		}
		p := reflect.New(rv.Type().Elem())
		if err := assign(v, p.Elem(), path); err != nil {
			return err
		}
		rv.Set(p)
		return nil
	case reflect.String:
		s, ok := v.(string)
		if !ok {
			return badValue(path, "want a string; got %s (quote it)", describe(v))
		}
		rv.SetString(s)
		return nil
	case reflect.Bool:
		b, ok := v.(bool)
		if !ok {
			return badValue(path, "want true or false; got %s", describe(v))
		}
		rv.SetBool(b)
		return nil
	case reflect.Int, reflect.Int32, reflect.Int64:
		n, ok := v.(json.Number)
		if !ok {
			return badValue(path, "want a whole number; got %s", describe(v))
		}
		i, err := n.Int64()
		if err != nil || rv.OverflowInt(i) {
			return badValue(path, "%s is not a whole number in range", n)
		}
		rv.SetInt(i)
		return nil
	case reflect.Slice:
		if v == nil {
			return nil
		}
		list, ok := v.([]any)
		if !ok {
			return badValue(path, "want a list; got %s", describe(v))
		}
		out := reflect.MakeSlice(rv.Type(), len(list), len(list))
		for i, item := range list {
			if err := assign(item, out.Index(i), indexPath(path, i)); err != nil {
				return err
			}
		}
		rv.Set(out)
		return nil
	case reflect.Struct:
		obj, ok := v.(map[string]any)
		if !ok {
			return badValue(path, "want an object; got %s", describe(v))
		}
		fields := map[string]int{}
		var names []string
		for i := range rv.NumField() {
			name, _, _ := strings.Cut(rv.Type().Field(i).Tag.Get("json"), ",")
			if name == "" || name == "-" {
				continue
			}
			fields[name] = i
			names = append(names, name)
		}
		for _, key := range sortedKeys(obj) {
			i, ok := fields[key]
			if !ok {
				return badValue(joinPath(path, key), "unknown field; the known ones are %s", strings.Join(names, ", "))
			}
			if err := assign(obj[key], rv.Field(i), joinPath(path, key)); err != nil {
				return err
			}
		}
		return nil
	}
	return badValue(path, "cannot be set (emulator bug: type %v)", rv.Type())
}

// describe names the JSON type of tree value v, for messages.
func describe(v any) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case string:
		return fmt.Sprintf("the string %.40q", v)
	case json.Number:
		return "the number " + v.String()
	case bool:
		return "the boolean " + strconv.FormatBool(v)
	case []any:
		return "a list"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}

// sortedKeys are obj's keys in order, so that of two bad fields the same one is always reported.
func sortedKeys(obj map[string]any) []string {
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
