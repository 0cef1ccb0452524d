package atlastest

import (
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/atlas-linktoken/atlas-linktoken/api/emulator"
	"github.com/atlas-linktoken/atlas-linktoken/internal/buildversion"
)

// ControlPrefix is where the emulator's control plane lives: a prefix no Atlas, Cloud Manager or Ops Manager path
// uses. Its operations are described by their own OpenAPI document, api/emulator/openapi.yaml, served at
// GET /_emulator/openapi.yaml, so a test suite in any language can generate a client for it. Each is a Server method
// too, which Go tests call directly: the HTTP handlers call the same methods.
//
//	GET    /_emulator/health       Health: 200 with the version, base URL and state ("ready": seeds loaded)
//	GET    /_emulator/openapi.yaml the control plane's OpenAPI document
//	POST   /_emulator/reset        Reset: back to the state it started with
//	POST   /_emulator/seed         Seed: add organizations, keys, projects (JSON or YAML; see Seed)
//	GET    /_emulator/clock        Now, ClockOffset
//	POST   /_emulator/clock        AdvanceClock: {"advance": "10m"}
//	GET    /_emulator/jobs/{id}    Job: a validation or migration as the emulator holds it
//	POST   /_emulator/jobs/{id}    SetJob: {"status": "FAILED", "errorMessage": "…"}, {"readyForCutover": true}, …
//	GET    /_emulator/faults       Faults, with how often each matched and fired
//	POST   /_emulator/faults       AddFault: {"operationId": "createLinkToken", "status": 503, "retryAfter": 1, "times": 1}
//	DELETE /_emulator/faults       ClearFaults
//	DELETE /_emulator/faults/{id}  DeleteFault
//	GET    /_emulator/requests     Journal: the requests that reached the emulator, newest last, no secrets
//	DELETE /_emulator/requests     ClearJournal
//
// The control plane answers loopback clients only, and takes no credentials, unless the emulator has a control
// token (WithControlToken): then every control request needs "Authorization: Bearer TOKEN", from wherever it comes.
// It never accepts Atlas credentials, and Atlas paths never accept its token. WithoutControl turns it off: its paths
// are then unknown paths (404), as on Atlas. Control requests are not journaled, recorded (Requests) or counted
// (RequestCount), and neither faults nor WithLatency apply to them. Every answer of the emulator, Atlas' and the
// control plane's, carries its version in VersionHeader.
const ControlPrefix = "/_emulator/"

// VersionHeader names the header in which every answer of the emulator carries its Version, so that a test suite can
// tell it talks to the emulator, and to which build.
const VersionHeader = "X-Atlas-Emulator-Version"

// Version is the emulator's version, this module's from the build information: a release tag when built as a
// dependency or with go install …@version, "devel" otherwise (as atlas version says).
func Version() string { return buildversion.Get() }

// control is the state of the control plane, and what it adds to the emulator's.
type control struct {
	enabled bool
	token   string // the bearer token control requests need; "" for loopback clients without credentials
	// state is held for reading by each request to the emulated APIs while it is answered, and for writing by Seed
	// and Reset: the organizations, keys, accounts, projects and source projects the handlers read change only
	// between requests.
	state      sync.RWMutex
	generation atomic.Uint64 // Reset's: a request that started before the last Reset is not journaled after it
	offset     atomic.Int64  // AdvanceClock's, a time.Duration
	seeds      []Seed        // WithSeed's, applied by startControl
	base       snapshot      // the state the emulator started with, which Reset returns to

	mu       sync.Mutex // guards rules, nextRule and journal
	rules    []*FaultRule
	nextRule int
	journal  ring[JournalEntry]
}

func newControl() *control {
	return &control{enabled: true}
}

// WithControlToken makes every control request need "Authorization: Bearer token", from loopback or not
// (atlas-emulator --control-token). The token is 1 to 256 visible ASCII characters.
func WithControlToken(token string) Option {
	return func(s *Server) error {
		if token == "" || len(token) > 256 || strings.IndexFunc(token, func(r rune) bool { return r <= ' ' || r > '~' }) >= 0 {
			return errors.New("atlastest: control token: want 1 to 256 visible ASCII characters")
		}
		s.ctl.token = token
		return nil
	}
}

