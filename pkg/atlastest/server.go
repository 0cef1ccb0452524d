// Package atlastest is a local emulator of both sides of a push live migration into MongoDB Atlas, shaped like
// net/http/httptest: NewServer starts it on a loopback port, URL is its base URL and Close stops it. Like
// cloud.mongodb.com, one server plays Atlas (the Atlas Administration API's Cloud Migration Service under
// /api/atlas/v2) and Cloud Manager (its public API v1.0 under SourcePathPrefix, /api/public/v1.0).
//
// On the Atlas side it serves the eight operations of the embedded document (createLinkToken, deleteLinkTokens,
// listAvailableProjects, validateLiveMigrations, getMigrationValidateStatus, createGroupLiveMigration,
// getGroupLiveMigration, cutoverMigration) and the deprecated POST /api/atlas/v1.0/orgs/{orgId}/liveMigrations/linkTokens;
// on the source side the three of api/source/openapi.yaml (connectOrganizations, connectionStatus,
// deleteConnection). Both sides are protected with HTTP Digest (RFC 7616: realm "MMS Public API", qop=auth
// (auth-int accepted too), MD5 and SHA-256, expiring nonces answered with stale=true, replayed nonce counts rejected:
// a count is accepted once, and only up to NonceCountWindow below the highest seen with its nonce), each with its own
// keys (WithAPIKey, and the keys link-tokens hold, on Atlas; WithSourceAPIKey on Cloud Manager), and every request
// is validated against its side's embedded OpenAPI document with kin-openapi.
//
// Requests are checked in this order, and answered with Atlas' ApiError JSON body on failure (with the header
// X-Error-Code naming the errorCode, as Atlas has sent since 2026-07):
//
//	status  errorCode              when
//	404     NOT_FOUND              no such path (requests are routed by kin-openapi's router over their side's document)
//	405     METHOD_NOT_ALLOWED     path known, method not; Allow lists the document's methods
//	401     UNAUTHORIZED           credentials missing, malformed, wrong, stale (stale=true) or replayed, or a bearer
//	                               token expired, revoked or unknown (Bearer error="invalid_token"; the source side
//	                               takes digest only); always with fresh digest challenges in WWW-Authenticate
//	406     INVALID_ACCEPT_HEADER  no Accept entry can be served: negotiated by RFC 9110 (q-values, then order,
//	                               q=0 refuses) against the versions of that operation; no Accept, */*,
//	                               application/* and application/json mean its newest, and a date that is not one
//	                               of its versions means the newest at or before it (Atlas only; the source side
//	                               speaks application/json)
//	400     INVALID_JSON           the body is not UTF-8, or has data after its JSON value
//	400     VALIDATION_ERROR       orgId, query, Content-Type or body do not match the spec (booleans are exactly
//	                               true or false, each parameter given once), or a field a job keeps is longer than
//	                               its bound in bytes (each of migrationHosts MaxHostnameBytes, 255; source and
//	                               destination clusterName MaxClusterNameBytes, 64); detail and
//	                               badRequestDetail.fields name the field
//	400     INVALID_ATTRIBUTE      the body holds an attribute the schema does not declare (names match exactly:
//	                               accessListIPs is unknown)
//	400     INVALID_IP_ADDRESS_OR_CIDR_NOTATION
//	                               an access-list entry is not an IP address or CIDR block
//	404     ORG_NOT_FOUND          orgId is well formed but not an organization of that side
//	404     GROUP_NOT_FOUND        groupId is well formed but not a project of the emulator (WithGroup)
//	403     USER_UNAUTHORIZED      the key's role in the org (of the project) is less than the operation's
//	                               x-rolesRequirements: Organization Member may read a migration, everything
//	                               else needs Organization Owner (WithAPIKey, WithOrgMember, WithSourceAPIKey)
//	429     RATE_LIMITED           validateLiveMigrations or createGroupLiveMigration, but the project holds MaxJobs
//	                               validations (migrations) and none has finished; Retry-After is the seconds until
//	                               the first finishes
//	404     UNEXPECTED_ERROR       deleteLinkTokens, but the org has no link: none was created, or it was deleted;
//	                               exactly as real Atlas answers it (see below)
//	409     CANNOT_DELETE_ORG_ACTIVE_LIVE_MIGRATION_ATLAS_ORG_LINK
//	                               deleteLinkTokens while a migration into one of the org's projects is active
//	                               (not COMPLETE, FAILED or EXPIRED); detail "Cannot delete organization link
//	                               while there is active migration in following project ids: " and the IDs
//	400     INVALID_LINK_TOKEN     connectOrganizations with a link-token that is malformed, or whose key Atlas
//	                               revoked (its link was deleted or replaced) or never issued (another emulator's);
//	                               the token is never quoted back
//	404     ORG_LINK_NOT_FOUND     deleteConnection, but the source org is not connected
//	404     VALIDATION_NOT_FOUND, LIVE_MIGRATION_NOT_FOUND
//	                               no such job in that project: jobs are per project, and a project keeps at most
//	                               MaxJobs of each; the one that finished first is forgotten to make room
//	400     LIVE_MIGRATION_NOT_READY_FOR_CUTOVER
//	                               cutoverMigration before readyForCutover, after a cutover started, or once the
//	                               migration FAILED or EXPIRED
//	501     NOT_IMPLEMENTED        an operation of the document the emulator has no handler for (parameters name
//	                               its operationId): adding an operation to api/operations.txt never breaks it
//
// The link, both sides: createLinkToken (201) answers a link-token shaped like Atlas': standard base64, with
// padding, of the compact JSON {"orgId", "orgName", "privateApiKey", "publicApiKey"} (keys in that order; orgName is
// DefaultOrgName for the demo org, "Organization " and the ID otherwise), holding a freshly minted organization API
// key (a public key of 8 lower-case letters, a UUID private key) that is Organization Owner of the org and
// authenticates on the Atlas side until the link is deleted (401 afterwards). An org has one link: a new link-token
// replaces the previous one, whose key is revoked. A source organization (DefaultSourceOrgID holding
// DemoSourceProjects, unless WithSourceOrg, WithSourceProjects or WithSourceAPIKey say otherwise) connects with
// the link-token (connectOrganizations, 201 {"status": "SYNCED"}); connectionStatus then says SYNCED, and NOT_SYNCED
// before, after deleteConnection (204), or once the Atlas link is deleted or replaced. listAvailableProjects lists
// the projects of the source organizations connected with the org's current link-token, in the order they were
// added, and [] when none is.
//
// Push live migrations are stateful, on the emulator's clock (WithClock) in phases of WithPhaseDuration
// (DefaultPhaseDuration, 1 s). A validation (200) is PENDING for one phase, then SUCCESS, or FAILED with an
// errorMessage for what Atlas would refuse: a source project the org cannot see (listAvailableProjects), a
// deployment or migration host that project lacks, a destination project other than the request's or a cluster it
// lacks, username or password with managedAuthentication (or neither without it), PRIVATE_LINK without
// privateLinkId, a TLS source without ssl. A migration (201) is NEW for one phase; then FAILED for those same
// reasons, or WORKING with lagTimeSeconds falling from InitialLagSeconds over SyncPhases phases, then
// readyForCutover (lag 1): that starts the CutoverWindow (120 h) on the emulator's clock, and when it runs out the
// migration is EXPIRED. cutoverMigration (202, no body) makes it WORKING, not ready, for one phase, then COMPLETE. A
// body of the other version's shape (2024-05-30's dropDestinationData sent as 2023-01-01, or 2023-01-01's
// dropEnabled as 2024-05-30) is refused with 400 VALIDATION_ERROR or INVALID_ATTRIBUTE, naming the field.
// deleteLinkTokens answers 204 with the versioned Content-Type and no body.
//
// Real clients are accepted, and where the leniency is not verified against the live server the answer says so
// in one line of the header X-Emulator-Warning (WarningHeader): an Accept (or Content-Type) date that is not a
// version of the operation is resolved to the newest version at or before it (application/vnd.atlas.2025-03-12+json
// is 2024-05-30 for the two-version operations, 2023-01-01 for the others; Atlas' published samples imply it);
// a body sent as Content-Type application/json is taken as the version Accept resolved to, or the newest (the
// samples send it); in a validation or migration body "hostnameSchemaType": "" is PUBLIC (older documents' default)
// and, with managedAuthentication true, "username": "" and "password": "" are absent (the official CLI v1.58 sends
// them).
//
// Answers to authenticated Atlas-side requests carry RateLimit-Limit (RateLimit, 500) and RateLimit-Remaining: the
// emulator counts each principal's requests in windows of a minute on its clock, the first window starting at its
// first request, and Remaining is 500 less the requests of the window so far, this one included (499 for the first,
// as recorded); it never refuses a request for that, Remaining stays at 0.
//
// Verified against real Atlas answers (the official Atlas CLI's e2e recordings, 2025-03 to 2026-08; a test replays
// them where ../shared/real-answers exists): createLinkToken's 201 and its Content-Type
// application/vnd.atlas.2023-01-01+json;charset=utf-8 (no Location); the link-token's structure; deleteLinkTokens'
// 204 with that Content-Type and no body; deleteLinkTokens without a link: 404, header X-Error-Code:
// UNEXPECTED_ERROR and this body, field by field and in this order (parameters null, which the document does not
// allow: WithResponseValidation does not check that answer):
//
//	{"detail":"Could not find the requested external organization link.","error":404,"errorCode":"UNEXPECTED_ERROR","parameters":null,"reason":"Not Found"}
//
// and the RateLimit headers' names, Limit and the first Remaining values. The source side's paths, methods, statuses and
// bodies follow the Cloud Manager documentation (not recordings).
//
// Not verified against the live server: the codes INVALID_JSON, INVALID_ATTRIBUTE and
// INVALID_IP_ADDRESS_OR_CIDR_NOTATION (Atlas uses them elsewhere; the detail texts are Atlas' usual wording),
// INVALID_ACCEPT_HEADER, VALIDATION_NOT_FOUND, LIVE_MIGRATION_NOT_FOUND and LIVE_MIGRATION_NOT_READY_FOR_CUTOVER, the
// order of the checks; X-Error-Code on answers other than deleteLinkTokens' 404; the 409 (the document's example,
// which no operation lists; the emulator joins several project IDs with ", "); everything the source side answers
// beyond the documented 201/200/204 and their bodies: INVALID_LINK_TOKEN (no public source shows Cloud Manager's
// code for an unusable link-token), ORG_LINK_NOT_FOUND, ORG_NOT_FOUND, USER_UNAUTHORIZED, that connecting again
// replaces a connection and that a source is NOT_SYNCED once its Atlas link is deleted or replaced; that a new
// link-token replaces the org's link (Atlas allows one per org; what it does on a second createLinkToken is not
// public); that the link-token's access list is not enforced (every client of the emulator is on loopback); which
// answers carry RateLimit headers (the emulator: authenticated Atlas-side answers, not 401s, not the source side),
// how Remaining counts and what Atlas does past the limit; RATE_LIMITED for a project's unfinished jobs (MaxJobs is
// the emulator's bound: Atlas' limit on concurrent validations and migrations is not documented); that a migration
// Atlas would refuse is accepted (201) and then FAILED rather than refused at once (the document gives the migration
// no error message, and asks callers to validate first); the errorMessage texts; an empty list from
// listAvailableProjects before a source connects; the phase lengths (a real migration takes from minutes to days);
// that the version of a body is the one its Content-Type names; every leniency of X-Emulator-Warning; and
// MaxClusterNameBytes (the document bounds neither cluster names nor host names; 255 bytes is DNS' bound for a host
// name).
//
// A control plane under ControlPrefix (/_emulator/, described by api/emulator/openapi.yaml and served at
// GET /_emulator/openapi.yaml) lets a test suite in any language do what Go tests do with the Server's methods: Health,
// Reset, Seed (JSON or YAML; WithSeed), AdvanceClock, SetJob, AddFault and Journal (at most MaxJournalEntries requests,
// no secrets). It answers loopback clients only unless WithControlToken; every answer carries VersionHeader.
//
// As a server it is bounded: request bodies are read up to 1 MiB (413 beyond); what a validation or a migration keeps
// of its body is bounded in bytes (MaxHostnameBytes, MaxClusterNameBytes; IDs are 24 hexadecimal digits, and the rest
// of a body is checked, not kept), and so is how many each project keeps (MaxJobs of each kind, a job that has not
// finished never forgotten, nor one of another project); an org keeps one link key, and a source org one
// connection; the emulator remembers at most MaxNonces digest nonces, each in fixed memory (a window of
// NonceCountWindow nonce counts), and at most MaxTokens access tokens, dropping expired ones as it issues new ones;
// Requests keeps at most DefaultRecordedRequests requests and DefaultRecordedBytes of bodies (WithRecording), each
// request must arrive within DefaultReadTimeout and idle connections close after DefaultIdleTimeout
// (WithReadTimeout, WithIdleTimeout), and Close ends every wait inside handlers and returns once they have all
// returned.
//
// Service accounts get bearer tokens from POST /api/oauth/token (HTTP Basic client ID and secret, form
// grant_type=client_credentials): 200 {"access_token", "token_type": "Bearer", "expires_in"}, or 401 invalid_client,
// 400 invalid_request or unsupported_grant_type as RFC 6749 says. A token is valid for DefaultTokenLifetime
// (WithTokenLifetime), or until RevokeTokens, or until MaxTokens newer ones have been issued.
//
// With envelope=true, an answer after authentication is sent as 200 with {"status": CODE, "content": BODY}; with
// pretty=true, JSON bodies are indented.
package atlastest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"maps"
	"mime"
	"net"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"

	"github.com/atlas-linktoken/atlas-linktoken/api"
	"github.com/atlas-linktoken/atlas-linktoken/gen"
)

