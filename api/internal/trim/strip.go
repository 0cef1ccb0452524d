package trim

import (
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// Code generators read OpenAPI extensions as instructions: oapi-codegen's x-go-type-import adds an import to the
// generated code, x-go-type replaces a type, x-oapi-codegen-extra-tags adds struct tags, x-enum-varnames names
// constants. An upstream document setting them would write our generated code, so the trimmer removes every one of
// them from what it keeps; only our own api/gen-overlay.yaml, applied by oapi-codegen itself, may set them. The keys
// the pipeline itself writes (x-upstream-operation-id, x-operation-aliases, x-previous-tags, info.x-upstream-sha256, info.x-api) are
// removed from upstream's input too, so that only the trimmer sets them.

// generatorPrefixes and generatorNames are the extensions code generators act on, compared case-insensitively:
// every extension oapi-codegen reads (TestEveryOapiCodegenExtensionIsStripped checks the pinned version's list) and
// the families other Go and OpenAPI generators use.
var (
	generatorPrefixes = []string{"x-go-", "x-oapi-codegen-", "x-enum-", "x-omit", "x-json-"}
	generatorNames    = []string{
		"x-go", "x-order", "x-enumnames", "x-enumdescriptions", "x-deprecated-reason", "x-client-response-wrapper",
		"x-sensitive", "x-extra-tags", "x-nullable", "x-is-generic",
	}
	// pipelineKeys are the extensions the trimmer itself writes.
	pipelineKeys = []string{"x-upstream-operation-id", "x-operation-aliases", "x-previous-tags", "x-upstream-sha256", "x-api"}
)

// IsGeneratorExtension reports whether key is an extension a code generator acts on.
func IsGeneratorExtension(key string) bool {
	k := strings.ToLower(key)
	if slices.Contains(generatorNames, k) {
		return true
	}
	for _, p := range generatorPrefixes {
		if strings.HasPrefix(k, p) {
			return true
		}
	}
	return false
}

// childKind is what the value of a key of an OpenAPI object holds.
type childKind int

const (
	objectKind childKind = iota // an OpenAPI object: its x- keys are extensions
	namesKind                   // a map from names (properties, media types, headers, components) to objects
	dataKind                    // example values, defaults, enums, extension values: never instructions
)

// kindOf says what the value of key holds, for a key of an OpenAPI object.
func kindOf(key string, value *yaml.Node) childKind {
	switch key {
	case "example", "default", "enum", "const", "value", "required":
		return dataKind
	case "examples":
		if value.Kind == yaml.MappingNode {
			return namesKind // Example Objects by name (a schema's examples are a list of values)
		}
		return dataKind
	case "parameters":
		if value.Kind == yaml.MappingNode {
			return namesKind // components.parameters (an operation's are a list of objects)
		}
		return objectKind
	case "properties", "patternProperties", "$defs", "definitions", "dependentSchemas", "headers", "content",
		"encoding", "links", "callbacks", "variables", "scopes", "mapping", "schemas", "requestBodies",
		"securitySchemes", "pathItems", "webhooks", "security":
		// security: a list of requirement maps from scheme names to scopes.
		return namesKind
	}
	return objectKind
}

// stripped is an extension removed from upstream: where (the keys leading to the object that had it) and its key.
type stripped struct {
	at  []string
	key string
}

// String is the extension's place as a dotted path, such as components.schemas.TargetOrg.x-go-type-import.
func (s stripped) String() string { return strings.Join(append(slices.Clone(s.at), s.key), ".") }

// stripExtensions removes code-generator extensions and the pipeline's own keys from the OpenAPI object n (the
// document root), wherever they are extensions (not where they are property names, header names or example data),
// and lists what it removed.
func stripExtensions(n *yaml.Node) []stripped {
	var out []stripped
	stripObject(n, make([]string, 0, 32), &out)
	return out
}

func stripObject(n *yaml.Node, path []string, out *[]stripped) {
	switch n.Kind {
	case yaml.SequenceNode:
		for _, item := range n.Content {
			stripObject(item, path, out)
		}
		return
	case yaml.MappingNode:
	default:
		return
	}
	kept := n.Content[:0]
	for i := 0; i+1 < len(n.Content); i += 2 {
		key, value := n.Content[i], n.Content[i+1]
		if strings.HasPrefix(key.Value, "x-") || strings.HasPrefix(key.Value, "X-") {
			if IsGeneratorExtension(key.Value) || slices.Contains(pipelineKeys, strings.ToLower(key.Value)) {
				*out = append(*out, stripped{slices.Clone(path), key.Value})
				continue
			}
			kept = append(kept, key, value) // another extension: its value is data
			continue
		}
		kept = append(kept, key, value)
		child := append(path, key.Value) // shared along the walk: what is kept of it is cloned
		switch kindOf(key.Value, value) {
		case objectKind:
			stripObject(value, child, out)
		case namesKind:
			stripNames(value, child, out)
		}
	}
	n.Content = kept
}

// stripNames walks a map from names to objects (or a list of such maps): its keys are names, never extensions.
func stripNames(n *yaml.Node, path []string, out *[]stripped) {
	switch n.Kind {
	case yaml.SequenceNode:
		for _, item := range n.Content {
			stripNames(item, path, out)
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			stripObject(n.Content[i+1], append(path, n.Content[i].Value), out)
		}
	}
}
