package atlastest

import (
	"bytes"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"

	"github.com/atlas-linktoken/atlas-linktoken/api"
	"github.com/atlas-linktoken/atlas-linktoken/gen"
)

// The source side: like cloud.mongodb.com, the emulator also serves Cloud Manager's public API v1.0 under
// SourcePathPrefix, the three operations of api/source/openapi.yaml that connect a source organization to an Atlas
// organization with a link-token (connectOrganizations, connectionStatus, deleteConnection).

// SourcePathPrefix is where the emulator serves the source side, Cloud Manager's public API v1.0.
const SourcePathPrefix = "/api/public/v1.0/"

// Demo source: when NewServer is given no source organization (WithSourceOrg, WithSourceProjects, or the ownerOf
// of WithSourceAPIKey), it has the Cloud Manager organization DefaultSourceOrgID holding DemoSourceProjects; when it
// is given no WithSourceAPIKey, the key DefaultSourcePublicKey is Organization Owner of every source organization
// the options gave (not of those seeds add later: a seed's source organizations come with their own keys).
// Like the demo identity, they are documented fixtures, not secrets.
const (
	DefaultSourceOrgID      = "5e2211c17a3e5a48f5497de1"
	DefaultSourcePublicKey  = "sourcepub"
	DefaultSourcePrivateKey = "0b7e9c3d-5a1f-4e2b-8c6d-7f8a9b0c1d2e"
)

// sourceOrg is a Cloud Manager (or Ops Manager) organization: its projects, and its connection to an Atlas
// organization.
type sourceOrg struct {
	projects   []gen.LiveImportAvailableProject // changed by options and Seed only; never in place
	configured bool                             // projects were given (WithSourceOrg, WithSourceProjects)
	conn       *sourceConn                      // guarded by Server.mu; nil: never connected, or disconnected
}

// sourceConn is a source organization's connection: the Atlas organization and the public key of the API key the
// link-token held. It is SYNCED while that key is the Atlas organization's link key: deleting (or replacing) the
// Atlas link turns it NOT_SYNCED.
type sourceConn struct {
	atlasOrgID, publicKey string
}

// orgLink is an Atlas organization's live migration link: the organization API key its link-token holds.
type orgLink struct {
	key *principal
}

// bothSides is the emulator's state beyond the Atlas side: the source organizations and their keys, the links
// between the two, and the names of the organizations of both sides. The maps of links, link keys and rates, and
// each source organization's conn, are guarded by Server.mu; the rest changes only while the server does not answer
// requests (options, and Seed and Reset, which hold ctl.state for writing and Server.mu).
type bothSides struct {
	sourceOrgs   map[string]*sourceOrg
	sourceOrder  []string              // source org IDs in the order they were added: listAvailableProjects' order
	sourceKeys   map[string]*principal // by public key
	sourceRouter routers.Router
	sourcePaths  []pathInfo
	links        map[string]*orgLink   // by Atlas org ID
	linkKeys     map[string]*principal // the keys link-tokens hold, by public key
	rates        map[*principal]*rateWindow
	orgNames     map[string]string // names seeds gave organizations of either side, by ID (orgName)
}

func newBothSides() bothSides {
	return bothSides{sourceOrgs: map[string]*sourceOrg{}, sourceKeys: map[string]*principal{}, links: map[string]*orgLink{},
		linkKeys: map[string]*principal{}, rates: map[*principal]*rateWindow{}, orgNames: map[string]string{}}
}

// clone is a deep copy of b, sharing only what is never changed in place (routers, projects' items). A principal
// that is in two maps (a link's key is in links and linkKeys; rates are by principal) stays one principal: clones
// maps each principal of the copied state to its copy, and is filled with the source side's keys and links.
func (b *bothSides) clone(clones map[*principal]*principal) bothSides {
	c := bothSides{sourceOrgs: make(map[string]*sourceOrg, len(b.sourceOrgs)), sourceOrder: slices.Clone(b.sourceOrder),
		sourceKeys: cloneKeys(b.sourceKeys, clones), sourceRouter: b.sourceRouter, sourcePaths: b.sourcePaths,
		links: make(map[string]*orgLink, len(b.links)), linkKeys: cloneKeys(b.linkKeys, clones),
		rates: make(map[*principal]*rateWindow, len(b.rates)), orgNames: maps.Clone(b.orgNames)}
	for id, o := range b.sourceOrgs {
		org := &sourceOrg{projects: slices.Clip(slices.Clone(o.projects)), configured: o.configured}
		if o.conn != nil {
			conn := *o.conn
			org.conn = &conn
		}
		c.sourceOrgs[id] = org
	}
	for id, l := range b.links {
		c.links[id] = &orgLink{key: clonePrincipal(l.key, clones)}
	}
	for p, w := range b.rates {
		window := *w
		c.rates[clonePrincipal(p, clones)] = &window
	}
	return c
}