// Demo identity used when NewServer is given no WithOrg, WithAPIKey or WithServiceAccount: one organization, and
// one API key and one service account that are its Organization Owners. They are documented fixtures, not secrets.
const (
	DefaultOrgID        = "4888442a3354817a7320eb61"
	DefaultPublicKey    = "emulatorpub"
	DefaultPrivateKey   = "5d6c2a0e-7b1f-4c3a-9e8d-0f1a2b3c4d5e"
	DefaultClientID     = "mdb_sa_id_emulator"
	DefaultClientSecret = "mdb_sa_sk_emulator-demo-secret"
)

// DefaultNonceLifetime is how long a digest nonce stays valid before the emulator answers stale=true.
const DefaultNonceLifetime = 5 * time.Minute

// maxRequestBody bounds how much of a request body the emulator reads; larger bodies are answered 413.
const maxRequestBody = 1 << 20

var v1Path = regexp.MustCompile(`^/api/atlas/v1\.0/orgs/([^/]*)/liveMigrations/linkTokens$`)

// Request is one request the emulator answered, as tests inspect it.
type Request struct {
	Method       string
	Path         string
	RawQuery     string
	Header       http.Header
	Body         []byte      // the request body, at most DefaultRecordedBodyBytes of it (see Truncated)
	Status       int         // status code the emulator answered
	Auth         AuthOutcome // what it concluded about the credentials
	ResponseBody []byte      // the answer's body, at most DefaultRecordedBodyBytes of it
	Truncated    bool        // Body or ResponseBody was longer and holds only its beginning
}

