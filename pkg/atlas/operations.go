package atlas

import (
	"context"
	"net/http"
	"strings"

	"github.com/atlas-linktoken/atlas-linktoken/gen"
)

// The operation a request is for travels in its context, as aws-sdk-go-v2 carries its operation name: the typed
// methods put it there, and the header and retry transports read it. Nothing recovers it from the URL when a
// typed method sent the request, so a base URL with a path prefix (a proxy at https://host/atlas/) changes nothing.

type operationKey struct{}

// withOperation returns ctx carrying op.
func withOperation(ctx context.Context, op *gen.Operation) context.Context {
	return context.WithValue(ctx, operationKey{}, op)
}

// operationOf is the operation req's context carries, nil when none.
func operationOf(req *http.Request) *gen.Operation {
	op, _ := req.Context().Value(operationKey{}).(*gen.Operation)
	return op
}

// mustOperation is the generated metadata of operation id, which the typed methods name as constants: a missing one
// is a build that dropped an operation the library still calls, caught by the package's tests.
func mustOperation(id string) *gen.Operation {
	op := gen.OperationByID(id)
	if op == nil {
		panic("atlas: operation " + id + " is not in the generated table; regenerate gen/ or drop its typed method")
	}
	return op
}

// matchOperation finds the operation of a request that carries none (Client.BareDo, the generated client): method
// and path below the base URL's path, compared segment by segment with the path templates; nil when none matches.
func matchOperation(method, basePath, path string) *gen.Operation {
	rest, ok := strings.CutPrefix(path, strings.TrimSuffix(basePath, "/"))
	if !ok {
		return nil
	}
	for i := range gen.Operations {
		op := &gen.Operations[i]
		if op.Method == method && templateMatches(op.Path, rest) {
			return op
		}
	}
	return nil
}

// templateMatches reports whether path fits template, each {param} standing for one non-empty segment.
func templateMatches(template, path string) bool {
	for {
		t, tRest, tMore := strings.Cut(template, "/")
		p, pRest, pMore := strings.Cut(path, "/")
		isParam := strings.HasPrefix(t, "{") && strings.HasSuffix(t, "}")
		if (isParam && p == "") || (!isParam && t != p) || tMore != pMore {
			return false
		}
		if !tMore {
			return true
		}
		template, path = tRest, pRest
	}
}
