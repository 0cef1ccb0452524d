package atlastest

import (
	"crypto/rand"
	"encoding/base64"
	"net/http"

	"github.com/atlas-linktoken/atlas-linktoken/gen"
)

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

// createLinkToken answers 201 with a fresh token and marks the org linked.
func (s *Server) createLinkToken(rec *recorder, r *http.Request, orgID, contentType string) {
	s.mu.Lock()
	s.linked[orgID] = true
	s.mu.Unlock()
	s.writeJSON(rec, r, http.StatusCreated, contentType, gen.TargetOrg{LinkToken: newLinkToken()})
}

// deleteLinkTokens removes the org's link: 204, or 404 when there is none.
func (s *Server) deleteLinkTokens(rec *recorder, r *http.Request, orgID, contentType string) {
	s.mu.Lock()
	wasLinked := s.linked[orgID]
	delete(s.linked, orgID)
	s.mu.Unlock()
	if !wasLinked {
		s.writeError(rec, r, http.StatusNotFound, "ORG_LINK_NOT_FOUND", "Organization "+orgID+" has no live migration link.", orgID)
		return
	}
	s.writeNoBody(rec, r, http.StatusNoContent, contentType)
}

// Linked reports whether orgID has a live migration link: a link-token was created and not deleted since.
func (s *Server) Linked(orgID string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.linked[orgID]
}

// newLinkToken returns an opaque token shaped like Atlas' (base64 of random bytes).
func newLinkToken() string {
	var b [96]byte
	_, _ = rand.Read(b[:])
	return base64.StdEncoding.EncodeToString(b[:])
}