// principal is an API key or a service account: a name (public key or client ID), its secret, and its role in
// each organization it belongs to.
type principal struct {
	name   string
	secret string
	roles  map[string]orgRole // by org ID
}

func (s *Server) newPrincipal(name, secret string, ownerOf []string) (*principal, error) {
	p := &principal{name: name, secret: secret, roles: map[string]orgRole{}}
	for _, orgID := range ownerOf {
		if err := s.checkOrgID(orgID); err != nil {
			return nil, err
		}
		p.roles[orgID] = roleOwner
		s.orgs[orgID] = true
	}
	return p, nil
}

// Server is a running emulator. Its methods are safe for concurrent use.
type Server struct {
	// URL is the base URL, http://127.0.0.1:PORT, to pass to atlas.WithBaseURL.
	URL string

	addr            string
	listener        net.Listener
	http            *http.Server
	router          routers.Router
	handlers        map[string]handler // by operationId; a copy of the package's, so tests may change theirs
	paths           []pathInfo
	bodySchema      *openapi3.Schema
	orgIDParam      *openapi3.Parameter
	skippedPatterns []string
	algorithms      []string
	orgs            map[string]bool
	keys            map[string]*principal // by public key
	serviceAccounts map[string]*principal // by client ID
	nonces          *nonceStore
	tokens          *tokenStore
	hook            func(Request)
	latency         time.Duration
	readTimeout     time.Duration
	idleTimeout     time.Duration
	recordLimit     int   // requests kept for Requests
	recordBytes     int64 // bytes of bodies kept for Requests

	closing   chan struct{} // closed by Close: every wait in a handler ends
	closeOnce sync.Once
	closeMu   sync.RWMutex // guards closed against handlers starting
	closed    bool
	inFlight  sync.WaitGroup

	validateResponses bool

	requests       atomic.Int64
	authFailures   atomic.Int64
	bytesReceived  atomic.Int64
	mu             sync.Mutex    // guards recorded, faults, the job stores and bothSides' links
	recorded       ring[Request] // oldest first
	recordedBytes  int64
	responseErrors []error
	faults         []Fault

	bothSides // the source side, and the links between the two (source.go)

	groups      map[string]*project // destination projects by group ID; changed only by Seed and Reset (ctl.state)
	now         func() time.Time
	phase       time.Duration         // how long each phase of a validation or a migration lasts
	maxJobs     int                   // per project and kind of job: MaxJobs unless WithMaxJobs
	validations *jobs[*validationJob] // guarded by mu
	migrations  *jobs[*migrationJob]  // guarded by mu
	ctl         *control              // the control plane (control.go)
}