// WithoutControl turns the control plane off (atlas-emulator --no-control): its paths answer 404 as any unknown path.
// The Go methods (Reset, Seed, AdvanceClock, …) still work.
func WithoutControl() Option {
	return func(s *Server) error {
		s.ctl.enabled = false
		return nil
	}
}

// startControl applies WithSeed's seeds, puts the control plane's clock on top of the base clock and remembers the
// state Reset returns to. NewServer calls it once its options and defaults are in place, before serving.
func (s *Server) startControl() error {
	for i, seed := range s.ctl.seeds {
		if _, err := s.seedLocked(seed); err != nil {
			return fmt.Errorf("atlastest: seed %d: %w", i+1, err)
		}
	}
	s.ctl.seeds = nil
	s.installClock()
	s.ctl.base = s.snapshot()
	return nil
}

// snapshot is a deep copy of what Seed and the emulated APIs change, jobs aside: Reset puts it back. That is the
// Atlas side's organizations, keys, service accounts and projects, and both sides' state (bothSides): the source
// organizations with their projects and connections, the source keys, the links with the keys their link-tokens
// hold, the rate windows and the organizations' names.
type snapshot struct {
	orgs            map[string]bool
	keys            map[string]*principal
	serviceAccounts map[string]*principal
	groups          map[string]*project
	sides           bothSides
}

// snapshot copies the state; the caller holds mu and ctl.state (or the server is not serving yet).
func (s *Server) snapshot() snapshot {
	return s.copyState(snapshot{orgs: s.orgs, keys: s.keys, serviceAccounts: s.serviceAccounts, groups: s.groups, sides: s.bothSides})
}

// restore installs a copy of b; the caller holds ctl.state for writing and s.mu.
func (s *Server) restore(b snapshot) {
	c := s.copyState(b)
	s.orgs, s.keys, s.serviceAccounts, s.groups, s.bothSides = c.orgs, c.keys, c.serviceAccounts, c.groups, c.sides
}

// copyState is a deep copy of b: each principal is copied once, wherever b holds it.
func (s *Server) copyState(b snapshot) snapshot {
	clones := map[*principal]*principal{}
	return snapshot{orgs: maps.Clone(b.orgs), keys: cloneKeys(b.keys, clones), serviceAccounts: cloneKeys(b.serviceAccounts, clones),
		groups: cloneGroups(b.groups), sides: b.sides.clone(clones)}
}

// clonePrincipal is p's copy in clones, made when p has none yet.
func clonePrincipal(p *principal, clones map[*principal]*principal) *principal {
	if c := clones[p]; c != nil {
		return c
	}
	c := &principal{name: p.name, secret: p.secret, roles: maps.Clone(p.roles)}
	clones[p] = c
	return c
}

func cloneKeys(m map[string]*principal, clones map[*principal]*principal) map[string]*principal {
	out := make(map[string]*principal, len(m))
	for k, p := range m {
		out[k] = clonePrincipal(p, clones)
	}
	return out
}

func cloneGroups(m map[string]*project) map[string]*project {
	out := make(map[string]*project, len(m))
	for k, g := range m {
		out[k] = &project{orgID: g.orgID, clusters: slices.Clone(g.clusters)}
	}
	return out
}

// Reset returns the emulator to the state it started with: the organizations, keys, service accounts, projects and
// source projects of its options and seeds, and nothing since (seeds, links, validations, migrations); it clears the
// journal, the recorded requests (Requests), the faults (matched and queued by InjectFaults), revokes every access
// token and sets the clock back to its base clock. Digest nonces stay valid, and the counters (RequestCount,
// AuthFailures, BytesReceived, TokenRequests) keep counting. Requests being answered finish first.
func (s *Server) Reset() {
	s.ctl.state.Lock()
	defer s.ctl.state.Unlock()
	s.mu.Lock()
	s.restore(s.ctl.base)
	s.validations, s.migrations = newJobs[*validationJob](s.maxJobs), newJobs[*migrationJob](s.maxJobs)
	s.faults = nil
	s.recorded.reset()
	s.recordedBytes = 0
	s.mu.Unlock()
	s.RevokeTokens()
	s.ctl.offset.Store(0)
	s.ctl.generation.Add(1)
	s.ctl.mu.Lock()
	s.ctl.rules, s.ctl.journal = nil, ring[JournalEntry]{}
	s.ctl.mu.Unlock()
}