// WithSourceOrg adds a Cloud Manager or Ops Manager organization orgID holding projects: once it connects with an
// Atlas organization's link-token (connectOrganizations), listAvailableProjects of that Atlas organization lists
// them, and validations and migrations check their source against their deployments and migration hosts. Each
// project needs a projectId of 24 hexadecimal digits, unique across source organizations, and a name. An API key
// added with WithSourceAPIKey authenticates on its behalf.
func WithSourceOrg(orgID string, projects ...gen.LiveImportAvailableProject) Option {
	return func(s *Server) error {
		if err := s.checkOrgID(orgID); err != nil {
			return fmt.Errorf("atlastest: source %w", err)
		}
		if err := checkSourceProjects(projects); err != nil {
			return err
		}
		org := s.addSourceOrg(orgID)
		if org.configured {
			return fmt.Errorf("atlastest: source organization %s given twice (WithSourceOrg, WithSourceProjects)", orgID)
		}
		for _, p := range projects {
			for _, otherID := range s.sourceOrder {
				for _, q := range s.sourceOrgs[otherID].projects {
					if *q.ProjectID == *p.ProjectID {
						return fmt.Errorf("atlastest: source project %s is in two source organizations", *p.ProjectID)
					}
				}
			}
		}
		org.projects, org.configured = make([]gen.LiveImportAvailableProject, len(projects)), true
		for i, p := range projects {
			// The document makes both lists non-nullable: none is [], not null.
			p.Deployments, p.MigrationHosts = nonNil(slices.Clone(p.Deployments)), nonNil(slices.Clone(p.MigrationHosts))
			org.projects[i] = p
		}
		return nil
	}
}

// WithSourceAPIKey adds a Cloud Manager API key and makes it Organization Owner of each of the source organizations
// ownerOf (which become known source organizations too, holding no projects unless WithSourceOrg says otherwise).
// It authenticates on the source side only (SourcePathPrefix), with HTTP Digest as on Atlas; Atlas' keys do not
// authenticate there.
func WithSourceAPIKey(publicKey, privateKey string, ownerOf ...string) Option {
	return func(s *Server) error {
		if publicKey == "" || privateKey == "" {
			return errors.New("atlastest: source API key: public and private key must both be non-empty")
		}
		p := &principal{name: publicKey, secret: privateKey, roles: map[string]orgRole{}}
		for _, orgID := range ownerOf {
			if err := s.checkOrgID(orgID); err != nil {
				return fmt.Errorf("atlastest: source %w", err)
			}
			s.addSourceOrg(orgID)
			p.roles[orgID] = roleOwner
		}
		s.sourceKeys[publicKey] = p
		return nil
	}
}

// addSourceOrg returns source organization orgID, adding it (with no projects) if it is new.
func (s *Server) addSourceOrg(orgID string) *sourceOrg {
	org := s.sourceOrgs[orgID]
	if org == nil {
		org = &sourceOrg{projects: []gen.LiveImportAvailableProject{}}
		s.sourceOrgs[orgID] = org
		s.sourceOrder = append(s.sourceOrder, orgID)
	}
	return org
}