// NewServer starts an emulator on a loopback port. Close it when done.
func NewServer(opts ...Option) (*Server, error) {
	s := &Server{
		addr:            "127.0.0.1:0",
		algorithms:      []string{"MD5", "SHA-256"},
		orgs:            map[string]bool{},
		keys:            map[string]*principal{},
		bothSides:       newBothSides(),
		serviceAccounts: map[string]*principal{},
		tokens:          &tokenStore{lifetime: DefaultTokenLifetime, now: time.Now, tokens: map[string]issuedToken{}},
		nonces:          &nonceStore{lifetime: DefaultNonceLifetime, now: time.Now, nonces: map[string]*nonceState{}},
		readTimeout:     DefaultReadTimeout,
		idleTimeout:     DefaultIdleTimeout,
		recordLimit:     DefaultRecordedRequests,
		recordBytes:     DefaultRecordedBytes,
		closing:         make(chan struct{}),
		groups:          map[string]*project{},
		now:             time.Now,
		phase:           DefaultPhaseDuration,
		maxJobs:         MaxJobs,
		validations:     newJobs[*validationJob](MaxJobs),
		migrations:      newJobs[*migrationJob](MaxJobs),
		ctl:             newControl(),
	}
	if err := s.loadSpec(); err != nil {
		return nil, err
	}
	for _, opt := range opts {
		if err := opt(s); err != nil {
			return nil, err
		}
	}
	if len(s.orgs) == 0 && len(s.keys) == 0 && len(s.serviceAccounts) == 0 {
		if err := WithAPIKey(DefaultPublicKey, DefaultPrivateKey, DefaultOrgID)(s); err != nil {
			return nil, err
		}
		if err := WithServiceAccount(DefaultClientID, DefaultClientSecret, DefaultOrgID)(s); err != nil {
			return nil, err
		}
	}
	if len(s.groups) == 0 && s.orgs[DefaultOrgID] {
		s.groups[DefaultGroupID] = &project{orgID: DefaultOrgID, clusters: []string{DefaultClusterName}}
	}
	if err := s.startSourceSide(); err != nil {
		return nil, err
	}
	if err := s.startControl(); err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", s.addr)
	if err != nil {
		return nil, fmt.Errorf("atlastest: %w", err)
	}
	s.listener = ln
	s.URL = "http://" + ln.Addr().String()
	s.http = &http.Server{
		Handler:           s,
		ReadHeaderTimeout: min(10*time.Second, s.readTimeout),
		ReadTimeout:       s.readTimeout, // headers and body: a slow-body client is cut off
		IdleTimeout:       s.idleTimeout,
		ErrorLog:          log.New(io.Discard, "", 0), // timeouts and resets are the clients' business
	}
	go func() { _ = s.http.Serve(ln) }()
	return s, nil
}

