package atlas

import (
	"net/http"
	"strings"

	"github.com/atlas-linktoken/atlas-linktoken/gen"
)

// headerTransport is the first step of the request path: every request carries the User-Agent and the versioned
// Accept of its operation's version (the version its versioned Content-Type names, else the operation's newest,
// else APIVersion), and its operation in the context for the steps after it. A request no typed method sent (the
// generated client) gets its operation from its method and path below the base URL's path. A request that already
// has an Accept keeps it. The request is cloned, never changed.
type headerTransport struct {
	next      http.RoundTripper
	userAgent string
	basePath  string
}

func (t *headerTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	op := operationOf(req)
	if op != nil && req.Header.Get("User-Agent") == t.userAgent && req.Header.Get("Accept") != "" {
		// A typed method set everything already (callHeaders, withOperation): nothing to change, so nothing to copy.
		resp, err := t.next.RoundTrip(req)
		if err == nil {
			bareVersionedType(resp)
		}
		return resp, err
	}
	clone := new(http.Request)
	*clone = *req
	if op == nil {
		if op = matchOperation(req.Method, t.basePath, req.URL.Path); op != nil {
			clone = clone.WithContext(withOperation(req.Context(), op))
		}
	}
	clone.Header = make(http.Header, len(req.Header)+2)
	for k, v := range req.Header {
		clone.Header[k] = v
	}
	clone.Header.Set("User-Agent", t.userAgent)
	if clone.Header.Get("Accept") == "" {
		clone.Header.Set("Accept", acceptFor(req, op))
	}
	resp, err := t.next.RoundTrip(clone)
	if err == nil {
		bareVersionedType(resp)
	}
	return resp, err
}

// bareVersionedType drops the parameters (;charset=utf-8, which Atlas adds) from a 2xx answer's versioned JSON
// Content-Type: the generated parsers of operations with several versions match the media type exactly, and would
// otherwise decode nothing. JSON is UTF-8 by definition (RFC 8259), so nothing is lost.
func bareVersionedType(resp *http.Response) {
	ct := resp.Header.Get("Content-Type")
	if resp.StatusCode < 200 || resp.StatusCode > 299 || !strings.HasPrefix(ct, "application/vnd.atlas.") {
		return
	}
	if mediaType, _, ok := strings.Cut(ct, ";"); ok {
		resp.Header.Set("Content-Type", strings.TrimSpace(mediaType))
	}
}

// CloseIdleConnections lets http.Client.CloseIdleConnections reach the wrapped transport.
func (t *headerTransport) CloseIdleConnections() { closeIdle(t.next) }

// acceptFor chooses the media type a request accepts: the version of its versioned body, else the newest version
// of its operation.
func acceptFor(req *http.Request, op *gen.Operation) string {
	if ct := req.Header.Get("Content-Type"); strings.HasPrefix(ct, "application/vnd.atlas.") {
		mediaType, _, _ := strings.Cut(ct, ";")
		return strings.TrimSpace(mediaType)
	}
	switch {
	case op != nil && op.Plain != nil:
		return "application/json" // an unversioned API: Cloud Manager's and Ops Manager's v1.0
	case op != nil && op.Newest() != "":
		return mediaTypeOf(op.Newest())
	}
	return MediaType
}

// mediaTypeOf is version's media type, application/vnd.atlas.VERSION+json; the common one is a constant, not built
// per call.
func mediaTypeOf(version string) string {
	if version == APIVersion {
		return MediaType
	}
	return "application/vnd.atlas." + version + "+json"
}

func closeIdle(rt http.RoundTripper) {
	if ci, ok := rt.(interface{ CloseIdleConnections() }); ok {
		ci.CloseIdleConnections()
	}
}
