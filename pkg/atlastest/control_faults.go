package atlastest

import (
	"encoding/json"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/atlas-linktoken/atlas-linktoken/gen"
)

// TokenOperationID is the name faults and the journal give the OAuth token endpoint (TokenPath), which Atlas'
// document describes without an operationId.
const TokenOperationID = "requestToken"

// MaxFaultRules bounds how many faults AddFault keeps; ClearFaults or DeleteFault makes room.
const MaxFaultRules = 256

// maxFaultDelay bounds a fault's delay: longer than any client's patience, shorter than a test run.
const maxFaultDelay = 10 * time.Minute

// FaultRule disturbs the answers to the requests it matches, as WireMock's and LocalStack's fault injection do: it
// answers Status with Atlas' error body (ErrorCode, Detail) and Retry-After, or waits Delay first (then answers, or
// lets the emulator answer when Status is 0), or resets the connection. A request matches when it is for OperationID
// (an operationId of the Atlas or the Cloud Manager document, or TokenOperationID; "" for every request) and, when
// they are set, for organization OrgID (its orgId, or the organization owning its groupId) and project GroupID. The
// first After matching requests are let through; then it fires Times times (0: every time). Faults are tried in the
// order they were added; a request is counted (Matched) by each until one fires. Faults apply after the request is
// read, before authentication: they answer what the client sends, right or wrong.
//
// Unlike InjectFaults' queue, which takes the next requests whatever they are, a FaultRule picks its requests; both
// apply, the queue first.
type FaultRule struct {
	ID          string        `json:"id,omitempty"` // set by AddFault: F1, F2, …
	OperationID string        `json:"operationId,omitempty"`
	OrgID       string        `json:"orgId,omitempty"`
	GroupID     string        `json:"groupId,omitempty"`
	Status      int           `json:"status,omitempty"`     // 400 to 599
	ErrorCode   string        `json:"errorCode,omitempty"`  // with Status; default by status: SERVICE_UNAVAILABLE, RATE_LIMITED, …
	Detail      string        `json:"detail,omitempty"`     // with Status; default names the fault
	RetryAfter  *int          `json:"retryAfter,omitempty"` // with Status: the Retry-After header, in seconds
	Delay       time.Duration `json:"delay,omitempty"`      // at most 10 minutes; Go's duration syntax on the wire ("1.5s")
	Reset       bool          `json:"reset,omitempty"`      // reset the connection (TCP RST) instead of answering
	After       int           `json:"after,omitempty"`
	Times       int           `json:"times,omitempty"`
	Matched     int           `json:"matched"` // requests it matched, its After included
	Fired       int           `json:"fired"`   // requests it disturbed
}

// MarshalJSON writes Delay in Go's duration syntax, as the control plane takes it.
func (f FaultRule) MarshalJSON() ([]byte, error) {
	type plain FaultRule
	out := struct {
		plain
		Delay string `json:"delay,omitempty"`
	}{plain: plain(f)}
	if f.Delay > 0 {
		out.Delay = f.Delay.String()
	}
	return json.Marshal(out)
}

var errorCodeShape = regexp.MustCompile(`^[A-Z][A-Z0-9_]{0,99}$`)

// AddFault checks f and adds it after the faults already there, returning it with its ID. A bad value is a
// *ValueError naming it, such as operationId.
func (s *Server) AddFault(f FaultRule) (FaultRule, error) {
	if err := checkFault(&f); err != nil {
		return FaultRule{}, err
	}
	s.ctl.mu.Lock()
	defer s.ctl.mu.Unlock()
	if len(s.ctl.rules) >= MaxFaultRules {
		return FaultRule{}, badValue("", "the emulator holds %d faults already, its most (MaxFaultRules): clear some first", MaxFaultRules)
	}
	s.ctl.nextRule++
	f.ID = "F" + strconv.Itoa(s.ctl.nextRule)
	s.ctl.rules = append(s.ctl.rules, &f)
	return f, nil
}