func (s *Server) loadSpec() error {
	docs, err := loadDocuments()
	if err != nil {
		return err
	}
	s.router, s.paths, s.skippedPatterns = docs.router, docs.paths, docs.skippedPatterns
	s.bodySchema, s.orgIDParam = docs.bodySchema, docs.orgIDParam
	s.handlers = maps.Clone(handlers)
	return nil
}

// SkippedPatterns lists the schema patterns of the document that Go's regexp cannot compile (lookaheads such as
// (?!…)); the emulator does not check them, and validates everything else.
func (s *Server) SkippedPatterns() []string { return slices.Clone(s.skippedPatterns) }

// checkOrgID validates an org ID against the spec's orgId parameter schema.
func (s *Server) checkOrgID(orgID string) error {
	if err := s.orgIDParam.Schema.Value.VisitJSON(orgID, openapi3.SetSchemaRegexCompiler(api.CompilePattern)); err != nil {
		return fmt.Errorf("atlastest: org ID %q: %w", orgID, err)
	}
	return nil
}

// Close stops the server and returns once every handler has returned, like httptest.Server.Close: waits inside
// handlers (WithLatency, injected delays) end at once, requests in flight are answered or cut off, and connections
// are closed.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		close(s.closing)
		s.closeMu.Lock()
		s.closed = true
		s.closeMu.Unlock()
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		if err := s.http.Shutdown(ctx); err != nil {
			_ = s.http.Close() // a handler still reading a slow body: cut its connection
		}
		s.inFlight.Wait()
	})
}

