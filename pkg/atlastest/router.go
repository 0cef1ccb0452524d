package atlastest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"

	"github.com/atlas-linktoken/atlas-linktoken/api"
)

// call is one request that passed routing, authentication, content negotiation and validation: what a handler
// needs to answer it.
type call struct {
	rec         *recorder
	r           *http.Request
	key         *principal
	params      map[string]string // path parameters
	body        []byte
	contentType string  // the response media type negotiated from Accept, with charset
	version     string  // the resource version negotiated from Accept
	need        orgRole // the role the operation needs in the org (x-rolesRequirements)
}

// handler answers one operation.
type handler func(s *Server, c *call)

// handlers are the operations the emulator implements, by operationId. An operation of the document without a
// handler answers 501 NOT_IMPLEMENTED naming it.
var handlers = map[string]handler{
	"createLinkToken":            (*Server).handleCreateLinkToken,
	"deleteLinkTokens":           (*Server).handleDeleteLinkTokens,
	"listAvailableProjects":      (*Server).handleListAvailableProjects,
	"validateLiveMigrations":     (*Server).handleValidateMigration,
	"getMigrationValidateStatus": (*Server).handleGetValidation,
	"createGroupLiveMigration":   (*Server).handleCreateMigration,
	"getGroupLiveMigration":      (*Server).handleGetMigration,
	"cutoverMigration":           (*Server).handleCutover,
}

// pathInfo is one path template of the document and the methods it declares, for 405's Allow header.
type pathInfo struct {
	re      *regexp.Regexp
	methods []string
}

func pathTable(doc *openapi3.T) []pathInfo {
	var out []pathInfo
	for path, item := range doc.Paths.Map() {
		pi := pathInfo{re: api.PathPattern(path)}
		for method := range item.Operations() {
			pi.methods = append(pi.methods, strings.ToUpper(method))
		}
		slices.Sort(pi.methods)
		out = append(out, pi)
	}
	return out
}

// allowed lists the methods the document declares for path.
func (s *Server) allowed(path string) []string {
	var methods []string
	for _, p := range s.paths {
		if p.re.MatchString(path) {
			methods = append(methods, p.methods...)
		}
	}
	slices.Sort(methods)
	return slices.Compact(methods)
}

// serveV2 routes a v2 request with kin-openapi's router over the embedded document, then checks it in the order
// the package doc gives and hands it to its operation's handler.
func (s *Server) serveV2(rec *recorder, r *http.Request, body []byte) {
	route, pathParams, err := s.router.FindRoute(r)
	switch {
	case errors.Is(err, routers.ErrMethodNotAllowed):
		rec.Header().Set("Allow", strings.Join(s.allowed(r.URL.Path), ", "))
		s.writeError(rec, r, http.StatusMethodNotAllowed, "METHOD_NOT_ALLOWED", "method "+r.Method+" is not allowed here")
		return
	case err != nil:
		s.writeError(rec, r, http.StatusNotFound, "NOT_FOUND", "no resource at "+r.URL.Path)
		return
	}
	rec.route, rec.pathParams = route, pathParams
	key, ok := s.authorize(rec, r)
	if !ok {
		return
	}
	versions := api.OperationVersions(route.Operation)
	version, resolved, ok := negotiate(r.Header.Get("Accept"), versions)
	if !ok {
		known := make([]string, len(versions))
		for i, v := range versions {
			known[i] = api.MediaType(v)
		}
		s.writeError(rec, r, http.StatusNotAcceptable, "INVALID_ACCEPT_HEADER", fmt.Sprintf(
			"Accept %q names no version of %s; it has: %s", r.Header.Get("Accept"), route.Operation.OperationID, strings.Join(known, ", ")))
		return
	}
	if field, problem := strictQuery(route.Operation, r); field != "" {
		s.writeValidationError(rec, r, field, problem)
		return
	}
	if be := checkJSONSyntax(body); be != nil {
		s.writeFieldError(rec, r, be)
		return
	}
	body, warnings := lenient(r, route.Operation, version, body)
	if resolved != "" {
		warnings = append([]string{"Accept " + resolved + " resolved to version " + version + " (the newest at or before that date)"}, warnings...)
	}
	warn(rec, warnings)
	r.Body = io.NopCloser(bytes.NewReader(body))
	err = openapi3filter.ValidateRequest(r.Context(), &openapi3filter.RequestValidationInput{
		Request: r, PathParams: pathParams, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, RegexCompiler: api.CompilePattern},
	})
	if err != nil {
		field, problem := describeValidationError(err)
		s.writeValidationError(rec, r, field, problem)
		return
	}
	if be := s.checkBodyAttributes(route.Operation, r, body); be != nil {
		s.writeFieldError(rec, r, be)
		return
	}
	h, ok := s.handlers[route.Operation.OperationID]
	if !ok {
		s.writeError(rec, r, http.StatusNotImplemented, "NOT_IMPLEMENTED",
			"The emulator does not implement operation "+route.Operation.OperationID+" ("+r.Method+" "+route.Path+") yet.", route.Operation.OperationID)
		return
	}
	h(s, &call{rec: rec, r: r, key: key, params: pathParams, body: body, contentType: api.MediaType(version) + ";charset=utf-8",
		version: version, need: requiredRole(route.Operation)})
}

