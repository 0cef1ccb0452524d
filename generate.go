// Package atlaslinktoken is the root of the atlas-linktoken module: a Go client, a local emulator and a CLI that
// create MongoDB Atlas link-tokens. The library is in pkg/atlas, the emulator in pkg/atlastest, the trimmed
// OpenAPI document in api and the code generated from it in gen.
package atlaslinktoken

//go:generate go run github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen -config api/oapi-codegen.yaml api/openapi.yaml
//go:generate go run github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen -config api/source/oapi-codegen.yaml api/source/openapi.yaml
//go:generate go run ./api/cmd/genmeta -spec api/openapi.yaml -spec api/source/openapi.yaml -out gen