// wait sleeps d unless the client goes away or the server closes first; it reports whether the wait completed.
func (s *Server) wait(r *http.Request, d time.Duration) bool {
	if d <= 0 {
		return true
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return true
	case <-r.Context().Done():
		return false
	case <-s.closing:
		return false
	}
}

// RequestCount is how many requests have reached the server, authenticated or not (counted on arrival, so a
// request whose client gave up counts too).
func (s *Server) RequestCount() int { return int(s.requests.Load()) }

// BytesReceived is the total size of the request bodies the server has read.
func (s *Server) BytesReceived() int64 { return s.bytesReceived.Load() }

// AuthFailures is how many requests were answered 401.
func (s *Server) AuthFailures() int { return int(s.authFailures.Load()) }

// Requests returns copies of the latest requests answered, oldest first: at most DefaultRecordedRequests of them
// holding at most DefaultRecordedBytes of bodies (WithRecording changes both).
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Request, s.recorded.len())
	for i := range out {
		r := s.recorded.at(i)
		r.Header = r.Header.Clone()
		r.Body = slices.Clone(r.Body)
		r.ResponseBody = slices.Clone(r.ResponseBody)
		out[i] = r
	}
	return out
}

// ServeHTTP answers one request; see the package doc for the order of checks.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set(VersionHeader, Version())
	s.closeMu.RLock()
	if s.closed {
		s.closeMu.RUnlock()
		w.Header().Set("Connection", "close")
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	s.inFlight.Add(1)
	s.closeMu.RUnlock()
	defer s.inFlight.Done()
	if s.serveControl(w, r) {
		return
	}
	s.requests.Add(1)
	rec := &recorder{ResponseWriter: w, req: Request{
		Method: r.Method, Path: r.URL.Path, RawQuery: r.URL.RawQuery, Header: r.Header.Clone(),
	}, note: s.arrival()}
	defer s.record(rec, r)
	if !s.wait(r, s.latency) {
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxRequestBody+1))
	s.bytesReceived.Add(int64(len(body)))
	rec.keepBody(body)
	if err != nil {
		s.writeError(rec, r, http.StatusBadRequest, "VALIDATION_ERROR", "reading request body: "+err.Error())
		return
	}
	if len(body) > maxRequestBody {
		s.writeError(rec, r, http.StatusRequestEntityTooLarge, "VALIDATION_ERROR", "request body exceeds 1 MiB")
		return
	}
	if f, ok := s.nextFault(); ok && s.applyFault(rec, r, f) {
		return
	}
	if f, ok := s.controlFault(rec, r); ok && s.applyFault(rec, r, f) {
		return
	}
	s.ctl.state.RLock() // Seed and Reset wait until the answer is written
	defer s.ctl.state.RUnlock()
	if strings.HasPrefix(r.URL.Path, SourcePathPrefix) {
		s.serveSource(rec, r, body)
		return
	}
	if r.URL.Path == TokenPath {
		s.serveToken(rec, r, body)
		return
	}
	if m := v1Path.FindStringSubmatch(r.URL.Path); m != nil {
		s.serveV1(rec, r, m[1], body)
		return
	}
	s.serveV2(rec, r, body)
}