func checkFault(f *FaultRule) error {
	switch {
	case f.ID != "" || f.Matched != 0 || f.Fired != 0:
		return badValue("id", "id, matched and fired are the emulator's to set")
	case f.OperationID != "" && canonicalOperation(f.OperationID) == "":
		return badValue("operationId", "%.80q is no operation of the emulator: %s", f.OperationID, strings.Join(knownOperations(), ", "))
	case f.OrgID != "" && !objectIDShape.MatchString(f.OrgID):
		return badValue("orgId", "%.40q is not an organization ID: want 24 lower-case hexadecimal digits", f.OrgID)
	case f.GroupID != "" && !objectIDShape.MatchString(f.GroupID):
		return badValue("groupId", "%.40q is not a project ID: want 24 lower-case hexadecimal digits", f.GroupID)
	case f.Status != 0 && (f.Status < 400 || f.Status > 599):
		return badValue("status", "%d: want an error status, 400 to 599", f.Status)
	case f.Status != 0 && f.Reset:
		return badValue("reset", "a fault either answers a status or resets the connection, not both")
	case f.Status == 0 && !f.Reset && f.Delay == 0:
		return badValue("", "a fault needs a status, a delay or reset: true")
	case f.Status == 0 && (f.ErrorCode != "" || f.Detail != "" || f.RetryAfter != nil):
		return badValue("status", "errorCode, detail and retryAfter shape an error answer: give its status too")
	case f.ErrorCode != "" && !errorCodeShape.MatchString(f.ErrorCode):
		return badValue("errorCode", "%.40q: want upper-case letters, digits and '_', as Atlas' error codes", f.ErrorCode)
	case len(f.Detail) > 1024:
		return badValue("detail", "%d bytes long; at most 1024", len(f.Detail))
	case f.RetryAfter != nil && (*f.RetryAfter < 0 || *f.RetryAfter > 86400):
		return badValue("retryAfter", "%d: want 0 to 86400 seconds", *f.RetryAfter)
	case f.Delay < 0 || f.Delay > maxFaultDelay:
		return badValue("delay", "%v: want 0 to %v", f.Delay, maxFaultDelay)
	case f.After < 0:
		return badValue("after", "must not be negative")
	case f.Times < 0:
		return badValue("times", "must not be negative (0: every time)")
	}
	if err := checkText("detail", f.Detail); err != nil {
		return err
	}
	f.OperationID = canonicalOperation(f.OperationID)
	return nil
}

// Faults lists the faults, in the order they are tried, with how often each matched and fired.
func (s *Server) Faults() []FaultRule {
	s.ctl.mu.Lock()
	defer s.ctl.mu.Unlock()
	out := make([]FaultRule, len(s.ctl.rules))
	for i, f := range s.ctl.rules {
		out[i] = *f
	}
	return out
}

// DeleteFault removes fault id; it reports whether there was one.
func (s *Server) DeleteFault(id string) bool {
	s.ctl.mu.Lock()
	defer s.ctl.mu.Unlock()
	n := len(s.ctl.rules)
	s.ctl.rules = slices.DeleteFunc(s.ctl.rules, func(f *FaultRule) bool { return f.ID == id })
	return len(s.ctl.rules) < n
}

// ClearFaults removes every fault AddFault added (InjectFaults' queue stays; Reset clears both).
func (s *Server) ClearFaults() {
	s.ctl.mu.Lock()
	s.ctl.rules = nil
	s.ctl.mu.Unlock()
}

// controlFault finds the first fault that fires for r (counting r against each fault it matches on the way) and
// turns it into the Fault applyFault plays; it notes the fault's ID for the journal.
func (s *Server) controlFault(rec *recorder, r *http.Request) (Fault, bool) {
	s.ctl.mu.Lock()
	none := len(s.ctl.rules) == 0
	s.ctl.mu.Unlock()
	if none {
		return Fault{}, false
	}
	op := resolveOperation(r.Method, r.URL.Path)
	orgID := op.params["orgId"]
	if groupID := op.params["groupId"]; orgID == "" && groupID != "" {
		s.ctl.state.RLock()
		if g := s.groups[groupID]; g != nil {
			orgID = g.orgID
		}
		s.ctl.state.RUnlock()
	}
	s.ctl.mu.Lock()
	var fired *FaultRule
	for _, f := range s.ctl.rules {
		if (f.OperationID != "" && f.OperationID != op.id) || (f.OrgID != "" && f.OrgID != orgID) ||
			(f.GroupID != "" && f.GroupID != op.params["groupId"]) {
			continue
		}
		f.Matched++
		if f.Matched > f.After && (f.Times == 0 || f.Fired < f.Times) {
			f.Fired++
			fired = f
			break
		}
	}
	var rule FaultRule
	if fired != nil {
		rule = *fired
	}
	s.ctl.mu.Unlock()
	if fired == nil {
		return Fault{}, false
	}
	rec.note.faultID = rule.ID
	fault := Fault{HeaderDelay: rule.Delay, Reset: rule.Reset, Status: rule.Status}
	if rule.Status != 0 {
		code, detail := rule.ErrorCode, rule.Detail
		if code == "" {
			code = defaultErrorCode(rule.Status)
		}
		if detail == "" {
			detail = "The atlas-emulator answered with fault " + rule.ID + " (its control plane injected it)."
		}
		body, _ := json.Marshal(gen.APIError{Detail: &detail, Error: ptr(int32(rule.Status)), ErrorCode: &code,
			Parameters: &[]map[string]any{}, Reason: ptr(http.StatusText(rule.Status))})
		fault.Body = body
		fault.Header = http.Header{"Content-Type": {"application/json"}, "Content-Length": {strconv.Itoa(len(body))}}
		if rule.RetryAfter != nil {
			fault.Header.Set("Retry-After", strconv.Itoa(*rule.RetryAfter))
		}
	}
	return fault, true
}

