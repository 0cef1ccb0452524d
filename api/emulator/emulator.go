// Package emulator holds the OpenAPI document of the atlas-emulator's control plane (the /_emulator/ paths of
// pkg/atlastest), which the emulator serves at GET /_emulator/openapi.yaml so that a test suite in any language can
// generate a client for it.
package emulator

import (
	_ "embed"
	"slices"
)

//go:embed openapi.yaml
var document []byte

// Document returns a copy of api/emulator/openapi.yaml.
func Document() []byte { return slices.Clone(document) }