// serveV1 answers the deprecated v1.0 path: plain application/json, validated with the same schemas as v2.
func (s *Server) serveV1(rec *recorder, r *http.Request, orgID string, body []byte) {
	if r.Method != http.MethodPost {
		s.writeError(rec, r, http.StatusMethodNotAllowed, "METHOD_NOT_ALLOWED", "method "+r.Method+" is not allowed here")
		return
	}
	key, ok := s.authorize(rec, r)
	if !ok {
		return
	}
	if err := s.orgIDParam.Schema.Value.VisitJSON(orgID, openapi3.SetSchemaRegexCompiler(api.CompilePattern)); err != nil {
		s.writeValidationError(rec, r, "orgId", err.Error())
		return
	}
	if mediaType, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mediaType != "application/json" {
		s.writeValidationError(rec, r, "Content-Type", fmt.Sprintf("want application/json, got %q", r.Header.Get("Content-Type")))
		return
	}
	if be := checkJSONSyntax(body); be != nil {
		s.writeFieldError(rec, r, be)
		return
	}
	var value any
	if err := json.Unmarshal(body, &value); err != nil {
		s.writeValidationError(rec, r, "body", "malformed JSON: "+err.Error())
		return
	}
	if err := s.bodySchema.VisitJSON(value, openapi3.SetSchemaRegexCompiler(api.CompilePattern)); err != nil {
		field, problem := describeValidationError(err)
		s.writeValidationError(rec, r, field, problem)
		return
	}
	if be := checkAttributes(value, s.bodySchema); be != nil {
		s.writeFieldError(rec, r, be)
		return
	}
	if s.checkOrg(rec, r, key, orgID, roleOwner) {
		s.createLinkToken(rec, r, orgID, "application/json")
	}
}

// authorize authenticates r on the Atlas side, answering 401 with a fresh challenge when it fails; an answer to an
// authenticated request carries the principal's RateLimit headers.
func (s *Server) authorize(rec *recorder, r *http.Request) (*principal, bool) {
	key, ok := s.authorizeWith(rec, r, s.atlasKey, true)
	if ok {
		s.rateLimit(rec, key)
	}
	return key, ok
}

// authorizeWith is authorize against the API keys lookup finds (bearer tokens only when bearer is true).
func (s *Server) authorizeWith(rec *recorder, r *http.Request, lookup func(string) *principal, bearer bool) (*principal, bool) {
	key, outcome := s.authenticateWith(r, rec.req.Body, lookup, bearer)
	rec.req.Auth = outcome
	if outcome == AuthOK {
		return key, true
	}
	s.authFailures.Add(1)
	if outcome == AuthBadToken {
		rec.Header().Add("WWW-Authenticate", `Bearer realm="`+Realm+`", error="invalid_token", error_description="The access token is expired, revoked or unknown."`)
	}
	for _, c := range s.challenges(outcome == AuthStale) {
		rec.Header().Add("WWW-Authenticate", c)
	}
	detail := map[AuthOutcome]string{
		AuthMissing:   "This request requires authentication: send HTTP Digest credentials of an API key.",
		AuthMalformed: "The Authorization header is not digest credentials this server accepts (realm, uri, qop=auth, algorithm).",
		AuthBadKey:    "The API key's public or private key is wrong.",
		AuthStale:     "The digest nonce has expired; answer the new challenge.",
		AuthReplay:    "The digest nonce count was already used, or is too far below the highest used with this nonce.",
		AuthBadToken:  "The bearer token is expired, revoked or unknown.",
	}[outcome]
	s.writeError(rec, r, http.StatusUnauthorized, "UNAUTHORIZED", detail)
	return nil, false
}

// checkOrg answers 404 for an unknown org and 403 for a key whose role in it is less than need.
func (s *Server) checkOrg(rec *recorder, r *http.Request, key *principal, orgID string, need orgRole) bool {
	if !s.orgs[orgID] {
		s.writeError(rec, r, http.StatusNotFound, "ORG_NOT_FOUND", "No organization with ID "+orgID+" exists.", orgID)
		return false
	}
	if key.roles[orgID] < need {
		s.writeError(rec, r, http.StatusForbidden, "USER_UNAUTHORIZED",
			"The API key is not an "+need.String()+" of organization "+orgID+".", orgID)
		return false
	}
	return true
}

// checkBodyAttributes applies checkAttributes, then checkFieldBounds, to a body the operation's schema already
// accepted.
func (s *Server) checkBodyAttributes(op *openapi3.Operation, r *http.Request, body []byte) *bodyError {
	if op.RequestBody == nil || op.RequestBody.Value == nil || len(bytes.TrimSpace(body)) == 0 {
		return nil
	}
	mediaType, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	content := op.RequestBody.Value.Content.Get(mediaType)
	if content == nil || content.Schema == nil {
		return nil
	}
	var value any
	if json.Unmarshal(body, &value) != nil {
		return nil
	}
	if be := checkAttributes(value, content.Schema.Value); be != nil {
		return be
	}
	return checkFieldBounds(value)
}

