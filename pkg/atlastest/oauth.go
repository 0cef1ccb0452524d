package atlastest

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// DefaultTokenLifetime is how long an access token issued by /api/oauth/token is valid, as on Atlas.
const DefaultTokenLifetime = time.Hour

// TokenPath is the emulator's OAuth2 token endpoint, as Atlas'.
const TokenPath = "/api/oauth/token"

// WithServiceAccount adds a service account and makes it Organization Owner of each of ownerOf (which become known
// orgs too). Its client ID and secret get bearer tokens from TokenPath (HTTP Basic, grant_type=client_credentials).
func WithServiceAccount(clientID, clientSecret string, ownerOf ...string) Option {
	return func(s *Server) error {
		if clientID == "" || clientSecret == "" {
			return errors.New("atlastest: service account: client ID and secret must both be non-empty")
		}
		p, err := s.newPrincipal(clientID, clientSecret, ownerOf)
		if err != nil {
			return err
		}
		s.serviceAccounts[clientID] = p
		return nil
	}
}

// WithTokenLifetime sets how long issued access tokens are valid (DefaultTokenLifetime unless set); whole seconds,
// because expires_in is.
func WithTokenLifetime(d time.Duration) Option {
	return func(s *Server) error {
		if d < time.Second || d%time.Second != 0 {
			return fmt.Errorf("atlastest: token lifetime %v must be a whole number of seconds, at least 1s", d)
		}
		s.tokens.lifetime = d
		return nil
	}
}

// MaxTokens bounds how many access tokens the emulator remembers. Expired tokens are dropped, oldest first, as new
// ones are issued; past MaxTokens the oldest goes too, and its holder is answered 401 invalid_token (a client then
// fetches another, as after a revocation).
const MaxTokens = 1 << 14

// tokenStore holds issued bearer tokens: a map to look them up, and a ring of them in the order they were issued,
// which is the order they expire (they all live the same lifetime), so expiry and eviction are O(1) per token.
type tokenStore struct {
	mu       sync.Mutex
	lifetime time.Duration
	now      func() time.Time
	tokens   map[string]issuedToken
	order    ring[string]
	issued   int
}

type issuedToken struct {
	principal *principal
	expires   time.Time
}

// jwtHeader is {"alg":"none","typ":"JWT"}: Atlas issues JWTs; the emulator's tokens are shaped like them but opaque.
const jwtHeader = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0"

func (t *tokenStore) issue(p *principal) (string, time.Duration) {
	var id, sig [24]byte
	_, _ = rand.Read(id[:])
	_, _ = rand.Read(sig[:])
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	claims := fmt.Sprintf(`{"sub":%q,"exp":%d,"jti":%q}`, p.name, now.Add(t.lifetime).Unix(), base64.RawURLEncoding.EncodeToString(id[:]))
	token := jwtHeader + "." + base64.RawURLEncoding.EncodeToString([]byte(claims)) + "." + base64.RawURLEncoding.EncodeToString(sig[:])
	t.expire(now)
	if t.order.len() >= MaxTokens {
		delete(t.tokens, t.order.pop())
	}
	t.tokens[token] = issuedToken{principal: p, expires: now.Add(t.lifetime)}
	t.order.push(token)
	t.issued++
	return token, t.lifetime
}

// expire drops the tokens that expired before now (and those lookup or RevokeTokens already dropped), oldest
// first. Called with mu held.
func (t *tokenStore) expire(now time.Time) {
	for t.order.len() > 0 {
		if it, ok := t.tokens[t.order.front()]; ok && !now.After(it.expires) {
			return
		}
		delete(t.tokens, t.order.pop())
	}
}

func (t *tokenStore) lookup(token string) *principal {
	t.mu.Lock()
	defer t.mu.Unlock()
	it, ok := t.tokens[token]
	if !ok {
		return nil
	}
	if t.now().After(it.expires) {
		delete(t.tokens, token)
		return nil
	}
	return it.principal
}

// RevokeTokens invalidates every access token issued so far, as if Atlas revoked them: the next API call with one
// gets 401 with error="invalid_token".
func (s *Server) RevokeTokens() {
	s.tokens.mu.Lock()
	clear(s.tokens.tokens)
	s.tokens.order.reset()
	s.tokens.mu.Unlock()
}

// TokenRequests is how many access tokens the token endpoint has issued.
func (s *Server) TokenRequests() int {
	s.tokens.mu.Lock()
	defer s.tokens.mu.Unlock()
	return s.tokens.issued
}

// serveToken answers POST /api/oauth/token like Atlas: HTTP Basic client credentials, form
// grant_type=client_credentials, then {"access_token", "token_type": "Bearer", "expires_in"}. Errors follow RFC 6749
// section 5.2: 401 invalid_client, 400 invalid_request or unsupported_grant_type.
func (s *Server) serveToken(rec *recorder, r *http.Request, body []byte) {
	if r.Method != http.MethodPost {
		s.writeError(rec, r, http.StatusMethodNotAllowed, "METHOD_NOT_ALLOWED", "method "+r.Method+" is not allowed here")
		return
	}
	id, secret, ok := r.BasicAuth()
	if ok {
		// RFC 6749 section 2.3.1: the client ID and secret are form-encoded before Basic encoding.
		id, _ = url.QueryUnescape(id)
		secret, _ = url.QueryUnescape(secret)
	}
	s.mu.Lock()
	p := s.serviceAccounts[id]
	s.mu.Unlock()
	if !ok || p == nil || subtle.ConstantTimeCompare([]byte(secret), []byte(p.secret)) != 1 {
		rec.req.Auth = AuthBadKey
		s.authFailures.Add(1)
		rec.Header().Set("WWW-Authenticate", `Basic realm="`+Realm+`"`)
		s.writeOAuthError(rec, r, http.StatusUnauthorized, "invalid_client", "Invalid client credentials.")
		return
	}
	rec.req.Auth = AuthOK
	if mediaType := strings.TrimSpace(strings.Split(r.Header.Get("Content-Type"), ";")[0]); mediaType != "application/x-www-form-urlencoded" {
		s.writeOAuthError(rec, r, http.StatusBadRequest, "invalid_request", "Content-Type must be application/x-www-form-urlencoded.")
		return
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		s.writeOAuthError(rec, r, http.StatusBadRequest, "invalid_request", "Malformed form body.")
		return
	}
	if grant := form.Get("grant_type"); grant != "client_credentials" {
		s.writeOAuthError(rec, r, http.StatusBadRequest, "unsupported_grant_type", fmt.Sprintf("grant_type %q is not supported; use client_credentials.", grant))
		return
	}
	token, lifetime := s.tokens.issue(p)
	rec.Header().Set("Cache-Control", "no-store")
	s.writeJSON(rec, r, http.StatusOK, "application/json", map[string]any{
		"access_token": token,
		"token_type":   "Bearer",
		"expires_in":   int(lifetime / time.Second),
	})
}

func (s *Server) writeOAuthError(rec *recorder, r *http.Request, status int, code, description string) {
	s.writeJSON(rec, r, status, "application/json", map[string]string{"error": code, "error_description": description})
}
