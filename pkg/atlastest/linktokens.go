package atlastest

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/atlas-linktoken/atlas-linktoken/gen"
)

// DefaultOrgName is the name of the demo organization DefaultOrgID, which its link-tokens carry. Every other
// organization is named "Organization " followed by its ID, unless a seed names it (SeedOrg.Name). Thirteen characters, like the organization of Atlas'
// recorded link-tokens: the demo org's link-tokens are as long as those (192 characters).
const DefaultOrgName = "Emulator Demo"

// handleCreateLinkToken answers createLinkToken for an org the key owns.
func (s *Server) handleCreateLinkToken(c *call) {
	if orgID := c.params["orgId"]; s.checkOrg(c.rec, c.r, c.key, orgID, c.need) {
		s.createLinkToken(c.rec, c.r, orgID, c.contentType)
	}
}

// handleDeleteLinkTokens answers deleteLinkTokens for an org the key owns.
func (s *Server) handleDeleteLinkTokens(c *call) {
	if orgID := c.params["orgId"]; s.checkOrg(c.rec, c.r, c.key, orgID, c.need) {
		s.deleteLinkTokens(c.rec, c.r, orgID, c.contentType)
	}
}

// createLinkToken answers 201 with a fresh link-token, shaped like Atlas': standard base64 of the compact JSON
// {"orgId", "orgName", "privateApiKey", "publicApiKey"} holding a freshly minted API key, Organization Owner of the
// org, which authenticates on the Atlas side until the link is deleted. The org has one link: a new link-token
// replaces the previous one, whose key is revoked (and a source organization connected with it is NOT_SYNCED).
func (s *Server) createLinkToken(rec *recorder, r *http.Request, orgID, contentType string) {
	s.mu.Lock()
	key := s.mintLinkKeyLocked(orgID)
	if old := s.links[orgID]; old != nil {
		s.revokeLocked(old)
	}
	s.links[orgID] = &orgLink{key: key}
	s.linkKeys[key.name] = key
	s.mu.Unlock()
	s.writeJSON(rec, r, http.StatusCreated, contentType, gen.TargetOrg{LinkToken: encodeLinkToken(linkTokenClaims{
		OrgID: orgID, OrgName: s.orgName(orgID), PrivateAPIKey: key.secret, PublicAPIKey: key.name,
	})})
}

// noLinkDetail is real Atlas' detail for deleteLinkTokens when the org has no link.
const noLinkDetail = "Could not find the requested external organization link."

// recordedError is an error body exactly as real Atlas sent it: its fields in Atlas' (alphabetical) order, and
// parameters null, which the document does not allow.
type recordedError struct {
	Detail     string `json:"detail"`
	Error      int    `json:"error"`
	ErrorCode  string `json:"errorCode"`
	Parameters []any  `json:"parameters"`
	Reason     string `json:"reason"`
}

// deleteLinkTokens removes the org's link and revokes the key its link-token holds: 204; 404 as real Atlas answers
// it when there is no link; 409 while a migration into one of the org's projects is active (not COMPLETE, FAILED
// or EXPIRED), as the document's only live-migration error example says.
func (s *Server) deleteLinkTokens(rec *recorder, r *http.Request, orgID, contentType string) {
	s.mu.Lock()
	link := s.links[orgID]
	var active []string
	if link != nil {
		active = s.activeMigrationGroupsLocked(orgID)
		if len(active) == 0 {
			s.revokeLocked(link)
			delete(s.links, orgID)
		}
	}
	s.mu.Unlock()
	switch {
	case link == nil:
		rec.Header().Set("X-Error-Code", "UNEXPECTED_ERROR")
		rec.asRecorded = true
		s.writeJSON(rec, r, http.StatusNotFound, "application/json", recordedError{Detail: noLinkDetail, Error: http.StatusNotFound,
			ErrorCode: "UNEXPECTED_ERROR", Reason: http.StatusText(http.StatusNotFound)})
	case len(active) > 0:
		s.writeError(rec, r, http.StatusConflict, "CANNOT_DELETE_ORG_ACTIVE_LIVE_MIGRATION_ATLAS_ORG_LINK",
			"Cannot delete organization link while there is active migration in following project ids: "+strings.Join(active, ", "), active...)
	default:
		s.writeNoBody(rec, r, http.StatusNoContent, contentType)
	}
}

// activeMigrationGroupsLocked lists, sorted, the org's projects holding a migration that has not finished. The
// caller holds mu.
func (s *Server) activeMigrationGroupsLocked(orgID string) []string {
	var groups []string
	now := s.now()
	for _, e := range s.migrations.byID {
		if g := s.groups[e.groupID]; g == nil || g.orgID != orgID || slices.Contains(groups, e.groupID) {
			continue
		}
		switch status, _, _ := e.job.state(now, s.phase); status {
		case gen.MigrationComplete, gen.MigrationFailed, gen.MigrationExpired:
		default:
			groups = append(groups, e.groupID)
		}
	}
	slices.Sort(groups)
	return groups
}

// revokeLocked removes the key link's token holds: it no longer authenticates. The caller holds mu.
func (s *Server) revokeLocked(link *orgLink) {
	delete(s.linkKeys, link.key.name)
	delete(s.rates, link.key)
}

// Linked reports whether orgID has a live migration link: a link-token was created and not deleted since.
func (s *Server) Linked(orgID string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.links[orgID] != nil
}

// atlasKey is the Atlas API key named publicKey: a configured one (WithAPIKey, a seed), or one a live link-token
// holds. Both key stores are read under mu, as createLinkToken, deleteLinkTokens, Seed and Reset change them.
func (s *Server) atlasKey(publicKey string) *principal {
	s.mu.Lock()
	defer s.mu.Unlock()
	if p := s.keys[publicKey]; p != nil {
		return p
	}
	return s.linkKeys[publicKey]
}

// mintLinkKeyLocked returns a new API key, Organization Owner of orgID, shaped like Atlas': a public key of 8
// lower-case letters (unique among the emulator's keys) and a private key that is a random (version 4) UUID. The
// caller holds mu.
func (s *Server) mintLinkKeyLocked(orgID string) *principal {
	var name string
	for {
		var b [8]byte
		_, _ = rand.Read(b[:])
		for i := range b {
			b[i] = 'a' + b[i]%26
		}
		if name = string(b[:]); s.keys[name] == nil && s.linkKeys[name] == nil {
			break
		}
	}
	var u [16]byte
	_, _ = rand.Read(u[:])
	u[6] = u[6]&0x0f | 0x40 // version 4
	u[8] = u[8]&0x3f | 0x80 // RFC 9562 variant
	secret := fmt.Sprintf("%x-%x-%x-%x-%x", u[0:4], u[4:6], u[6:8], u[8:10], u[10:16])
	return &principal{name: name, secret: secret, roles: map[string]orgRole{orgID: roleOwner}}
}

// encodeLinkToken is standard base64 (with padding) of the claims' compact JSON, keys in Atlas' order, nothing
// escaped that JSON does not require.
func encodeLinkToken(c linkTokenClaims) string {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(c)
	return base64.StdEncoding.EncodeToString([]byte(strings.TrimSuffix(b.String(), "\n")))
}

// orgName is the name of organization orgID, of either side: the name a seed gave it, else DefaultOrgName for the
// demo org, else "Organization " followed by its ID. Callers answering a request hold ctl.state for reading already
// (ServeHTTP does), and must not take it again.
func (s *Server) orgName(orgID string) string {
	if name := s.orgNames[orgID]; name != "" {
		return name
	}
	if orgID == DefaultOrgID {
		return DefaultOrgName
	}
	return "Organization " + orgID
}