// negotiate chooses the resource version an Accept header asks for (RFC 9110 section 12.5.1): entries by q-value,
// then in order; q=0 refuses; application/vnd.atlas.V+json names version V, or, when V is a date that is not one
// of versions, the newest version at or before it (resolved is then that media type); */*, application/* and
// application/json (or no Accept at all) mean the newest. ok is false when no entry can be served.
func negotiate(accept string, versions []string) (version, resolved string, ok bool) {
	newest := versions[len(versions)-1]
	if strings.TrimSpace(accept) == "" {
		return newest, "", true
	}
	type entry struct {
		mediaType string
		q         float64
		order     int
	}
	var entries []entry
	for i, part := range strings.Split(accept, ",") {
		mediaType, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		q := 1.0
		if v, ok := params["q"]; ok {
			if q, err = strconv.ParseFloat(v, 64); err != nil || q < 0 || q > 1 {
				continue
			}
		}
		if q > 0 {
			entries = append(entries, entry{mediaType, q, i})
		}
	}
	sort.SliceStable(entries, func(i, j int) bool { return entries[i].q > entries[j].q })
	for _, e := range entries {
		if v, ok := versionOf(e.mediaType); ok {
			if slices.Contains(versions, v) {
				return v, "", true
			}
			if v, ok := resolveDate(v, versions); ok {
				return v, e.mediaType, true
			}
			continue
		}
		switch e.mediaType {
		case "*/*", "application/*", "application/json":
			return newest, "", true
		}
	}
	return "", "", false
}

// strictQuery checks what kin-openapi lets through in the query: a parameter given more than once, and booleans
// other than true and false (strconv.ParseBool takes 1, t, TRUE …). It names the parameter.
func strictQuery(op *openapi3.Operation, r *http.Request) (field, problem string) {
	query := r.URL.Query()
	for _, ref := range op.Parameters {
		p := ref.Value
		if p == nil || p.In != "query" {
			continue
		}
		values := query[p.Name]
		if len(values) > 1 {
			return p.Name, fmt.Sprintf("given %d times; give it once", len(values))
		}
		if len(values) == 1 && p.Schema != nil && p.Schema.Value != nil && p.Schema.Value.Type.Is("boolean") && values[0] != "true" && values[0] != "false" {
			return p.Name, fmt.Sprintf("%q is not a boolean: write true or false", values[0])
		}
	}
	return "", ""
}

// WithResponseValidation makes the emulator check every answer it gives to a routed request against its side's
// document (status, headers, body; enveloped answers excepted, the document does not describe envelopes, and so is
// an answer copied from real Atlas where the document contradicts it: deleteLinkTokens' 404), and keep what does not
// match for ResponseValidationErrors: tests use it so the emulator cannot drift from the spec.
func WithResponseValidation() Option {
	return func(s *Server) error {
		s.validateResponses = true
		return nil
	}
}

// ResponseValidationErrors lists the answers that did not match the document (WithResponseValidation).
func (s *Server) ResponseValidationErrors() []error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.responseErrors)
}

// validateResponse checks rec's answer against its route's operation.
func (s *Server) validateResponse(rec *recorder, r *http.Request) {
	if !s.validateResponses || rec.route == nil || rec.asRecorded || rec.req.Truncated || queryFlag(r.URL.Query(), "envelope") {
		return
	}
	status := rec.req.Status
	if status == 0 {
		status = http.StatusOK
	}
	err := openapi3filter.ValidateResponse(context.Background(), &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: r, PathParams: rec.pathParams, Route: rec.route,
			Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, RegexCompiler: api.CompilePattern}},
		Status: status,
		Header: rec.Header(),
		Body:   io.NopCloser(bytes.NewReader(rec.req.ResponseBody)),
		Options: &openapi3filter.Options{
			IncludeResponseStatus: false, // statuses the document does not declare (405, 406, 501) have nothing to check
			RegexCompiler:         api.CompilePattern,
		},
	})
	if err != nil {
		s.mu.Lock()
		s.responseErrors = append(s.responseErrors, fmt.Errorf("%s %s → %d: %w", r.Method, r.URL.Path, status, err))
		s.mu.Unlock()
	}
}