// writeFieldError answers 400 for a body Atlas refuses beyond its schema, naming the field.
func (s *Server) writeFieldError(rec *recorder, r *http.Request, be *bodyError) {
	detail := be.problem
	if !strings.Contains(detail, be.field) {
		detail = "Invalid " + be.field + ": " + be.problem
	}
	s.writeAPIError(rec, r, http.StatusBadRequest, gen.APIError{
		ErrorCode: &be.code,
		Detail:    &detail,
		BadRequestDetail: &gen.BadRequestDetail{Fields: &[]gen.FieldViolation{
			{Field: be.field, Description: be.problem},
		}},
		Parameters: &[]map[string]any{},
	})
}

func (s *Server) writeValidationError(rec *recorder, r *http.Request, field, problem string) {
	detail := "Invalid " + field + ": " + problem
	s.writeAPIError(rec, r, http.StatusBadRequest, gen.APIError{
		ErrorCode: ptr("VALIDATION_ERROR"),
		Detail:    &detail,
		BadRequestDetail: &gen.BadRequestDetail{Fields: &[]gen.FieldViolation{
			{Field: field, Description: problem},
		}},
		Parameters: &[]map[string]any{},
	})
}

func (s *Server) writeError(rec *recorder, r *http.Request, status int, code, detail string, params ...string) {
	parameters := make([]map[string]any, 0, len(params))
	for _, p := range params {
		parameters = append(parameters, map[string]any{"value": p})
	}
	s.writeAPIError(rec, r, status, gen.APIError{ErrorCode: &code, Detail: &detail, Parameters: &parameters})
}

func (s *Server) writeAPIError(rec *recorder, r *http.Request, status int, e gen.APIError) {
	e.Error = ptr(int32(status))
	e.Reason = ptr(http.StatusText(status))
	if e.ErrorCode != nil {
		rec.Header().Set("X-Error-Code", *e.ErrorCode) // as Atlas since 2026-07
	}
	s.writeJSON(rec, r, status, "application/json", e)
}

// writeJSON sends v, honouring pretty and, once a request is authenticated, envelope.
func (s *Server) writeJSON(rec *recorder, r *http.Request, status int, contentType string, v any) {
	query := r.URL.Query()
	var payload any = v
	if rec.req.Auth == AuthOK && queryFlag(query, "envelope") {
		payload = map[string]any{"status": status, "content": v}
		status = http.StatusOK
	}
	var body []byte
	if queryFlag(query, "pretty") {
		body, _ = json.MarshalIndent(payload, "", "  ")
	} else {
		body, _ = json.Marshal(payload)
	}
	rec.Header().Set("Content-Type", contentType)
	rec.Header().Set("Content-Length", strconv.Itoa(len(body)))
	rec.WriteHeader(status)
	_, _ = rec.Write(body)
}

// queryFlag reports whether boolean query parameter name is exactly "true", given once (strictQuery refuses the
// rest before any answer is enveloped or indented).
func queryFlag(q map[string][]string, name string) bool {
	v := q[name]
	return len(v) == 1 && v[0] == "true"
}

// describeValidationError names the field a kin-openapi validation error is about, and what is wrong with it.
func describeValidationError(err error) (field, problem string) {
	var reqErr *openapi3filter.RequestError
	if errors.As(err, &reqErr) {
		switch {
		case reqErr.Parameter != nil:
			field = reqErr.Parameter.Name
		case strings.Contains(reqErr.Reason, "Content-Type"):
			return "Content-Type", reqErr.Reason
		default:
			field = "body"
		}
	}
	var schemaErr *openapi3.SchemaError
	if errors.As(err, &schemaErr) {
		if ptr := schemaErr.JSONPointer(); len(ptr) > 0 {
			field = jsonPath(ptr)
		}
		return field, schemaErr.Reason
	}
	if field == "" {
		field = "body"
	}
	var parseErr *openapi3filter.ParseError
	if errors.As(err, &parseErr) {
		return field, "malformed JSON: " + parseErr.Error()
	}
	if reqErr != nil {
		if reqErr.Err != nil {
			return field, reqErr.Err.Error()
		}
		return field, reqErr.Reason
	}
	return field, err.Error()
}

// jsonPath renders a JSON pointer as Atlas names fields: accessListIps[0].
func jsonPath(pointer []string) string {
	var b strings.Builder
	for _, p := range pointer {
		if _, err := strconv.Atoi(p); err == nil {
			b.WriteString("[" + p + "]")
			continue
		}
		if b.Len() > 0 {
			b.WriteString(".")
		}
		b.WriteString(p)
	}
	return b.String()
}

func ptr[T any](v T) *T { return &v }