// defaultErrorCode is the errorCode a fault answers with its status when it names none: Atlas' for the statuses it
// documents, the status text in its style otherwise.
func defaultErrorCode(status int) string {
	switch status {
	case http.StatusTooManyRequests:
		return "RATE_LIMITED"
	case http.StatusInternalServerError:
		return "UNEXPECTED_ERROR"
	case http.StatusUnauthorized:
		return "UNAUTHORIZED"
	case http.StatusForbidden:
		return "USER_UNAUTHORIZED"
	}
	text := strings.ToUpper(http.StatusText(status))
	if text == "" {
		return "UNEXPECTED_ERROR"
	}
	return strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' {
			return '_'
		}
		if (r < 'A' || r > 'Z') && (r < '0' || r > '9') {
			return -1
		}
		return r
	}, text)
}

// operation is what the emulator knows of a request's operation from its method and path alone.
type operation struct {
	id     string
	params map[string]string // path parameters
	query  []string          // the query parameters it declares
}

type operationRoute struct {
	method string
	re     *regexp.Regexp
	op     *gen.Operation
}

var templateParam = regexp.MustCompile(`\\\{([A-Za-z0-9_]+)\\\}`)

// operationRoutes are the operations of both documents (gen.Operations), by method and path pattern.
var operationRoutes = sync.OnceValue(func() []operationRoute {
	routes := make([]operationRoute, 0, len(gen.Operations))
	for i := range gen.Operations {
		op := &gen.Operations[i]
		pattern := templateParam.ReplaceAllString(regexp.QuoteMeta(op.Path), `(?P<$1>[^/]+)`)
		routes = append(routes, operationRoute{method: op.Method, re: regexp.MustCompile("^" + pattern + "$"), op: op})
	}
	return routes
})

// resolveOperation names the operation of a request by its method and path: an operation of either document, the
// deprecated v1.0 createLinkToken path, or the token endpoint. Its id is "" for anything else.
func resolveOperation(method, path string) operation {
	switch {
	case path == TokenPath:
		if method == http.MethodPost {
			return operation{id: TokenOperationID}
		}
		return operation{}
	case v1Path.MatchString(path):
		if method == http.MethodPost {
			return operation{id: "createLinkToken", params: map[string]string{"orgId": v1Path.FindStringSubmatch(path)[1]},
				query: []string{"envelope", "pretty"}}
		}
		return operation{}
	}
	for _, route := range operationRoutes() {
		if route.method != method {
			continue
		}
		m := route.re.FindStringSubmatch(path)
		if m == nil {
			continue
		}
		op := operation{id: route.op.ID, params: map[string]string{}}
		for i, name := range route.re.SubexpNames() {
			if name != "" {
				op.params[name] = m[i]
			}
		}
		for _, p := range route.op.Params {
			if p.In == "query" {
				op.query = append(op.query, p.Name)
			}
		}
		return op
	}
	return operation{}
}

// canonicalOperation is the operationId that id names (an operationId, or one of its aliases), "" when none.
func canonicalOperation(id string) string {
	if id == TokenOperationID {
		return id
	}
	for _, op := range gen.Operations {
		if op.ID == id || slices.Contains(op.Aliases, id) {
			return op.ID
		}
	}
	return ""
}

func knownOperations() []string {
	ids := []string{TokenOperationID}
	for _, op := range gen.Operations {
		ids = append(ids, op.ID)
	}
	slices.Sort(ids)
	return ids
}