// checkSourceProjects checks what a source project needs: the fields listAvailableProjects' schema requires and what
// a migration body could name.
func checkSourceProjects(projects []gen.LiveImportAvailableProject) error {
	for i, p := range projects {
		if p.ProjectID == nil || !isObjectID(*p.ProjectID) {
			return fmt.Errorf("atlastest: source project %d: projectId must be 24 hexadecimal digits", i)
		}
		if p.Name == nil || *p.Name == "" {
			return fmt.Errorf("atlastest: source project %s: name is empty", *p.ProjectID)
		}
		for _, d := range p.Deployments {
			if d.Name == nil || *d.Name == "" {
				return fmt.Errorf("atlastest: source project %s: a deployment has no name", *p.ProjectID)
			}
			if len(*d.Name) > MaxClusterNameBytes { // a migration body could not name it
				return fmt.Errorf("atlastest: source project %s: deployment name %.80q is longer than %d bytes (MaxClusterNameBytes)", *p.ProjectID, *d.Name, MaxClusterNameBytes)
			}
		}
		for _, h := range p.MigrationHosts {
			if len(h) > MaxHostnameBytes {
				return fmt.Errorf("atlastest: source project %s: migration host %.80q is longer than %d bytes (MaxHostnameBytes)", *p.ProjectID, h, MaxHostnameBytes)
			}
		}
	}
	return nil
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func isObjectID(id string) bool {
	if len(id) != 24 {
		return false
	}
	for _, c := range id {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// startSourceSide takes the source-side router and, when the options gave none, adds the demo source: the
// organization DefaultSourceOrgID with DemoSourceProjects, and the key DefaultSourcePublicKey as Organization Owner
// of every source organization.
func (s *Server) startSourceSide() error {
	docs, err := loadDocuments()
	if err != nil {
		return err
	}
	s.sourceRouter, s.sourcePaths = docs.sourceRouter, docs.sourcePaths
	if len(s.sourceOrgs) == 0 {
		if err := WithSourceOrg(DefaultSourceOrgID, DemoSourceProjects()...)(s); err != nil {
			return err
		}
	}
	if len(s.sourceKeys) == 0 {
		if err := WithSourceAPIKey(DefaultSourcePublicKey, DefaultSourcePrivateKey, s.sourceOrder...)(s); err != nil {
			return err
		}
	}
	return nil
}

// serveSource answers a request under SourcePathPrefix: routed over the source document, authenticated with the
// source organizations' keys (digest), validated, then connectOrganizations, connectionStatus or deleteConnection.
func (s *Server) serveSource(rec *recorder, r *http.Request, body []byte) {
	route, pathParams, err := s.sourceRouter.FindRoute(r)
	switch {
	case errors.Is(err, routers.ErrMethodNotAllowed):
		var methods []string
		for _, p := range s.sourcePaths {
			if p.re.MatchString(r.URL.Path) {
				methods = append(methods, p.methods...)
			}
		}
		slices.Sort(methods)
		rec.Header().Set("Allow", strings.Join(slices.Compact(methods), ", "))
		s.writeError(rec, r, http.StatusMethodNotAllowed, "METHOD_NOT_ALLOWED", "method "+r.Method+" is not allowed here")
		return
	case err != nil:
		s.writeError(rec, r, http.StatusNotFound, "NOT_FOUND", "no resource at "+r.URL.Path)
		return
	}
	rec.route, rec.pathParams = route, pathParams
	key, ok := s.authorizeWith(rec, r, s.sourceKey, false)
	if !ok {
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
	orgID := pathParams["orgId"]
	org := s.sourceOrgs[orgID]
	switch {
	case org == nil:
		s.writeError(rec, r, http.StatusNotFound, "ORG_NOT_FOUND", "No organization with ID "+orgID+" exists.", orgID)
		return
	case key.roles[orgID] < roleOwner:
		s.writeError(rec, r, http.StatusForbidden, "USER_UNAUTHORIZED",
			"The API key is not an "+roleOwner.String()+" of organization "+orgID+".", orgID)
		return
	}
	switch route.Operation.OperationID {
	case "connectOrganizations":
		s.connectOrganizations(rec, r, org, body)
	case "connectionStatus":
		s.writeJSON(rec, r, http.StatusOK, "application/json", map[string]string{"status": s.sourceStatus(org)})
	case "deleteConnection":
		s.mu.Lock()
		conn := org.conn
		org.conn = nil
		s.mu.Unlock()
		if conn == nil {
			s.writeError(rec, r, http.StatusNotFound, "ORG_LINK_NOT_FOUND", "Organization "+orgID+" is not connected to an Atlas organization.", orgID)
			return
		}
		s.writeNoBody(rec, r, http.StatusNoContent, "application/json")
	default:
		s.writeError(rec, r, http.StatusNotImplemented, "NOT_IMPLEMENTED",
			"The emulator does not implement operation "+route.Operation.OperationID+" yet.", route.Operation.OperationID)
	}
}

// sourceKey is the source side's API key named publicKey, nil when there is none. Read under mu, as every key
// store is (Seed and Reset change it).
func (s *Server) sourceKey(publicKey string) *principal {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sourceKeys[publicKey]
}

// Source statuses (api/source/openapi.yaml).
const (
	statusSynced    = "SYNCED"
	statusNotSynced = "NOT_SYNCED"
)

// sourceStatus is SYNCED while org is connected with the key of its Atlas organization's current link.
func (s *Server) sourceStatus(org *sourceOrg) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.syncedLocked(org) {
		return statusSynced
	}
	return statusNotSynced
}

// syncedLocked reports whether org's connection holds its Atlas organization's live link key. The caller holds mu.
func (s *Server) syncedLocked(org *sourceOrg) bool {
	if org.conn == nil {
		return false
	}
	link := s.links[org.conn.atlasOrgID]
	return link != nil && link.key.name == org.conn.publicKey
}

// linkTokenClaims is what a link-token holds, in Atlas' order: base64 of this compact JSON.
type linkTokenClaims struct {
	OrgID         string `json:"orgId"`
	OrgName       string `json:"orgName"`
	PrivateAPIKey string `json:"privateApiKey"`
	PublicAPIKey  string `json:"publicApiKey"`
}

// codeInvalidLinkToken is the emulator's answer to a link-token Cloud Manager cannot use (not verified: no public
// source shows Cloud Manager's code).
const codeInvalidLinkToken = "INVALID_LINK_TOKEN"

// connectOrganizations connects org with the link-token in body: 201 SYNCED, or 400 INVALID_LINK_TOKEN when the
// token is malformed, or holds a key this Atlas did not issue or has revoked. The token is never quoted back.
func (s *Server) connectOrganizations(rec *recorder, r *http.Request, org *sourceOrg, body []byte) {
	var req struct {
		LinkToken string `json:"linkToken"`
	}
	_ = json.Unmarshal(body, &req) // validated against the document already
	claims, problem := parseLinkToken(req.LinkToken)
	if problem != "" {
		s.writeInvalidLinkToken(rec, r, "The link-token is malformed: "+problem+". Paste the link-token Atlas' createLinkToken answered, whole.")
		return
	}
	s.mu.Lock()
	link := s.links[claims.OrgID]
	valid := link != nil && link.key.name == claims.PublicAPIKey &&
		subtle.ConstantTimeCompare([]byte(link.key.secret), []byte(claims.PrivateAPIKey)) == 1
	if valid {
		org.conn = &sourceConn{atlasOrgID: claims.OrgID, publicKey: claims.PublicAPIKey}
	}
	s.mu.Unlock()
	if !valid {
		s.writeInvalidLinkToken(rec, r, "The link-token is not valid: Atlas deleted or replaced the link it was created for, or it was not created by this Atlas. Create a new link-token in the Atlas organization.")
		return
	}
	s.writeJSON(rec, r, http.StatusCreated, "application/json", map[string]string{"status": statusSynced})
}

func (s *Server) writeInvalidLinkToken(rec *recorder, r *http.Request, detail string) {
	s.writeAPIError(rec, r, http.StatusBadRequest, gen.APIError{ErrorCode: ptr(codeInvalidLinkToken), Detail: &detail,
		BadRequestDetail: &gen.BadRequestDetail{Fields: &[]gen.FieldViolation{{Field: "linkToken", Description: detail}}},
		Parameters:       &[]map[string]any{}})
}

// parseLinkToken decodes a link-token as Atlas shapes it; problem says what is wrong with it (never quoting it).
func parseLinkToken(token string) (claims linkTokenClaims, problem string) {
	raw, err := base64.StdEncoding.Strict().DecodeString(strings.TrimSpace(token))
	if err != nil {
		return claims, "it is not standard base64"
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&claims); err != nil || dec.More() {
		return claims, "it does not hold the JSON of a link-token"
	}
	if !isObjectID(claims.OrgID) || claims.PublicAPIKey == "" || claims.PrivateAPIKey == "" {
		return claims, "it lacks the organization ID or the API key"
	}
	return claims, ""
}
