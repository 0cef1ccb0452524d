package atlastest

import (
	"fmt"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/atlas-linktoken/atlas-linktoken/api"
)

// documents is what the emulator reads from the two embedded documents: their routers, path tables and the schemas
// it checks by hand. Parsing and validating a document is most of what NewServer costs (about 0.1 s, several times
// that under the race detector), and nothing here changes after it is built, so every server of a process shares
// one copy: a test suite may start hundreds of servers.
type documents struct {
	router          routers.Router
	paths           []pathInfo
	bodySchema      *openapi3.Schema
	orgIDParam      *openapi3.Parameter
	skippedPatterns []string
	sourceRouter    routers.Router
	sourcePaths     []pathInfo
}

// loadDocuments parses both documents once per process; every server reads the result and none writes it.
var loadDocuments = sync.OnceValues(func() (*documents, error) {
	doc, err := api.Load()
	if err != nil {
		return nil, fmt.Errorf("atlastest: %w", err)
	}
	doc.Servers = nil // route whatever host the emulator listens on
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		return nil, fmt.Errorf("atlastest: router: %w", err)
	}
	source, err := api.LoadSource()
	if err != nil {
		return nil, fmt.Errorf("atlastest: %w", err)
	}
	source.Servers = nil
	sourceRouter, err := gorillamux.NewRouter(source)
	if err != nil {
		return nil, fmt.Errorf("atlastest: source router: %w", err)
	}
	return &documents{
		router:          router,
		paths:           pathTable(doc),
		bodySchema:      doc.Components.Schemas["TargetOrgRequest"].Value,
		orgIDParam:      doc.Components.Parameters["orgId"].Value,
		skippedPatterns: api.UnsupportedPatterns(doc),
		sourceRouter:    sourceRouter,
		sourcePaths:     pathTable(source),
	}, nil
})
