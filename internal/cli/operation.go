package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"strings"
	"time"

	"github.com/atlas-linktoken/atlas-linktoken/gen"
	"github.com/atlas-linktoken/atlas-linktoken/gen/help"
	"github.com/atlas-linktoken/atlas-linktoken/internal/bodycheck"
)

// operation is what the CLI needs to know of one operation: the generated table's entry (gen.Operations, compiled
// from api/openapi.yaml at build time) and its help texts (gen/help). No document is parsed at run time.
type operation struct {
	id          string
	summary     string
	description string
	tag         string
	method      string
	path        string
	params      []gen.Param // path and query parameters, by name
	hasBody     bool
	aliases     []string // other names the command answers to
	versions    []string // the resource versions the operation declares, oldest first
	meta        *gen.Operation
	help        help.Operation
}

// describeOperation is what the CLI needs of op.
func describeOperation(op *gen.Operation) *operation {
	h := help.Of(op.ID)
	o := &operation{id: op.ID, summary: h.Summary, description: h.Description, tag: op.Tag, method: op.Method,
		path: op.Path, params: op.Params, hasBody: op.Body, aliases: op.Aliases, meta: op, help: h}
	for _, v := range op.Versions {
		o.versions = append(o.versions, v.Date)
	}
	if len(o.versions) == 0 {
		o.versions = []string{"2023-01-01"}
	}
	return o
}

// operationByID is operation id of the generated table, as the CLI describes it; an operation with only its id
// when the table lacks it.
func operationByID(id string) *operation {
	if op := gen.OperationByID(id); op != nil {
		return describeOperation(op)
	}
	return &operation{id: id, meta: &gen.Operation{ID: id}}
}

// request is the request body's schema in version (the only one of an unversioned operation), nil when there is
// none.
func (o *operation) request(version string) *gen.Schema {
	if o.meta.Plain != nil {
		return o.meta.Plain.Request
	}
	if v := o.meta.Version(version); v != nil {
		return v.Request
	}
	return nil
}

// response is the success answer's schema in version (else the newest version's), nil when it answers no body.
func (o *operation) response(version string) *gen.Schema {
	if o.meta.Plain != nil {
		return o.meta.Plain.Response
	}
	if v := o.meta.Version(version); v != nil {
		return v.Response
	}
	if v := o.meta.Version(o.meta.Newest()); v != nil {
		return v.Response
	}
	return nil
}

