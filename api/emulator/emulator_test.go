package emulator_test

import (
	"context"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/atlas-linktoken/atlas-linktoken/api/emulator"
)

// The control plane's document is valid OpenAPI 3.0, every operation has an operationId, and every path lives under
// the reserved prefix.
func TestDocumentIsValid(t *testing.T) {
	doc, err := openapi3.NewLoader().LoadFromData(emulator.Document())
	if err != nil {
		t.Fatal(err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatal(err)
	}
	for path, item := range doc.Paths.Map() {
		if !strings.HasPrefix(path, "/_emulator/") {
			t.Errorf("%s: not under /_emulator/", path)
		}
		for method, op := range item.Operations() {
			if op.OperationID == "" {
				t.Errorf("%s %s: no operationId", method, path)
			}
		}
	}
}
