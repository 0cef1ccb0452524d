package main

import (
	"slices"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
)

// allOf of plain objects is merged (properties and required lists joined); anything else stays composed.
func TestMergeAllOf(t *testing.T) {
	str := openapi3.NewStringSchema().NewRef()
	base := &openapi3.Schema{Type: &openapi3.Types{"object"}, Properties: openapi3.Schemas{"linkToken": str}, Required: []string{"linkToken"}}
	extra := &openapi3.Schema{Properties: openapi3.Schemas{"expiresAt": str}}
	split := &openapi3.Schema{AllOf: openapi3.SchemaRefs{base.NewRef(), extra.NewRef()}}
	merged := mergeAllOf(split)
	if merged == nil || len(merged.Properties) != 2 || !slices.Equal(merged.Required, []string{"linkToken"}) || !merged.Type.Is("object") || len(merged.AllOf) != 0 {
		t.Fatalf("merged: %+v", merged)
	}
	if len(split.AllOf) != 2 || split.Properties != nil {
		t.Error("the document's schema was changed")
	}
	other := openapi3.NewIntegerSchema().NewRef()
	for name, s := range map[string]*openapi3.Schema{
		"no allOf":          base,
		"with oneOf":        {AllOf: openapi3.SchemaRefs{base.NewRef()}, OneOf: openapi3.SchemaRefs{extra.NewRef()}},
		"a part not object": {AllOf: openapi3.SchemaRefs{openapi3.NewStringSchema().NewRef()}},
		"conflicting":       {AllOf: openapi3.SchemaRefs{base.NewRef(), (&openapi3.Schema{Properties: openapi3.Schemas{"linkToken": other}}).NewRef()}},
		"nested allOf":      {AllOf: openapi3.SchemaRefs{split.NewRef()}},
	} {
		if mergeAllOf(s) != nil {
			t.Errorf("%s: merged", name)
		}
	}
}