// checkBody checks a request body before it is sent as version, against the version's schema (strict JSON with
// line and column, no undeclared attribute, right types, IP/CIDR access lists: internal/bodycheck, the checks the
// library applies too). When another version of the operation would take the body, the error says so.
func (o *operation) checkBody(body []byte, version string) error {
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

var errMalformed = errors.New("malformed")

// bodyError is a request body refused before sending: a usage error (exit 2), nothing sent.
type bodyError struct {
	problem *bodycheck.Problem
	version string
}

func (e *bodyError) Error() string {
	what := "invalid request body"
	if e.version != "" {
		what += " for version " + e.version
	}
	return what + ": " + e.problem.Error()
}

func (e *bodyError) Unwrap() error {
	if strings.HasPrefix(e.problem.Reason, "malformed JSON") || strings.HasPrefix(e.problem.Reason, "not valid UTF-8") ||
		strings.HasPrefix(e.problem.Reason, "unexpected data") || e.problem.Reason == "is empty" {
		return errMalformed
	}
	return nil
}

// bodyFits checks body against the request schema of version.
func (o *operation) bodyFits(body []byte, version string) error {
	if p := bodycheck.Check(body, o.request(version), bodycheck.Request); p != nil {
		if p.Reason == "is empty" {
			p.Reason = "is empty; want a JSON object" + o.bodyExample()
		}
		if len(o.versions) < 2 {
			version = ""
		}
		return &bodyError{problem: p, version: version}
	}
	return nil
}

// bodyExample is ", such as {…}" for the operations whose body is a one-line example, "" otherwise.
func (o *operation) bodyExample() string {
	if o.id == "createLinkToken" {
		return ` such as {"accessListIps": ["203.0.113.7"]}`
	}
	return ""
}

func (o *operation) summaryOrDescription() string {
	if o.description != "" {
		return o.description
	}
	return o.summary
}

// sample is a value shaped like the operation's answer in version (wrapped as Atlas wraps it with envelope=true),
// to try an output template on before anything is sent.
func (o *operation) sample(version string, enveloped bool) any {
	body := sample(o.response(version))
	if enveloped {
		return map[string]any{"status": json.Number("200"), "content": body}
	}
	return body
}

// checkAnswer says what is wrong with a 2xx answer that is not what the operation promises in version: not JSON,
// malformed, or not matching the success schema (createLinkToken's answer must hold a linkToken).
func (o *operation) checkAnswer(header map[string][]string, body []byte, version string, enveloped bool) error {
	schema := o.response(version)
	if schema == nil && !enveloped {
		return nil // 204: nothing is promised
	}
	ct := ""
	if v := header["Content-Type"]; len(v) > 0 {
		ct = v[0]
	}
	contentType, _, _ := mime.ParseMediaType(ct)
	if contentType != "application/json" && !(strings.HasPrefix(contentType, "application/") && strings.HasSuffix(contentType, "+json")) {
		return fmt.Errorf("the answer is %q, not JSON", ct)
	}
	if !json.Valid(body) {
		var v any
		return fmt.Errorf("the answer is not valid JSON: %v", json.Unmarshal(body, &v))
	}
	if enveloped {
		var env struct {
			Content, Envelope json.RawMessage
		}
		if json.Unmarshal(body, &env) != nil {
			return fmt.Errorf("the answer is not an envelope")
		}
		body = env.Content
		if body == nil {
			body = env.Envelope
		}
		if schema == nil || body == nil {
			return nil
		}
	}
	if p := bodycheck.Check(body, schema, bodycheck.Answer); p != nil {
		p.Line, p.Column = 0, 0
		return fmt.Errorf("the answer does not match the %s result: %v", o.id, p)
	}
	if o.id == "createLinkToken" {
		var token struct{ LinkToken *string }
		if json.Unmarshal(body, &token) == nil && token.LinkToken != nil && *token.LinkToken == "" {
			return fmt.Errorf("the answer's linkToken is empty")
		}
	}
	return nil
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
// ExitUnwritten when the operation is an action (Atlas acted: keep the body), ExitFailure for a read.
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

// acted reports whether Atlas acted on the request whose answer is unusable.
func (u *unusable) acted() bool { return u.op.isAction() }

// isAction reports whether the operation may change something in Atlas: every method but GET and HEAD.
func (o *operation) isAction() bool { return o.method != "GET" && o.method != "HEAD" }

// warnSunset says on stderr, as the official CLI does, that version of op is deprecated because Atlas announced a
// sunset for it (x-sunset), naming the date and the newer version to move to; after the date it says the version
// is sunset. The request is still sent: the message is for the user, the server decides.
func warnSunset(env Environment, op *operation, version string, now time.Time) {
	v := op.meta.Version(version)
	if v == nil || v.Sunset == "" {
		return
	}
	move := ""
	if newest := op.meta.Newest(); newest != version {
		move = fmt.Sprintf(" Move to version '%s' (--version %s).", newest, newest)
	}
	if date, err := time.Parse(time.DateOnly, v.Sunset); err == nil && !now.Before(date) {
		fmt.Fprintf(env.Stderr, "error: version '%s' is deprecated for this command and has already been sunset since %s.%s\n", version, v.Sunset, move)
		return
	}
	fmt.Fprintf(env.Stderr, "warning: version '%s' is deprecated for this command and will be sunset on %s.%s\n", version, v.Sunset, move)
}
