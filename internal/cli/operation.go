package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/atlas-linktoken/atlas-linktoken/api"
	"github.com/atlas-linktoken/atlas-linktoken/pkg/atlas"
)

// spec is the embedded OpenAPI document, parsed once per process (about 5 ms) and shared with pkg/atlas.
var spec = api.Shared

// operation is what the CLI needs to know of one operation of the spec.
type operation struct {
	id          string
	summary     string
	description string
	tag         string
	method      string
	path        string
	params      []*openapi3.Parameter // path and query parameters, by name
	hasBody     bool
	aliases     []string                    // other names the command answers to, from the document
	versions    []string                    // the resource versions the operation declares, oldest first
	success     *openapi3.Schema            // schema of the 2xx body; nil when the operation answers with no body
	requests    map[string]*openapi3.Schema // schema of the request body by version, when there is one
}

// strictBodies are the operations whose bodies the CLI parses strictly (line and column, unknown fields, IPs).
var strictBodies = map[string]func([]byte) error{
	"createLinkToken": func(b []byte) error { _, err := ParseTargetOrgRequest(b); return err },
}

// checkBody checks a request body before it is sent as version: strictly for the operations pkg/atlas knows,
// otherwise as JSON valid against the version's request schema, declaring no attribute the schema lacks (a
// 2024-05-30 body sent as 2023-01-01 is refused here, as Atlas would refuse it). When another version of the
// operation would take the body, the error says so.
func (o *operation) checkBody(body []byte, version string) error {
	if check, ok := strictBodies[o.id]; ok {
		return check(body)
	}
	err := o.bodyFits(body, version)
	if err == nil || errors.Is(err, errMalformed) {
		return err
	}
	for _, v := range o.versions {
		if v != version && o.bodyFits(body, v) == nil {
			return fmt.Errorf("%w (this is a %s body: add --version %s, or write a %s body)", err, v, v, version)
		}
	}
	return err
}

var errMalformed = errors.New("invalid request body: malformed JSON")

// bodyFits checks body against the request schema of version.
func (o *operation) bodyFits(body []byte, version string) error {
	var value any
	if err := json.Unmarshal(body, &value); err != nil {
		return fmt.Errorf("%w: %v", errMalformed, err)
	}
	schema := o.requests[version]
	if schema == nil {
		return nil
	}
	if err := schema.VisitJSON(value, openapi3.SetSchemaRegexCompiler(api.CompilePattern), openapi3.VisitAsRequest()); err != nil {
		return fmt.Errorf("invalid request body for version %s: %s", version, api.SchemaProblem(err))
	}
	if e := api.CheckAttributes(value, schema); e != nil {
		return fmt.Errorf("invalid request body for version %s: %v", version, e)
	}
	return nil
}

// describeOperation is what the CLI needs of op, which is method path in the embedded document.
func describeOperation(op *openapi3.Operation, method, path string) *operation {
	o := &operation{id: op.OperationID, summary: op.Summary, description: op.Description, method: method, path: path,
		params: sortedParams(op), hasBody: op.RequestBody != nil, aliases: api.OperationAliases(op),
		versions: api.OperationVersions(op), success: api.SuccessSchema(op), tag: "other"}
	if len(op.Tags) > 0 {
		o.tag = op.Tags[0]
	}
	if len(o.versions) == 0 {
		o.versions = []string{atlas.APIVersion}
	}
	o.requests = map[string]*openapi3.Schema{}
	for _, v := range o.versions {
		if schema := api.RequestSchema(op, v); schema != nil {
			o.requests[v] = schema
		}
	}
	return o
}

func (o *operation) summaryOrDescription() string {
	if o.description != "" {
		return o.description
	}
	return o.summary
}

// sample is a value shaped like the operation's answer (wrapped as Atlas wraps it with envelope=true), to try an
// output template on before anything is sent.
func (o *operation) sample(enveloped bool) any {
	var body any
	if o.success != nil {
		body = api.Sample(o.success)
	}
	if enveloped {
		return map[string]any{"status": json.Number("200"), "content": body}
	}
	return body
}

// checkAnswer says what is wrong with a 2xx answer that is not what the operation promises: not JSON, malformed,
// or not matching the success schema (createLinkToken's answer must hold a linkToken).
func (o *operation) checkAnswer(resp *atlas.Response, enveloped bool) error {
	if o.success == nil && !enveloped {
		return nil // 204: nothing is promised
	}
	contentType, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if contentType != "application/json" && !(strings.HasPrefix(contentType, "application/") && strings.HasSuffix(contentType, "+json")) {
		return fmt.Errorf("the answer is %q, not JSON", resp.Header.Get("Content-Type"))
	}
	var value any
	if err := json.Unmarshal(resp.Body, &value); err != nil {
		return fmt.Errorf("the answer is not valid JSON: %v", err)
	}
	if enveloped {
		env, ok := value.(map[string]any)
		if !ok {
			return fmt.Errorf("the answer is not an envelope")
		}
		value = env["content"]
		if value == nil {
			value = env["envelope"]
		}
		if o.success == nil {
			return nil
		}
	}
	if err := o.success.VisitJSON(value, openapi3.MultiErrors()); err != nil {
		return fmt.Errorf("the answer does not match the %s result: %s", o.id, firstLine(err.Error()))
	}
	if o.id == "createLinkToken" {
		if m, ok := value.(map[string]any); ok && m["linkToken"] == "" {
			return fmt.Errorf("the answer's linkToken is empty")
		}
	}
	return nil
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

// acted says in plain words what a 2xx answer means Atlas did: "the link-token was created".
func (o *operation) acted() string {
	if rest, ok := strings.CutPrefix(o.summary, "Create One "); ok {
		return "the " + strings.ToLower(rest) + " was created"
	}
	if rest, ok := strings.CutPrefix(o.summary, "Remove One "); ok {
		return "the " + strings.ToLower(rest) + " was removed"
	}
	return "Atlas acted on the request"
}

// unwritten is a 2xx answer that could not be written as asked. Run prints the body to stdout verbatim and exits
// ExitUnwritten.
type unwritten struct {
	op     *operation
	status int
	body   []byte
	err    error
}

func (u *unwritten) Error() string {
	return fmt.Sprintf("%s succeeded (HTTP %d): %s, but its answer could not be written: %v. The answer is on standard output above, exactly as Atlas sent it; keep it, and do not run the command again to get another",
		u.op.id, u.status, u.op.acted(), u.err)
}

func (u *unwritten) Unwrap() error { return u.err }

// unusable is a 2xx answer that is not what the operation promises. Run prints the body to stdout and exits
// ExitFailure.
type unusable struct {
	op     *operation
	status int
	body   []byte
	err    error
}

func (u *unusable) Error() string {
	return fmt.Sprintf("%s: Atlas answered HTTP %d, but %v (the body, %d bytes, is on standard output); Atlas may have acted: %s",
		u.op.id, u.status, u.err, len(u.body), strings.Replace(u.op.acted(), " was ", " may have been ", 1))
}

func (u *unusable) Unwrap() error { return u.err }
