package api

import (
	"context"
	_ "embed"
	"fmt"
	"slices"

	"github.com/getkin/kin-openapi/openapi3"
)

//go:embed source/openapi.yaml
var sourceYAML []byte

// SourceYAML returns a copy of the embedded source-side document, api/source/openapi.yaml: the Cloud Manager and
// Ops Manager public API v1.0 operations that connect a source organization to an Atlas organization.
func SourceYAML() []byte { return slices.Clone(sourceYAML) }

// LoadSource parses the embedded source-side document and validates it with kin-openapi, as Load does the Atlas
// one. Each call returns a fresh document.
func LoadSource() (*openapi3.T, error) {
	doc, err := openapi3.NewLoader().LoadFromData(sourceYAML)
	if err != nil {
		return nil, fmt.Errorf("api: parse source/openapi.yaml: %w", err)
	}
	if err := doc.Validate(context.Background(), openapi3.SetRegexCompiler(CompilePattern)); err != nil {
		return nil, fmt.Errorf("api: validate source/openapi.yaml: %w", err)
	}
	return doc, nil
}