// Health is what GET /_emulator/health answers.
type Health struct {
	State   string    `json:"state"`   // "ready": the emulator serves, its seeds loaded
	Version string    `json:"version"` // Version
	BaseURL string    `json:"baseUrl"` // URL
	Time    time.Time `json:"time"`    // the emulator's clock (Now)
}

// Health says the emulator is ready (NewServer returns once its seeds are loaded and it listens), its version, base
// URL and time.
func (s *Server) Health() Health {
	return Health{State: "ready", Version: Version(), BaseURL: s.URL, Time: s.now().UTC()}
}

// Clock is what GET and POST /_emulator/clock answer.
type Clock struct {
	Now    time.Time `json:"now"`    // the emulator's present time
	Offset string    `json:"offset"` // how far AdvanceClock moved it ahead of its base clock, in Go's duration syntax
}

func (s *Server) clockView() Clock {
	return Clock{Now: s.now().UTC(), Offset: s.ClockOffset().String()}
}

// controlError is the control plane's error body: Atlas' ApiError fields, and the path of a refused value.
type controlError struct {
	Error     int    `json:"error"`
	Reason    string `json:"reason"`
	ErrorCode string `json:"errorCode"`
	Detail    string `json:"detail"`
	Path      string `json:"path,omitempty"`
}

const controlRealm = `Bearer realm="atlas-emulator control plane"`

// serveControl answers r when it is for the control plane (and the control plane is on); it reports whether it did.
func (s *Server) serveControl(w http.ResponseWriter, r *http.Request) bool {
	if !s.ctl.enabled || (r.URL.Path != strings.TrimSuffix(ControlPrefix, "/") && !strings.HasPrefix(r.URL.Path, ControlPrefix)) {
		return false
	}
	w.Header().Set("Cache-Control", "no-store")
	if status, detail := s.controlAccess(r); status != 0 {
		code := "FORBIDDEN"
		if status == http.StatusUnauthorized {
			code = "UNAUTHORIZED"
			w.Header().Set("WWW-Authenticate", controlRealm)
		}
		writeControlError(w, status, code, detail, "")
		return true
	}
	s.routeControl(w, r)
	return true
}

// controlAccess is 0 when r may use the control plane, else the status to refuse it with and why.
func (s *Server) controlAccess(r *http.Request) (int, string) {
	header := r.Header.Get("Authorization")
	if s.ctl.token != "" {
		token, ok := cutBearer(header)
		if !ok || subtle.ConstantTimeCompare([]byte(token), []byte(s.ctl.token)) != 1 {
			return http.StatusUnauthorized, "The control plane needs Authorization: Bearer with the emulator's control token (--control-token); it never accepts Atlas credentials."
		}
		return 0, ""
	}
	if !loopbackClient(r.RemoteAddr) {
		return http.StatusForbidden, "The control plane answers loopback clients only; start the emulator with a control token (--control-token) to reach it from elsewhere."
	}
	if header != "" {
		return http.StatusUnauthorized, "The control plane takes no credentials (the emulator has no control token), and never Atlas credentials: send no Authorization header."
	}
	return 0, ""
}

