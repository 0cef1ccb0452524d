//go:build tools

// This file pins the code generator as a module dependency, so `go generate` runs the version in go.mod.
package atlaslinktoken

import _ "github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen"