func loopbackClient(remoteAddr string) bool {
	host, _, err := net.SplitHostPort(remoteAddr)
	if err != nil {
		return false
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// controlRoute is one path of the control plane: a handler by method.
type controlRoute map[string]func(s *Server, w http.ResponseWriter, r *http.Request, id string)

var controlRoutes = map[string]controlRoute{
	"health":       {http.MethodGet: (*Server).ctlHealth},
	"openapi.yaml": {http.MethodGet: (*Server).ctlDocument},
	"reset":        {http.MethodPost: (*Server).ctlReset},
	"seed":         {http.MethodPost: (*Server).ctlSeed},
	"clock":        {http.MethodGet: (*Server).ctlClock, http.MethodPost: (*Server).ctlAdvance},
	"jobs/{id}":    {http.MethodGet: (*Server).ctlJob, http.MethodPost: (*Server).ctlSetJob},
	"faults":       {http.MethodGet: (*Server).ctlFaults, http.MethodPost: (*Server).ctlAddFault, http.MethodDelete: (*Server).ctlClearFaults},
	"faults/{id}":  {http.MethodDelete: (*Server).ctlDeleteFault},
	"requests":     {http.MethodGet: (*Server).ctlJournal, http.MethodDelete: (*Server).ctlClearJournal},
}

func (s *Server) routeControl(w http.ResponseWriter, r *http.Request) {
	rest := strings.TrimPrefix(r.URL.Path, ControlPrefix)
	key, id := rest, ""
	if kind, tail, ok := strings.Cut(rest, "/"); ok && tail != "" && !strings.Contains(tail, "/") && (kind == "jobs" || kind == "faults") {
		key, id = kind+"/{id}", tail
	}
	route := controlRoutes[key]
	if route == nil {
		writeControlError(w, http.StatusNotFound, "NOT_FOUND", "The control plane has no resource at "+strconv.Quote(r.URL.Path)+"; GET "+ControlPrefix+"openapi.yaml describes it.", "")
		return
	}
	h := route[r.Method]
	if h == nil {
		methods := slices.Sorted(maps.Keys(route))
		w.Header().Set("Allow", strings.Join(methods, ", "))
		writeControlError(w, http.StatusMethodNotAllowed, "METHOD_NOT_ALLOWED", "method "+r.Method+" is not allowed here; use "+strings.Join(methods, " or "), "")
		return
	}
	h(s, w, r, id)
}

// Bounds on control request bodies: a seed may be large, the rest are small.
const (
	maxSeedBody    = maxRequestBody
	maxControlBody = 64 << 10
)

// readControlBody reads r's body up to limit bytes, answering 413 beyond.
func readControlBody(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, bool) {
	body, err := readLimited(r, limit)
	if err != nil {
		status := http.StatusBadRequest
		if errors.Is(err, errTooLarge) {
			status = http.StatusRequestEntityTooLarge
		}
		writeControlError(w, status, "INVALID_REQUEST", err.Error(), "")
		return nil, false
	}
	return body, true
}

var errTooLarge = errors.New("the request body is too large")

func readLimited(r *http.Request, limit int64) ([]byte, error) {
	body, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
	switch {
	case err != nil:
		return nil, fmt.Errorf("reading the request body: %w", err)
	case int64(len(body)) > limit:
		return nil, fmt.Errorf("%w: at most %d bytes", errTooLarge, limit)
	}
	return body, nil
}

// decodeControl reads r's JSON or YAML body into dst, answering 400 (naming the bad value) or 413 itself.
func decodeControl(w http.ResponseWriter, r *http.Request, dst any) bool {
	body, ok := readControlBody(w, r, maxControlBody)
	if !ok {
		return false
	}
	if err := decodeDocument(body, dst); err != nil {
		writeValueError(w, "INVALID_REQUEST", err)
		return false
	}
	return true
}

func writeValueError(w http.ResponseWriter, code string, err error) {
	var ve *ValueError
	if errors.As(err, &ve) {
		writeControlError(w, http.StatusBadRequest, code, ve.Error(), ve.Path)
		return
	}
	writeControlError(w, http.StatusBadRequest, code, err.Error(), "")
}

func writeControlError(w http.ResponseWriter, status int, code, detail, path string) {
	writeControlJSON(w, status, controlError{Error: status, Reason: http.StatusText(status), ErrorCode: code, Detail: detail, Path: path})
}

func writeControlJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		status, body = http.StatusInternalServerError, []byte(`{"error":500,"reason":"Internal Server Error","errorCode":"UNEXPECTED_ERROR","detail":"encoding the answer failed"}`)
	}
	body = append(body, '\n')
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

func (s *Server) ctlHealth(w http.ResponseWriter, _ *http.Request, _ string) {
	writeControlJSON(w, http.StatusOK, s.Health())
}

func (s *Server) ctlDocument(w http.ResponseWriter, _ *http.Request, _ string) {
	doc := emulator.Document()
	w.Header().Set("Content-Type", "application/yaml")
	w.Header().Set("Content-Length", strconv.Itoa(len(doc)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(doc)
}

func (s *Server) ctlReset(w http.ResponseWriter, _ *http.Request, _ string) {
	s.Reset()
	writeControlJSON(w, http.StatusOK, s.Health())
}

func (s *Server) ctlSeed(w http.ResponseWriter, r *http.Request, _ string) {
	body, ok := readControlBody(w, r, maxSeedBody)
	if !ok {
		return
	}
	seed, err := ParseSeed(body)
	if err == nil {
		var sum SeedSummary
		if sum, err = s.Seed(seed); err == nil {
			writeControlJSON(w, http.StatusOK, sum)
			return
		}
	}
	writeValueError(w, "INVALID_SEED", err)
}

func (s *Server) ctlClock(w http.ResponseWriter, _ *http.Request, _ string) {
	writeControlJSON(w, http.StatusOK, s.clockView())
}

// ClockMove is the body of POST /_emulator/clock.
type ClockMove struct {
	Advance time.Duration `json:"advance"` // in Go's duration syntax on the wire: "90s", "10m", "120h"
}

func (s *Server) ctlAdvance(w http.ResponseWriter, r *http.Request, _ string) {
	var move ClockMove
	if !decodeControl(w, r, &move) {
		return
	}
	if move.Advance == 0 {
		writeControlError(w, http.StatusBadRequest, "INVALID_REQUEST", `advance: required: how far to move the clock, such as "10m" or "120h"`, "advance")
		return
	}
	if _, err := s.AdvanceClock(move.Advance); err != nil {
		writeControlError(w, http.StatusBadRequest, "INVALID_REQUEST", "advance: "+strings.TrimPrefix(err.Error(), "atlastest: "), "advance")
		return
	}
	writeControlJSON(w, http.StatusOK, s.clockView())
}

func (s *Server) ctlJob(w http.ResponseWriter, _ *http.Request, id string) {
	job, ok := s.Job(id)
	if !ok {
		writeControlError(w, http.StatusNotFound, "JOB_NOT_FOUND", "No validation or live migration with ID "+strconv.Quote(id)+" exists.", "")
		return
	}
	writeControlJSON(w, http.StatusOK, job)
}

func (s *Server) ctlSetJob(w http.ResponseWriter, r *http.Request, id string) {
	var st JobState
	if !decodeControl(w, r, &st) {
		return
	}
	job, err := s.SetJob(id, st)
	switch {
	case errors.Is(err, ErrJobNotFound):
		writeControlError(w, http.StatusNotFound, "JOB_NOT_FOUND", "No validation or live migration with ID "+strconv.Quote(id)+" exists.", "")
	case err != nil:
		writeValueError(w, "INVALID_REQUEST", err)
	default:
		writeControlJSON(w, http.StatusOK, job)
	}
}

func (s *Server) ctlFaults(w http.ResponseWriter, _ *http.Request, _ string) {
	writeControlJSON(w, http.StatusOK, struct {
		Faults []FaultRule `json:"faults"`
	}{s.Faults()})
}

func (s *Server) ctlAddFault(w http.ResponseWriter, r *http.Request, _ string) {
	var f FaultRule
	if !decodeControl(w, r, &f) {
		return
	}
	added, err := s.AddFault(f)
	if err != nil {
		writeValueError(w, "INVALID_REQUEST", err)
		return
	}
	writeControlJSON(w, http.StatusCreated, added)
}

func (s *Server) ctlClearFaults(w http.ResponseWriter, _ *http.Request, _ string) {
	s.ClearFaults()
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) ctlDeleteFault(w http.ResponseWriter, _ *http.Request, id string) {
	if !s.DeleteFault(id) {
		writeControlError(w, http.StatusNotFound, "FAULT_NOT_FOUND", "No fault with ID "+strconv.Quote(id)+" exists.", "")
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) ctlJournal(w http.ResponseWriter, _ *http.Request, _ string) {
	writeControlJSON(w, http.StatusOK, struct {
		Requests []JournalEntry `json:"requests"`
	}{s.Journal()})
}

func (s *Server) ctlClearJournal(w http.ResponseWriter, _ *http.Request, _ string) {
	s.ClearJournal()
	w.WriteHeader(http.StatusNoContent)
}
