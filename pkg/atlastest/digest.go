package atlastest

import (
	"bytes"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/icholy/digest"
)

// Realm is the digest realm Atlas and the emulator announce.
const Realm = "MMS Public API"

// AuthOutcome is what the emulator concluded about a request's credentials; it is recorded with each Request.
type AuthOutcome string

// Authentication outcomes.
const (
	AuthOK        AuthOutcome = "ok"        // valid credentials, fresh nonce
	AuthMissing   AuthOutcome = "missing"   // no Authorization header: answered with a challenge
	AuthMalformed AuthOutcome = "malformed" // an Authorization header the emulator cannot parse or does not support
	AuthBadKey    AuthOutcome = "bad-key"   // unknown public key or wrong digest response (wrong private key)
	AuthStale     AuthOutcome = "stale"     // right digest on an expired or unknown nonce: answered with stale=true
	AuthReplay    AuthOutcome = "replay"    // a nonce count already used with this nonce
	AuthBadToken  AuthOutcome = "bad-token" // a bearer token that is expired, revoked or unknown
	AuthNone      AuthOutcome = ""          // the request never reached authentication (unknown path)
)

// nonceStore issues server nonces and remembers, per nonce, which nonce counts were used, so replays are rejected
// while concurrent clients may still deliver counts out of order.
type nonceStore struct {
	mu       sync.Mutex
	lifetime time.Duration
	now      func() time.Time
	nonces   map[string]*nonceState
}

type nonceState struct {
	issued time.Time
	seen   map[int]struct{}
}

// maxNonces bounds the store: beyond it, expired nonces are dropped, then the oldest.
const maxNonces = 1 << 14

func (s *nonceStore) issue() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	nonce := hex.EncodeToString(b[:])
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	if len(s.nonces) >= maxNonces {
		s.evict(now)
	}
	s.nonces[nonce] = &nonceState{issued: now, seen: map[int]struct{}{}}
	return nonce
}

// evict drops expired nonces and, if the store is still full, the older half. Called with mu held.
func (s *nonceStore) evict(now time.Time) {
	var oldest time.Time
	for nonce, st := range s.nonces {
		if now.Sub(st.issued) > s.lifetime {
			delete(s.nonces, nonce)
		} else if oldest.IsZero() || st.issued.Before(oldest) {
			oldest = st.issued
		}
	}
	if len(s.nonces) < maxNonces {
		return
	}
	cutoff := oldest.Add(now.Sub(oldest) / 2)
	for nonce, st := range s.nonces {
		if !st.issued.After(cutoff) {
			delete(s.nonces, nonce)
		}
	}
}

// use records nonce count nc for nonce and says whether the pair is fresh, stale or a replay.
func (s *nonceStore) use(nonce string, nc int) AuthOutcome {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.nonces[nonce]
	if !ok || s.now().Sub(st.issued) > s.lifetime {
		delete(s.nonces, nonce)
		return AuthStale
	}
	if _, used := st.seen[nc]; used {
		return AuthReplay
	}
	st.seen[nc] = struct{}{}
	return AuthOK
}

// challenges returns one WWW-Authenticate value per configured algorithm, all on one fresh nonce, in Atlas' format.
func (s *Server) challenges(stale bool) []string {
	nonce := s.nonces.issue()
	staleText := "false"
	if stale {
		staleText = "true"
	}
	out := make([]string, 0, len(s.algorithms))
	for _, alg := range s.algorithms {
		out = append(out, `Digest realm="`+Realm+`", domain="", nonce="`+nonce+`", algorithm=`+alg+
			`, qop="auth", stale=`+staleText)
	}
	return out
}

// authenticate checks a digest Authorization header (RFC 7616, qop=auth or auth-int, MD5 or SHA-256) against the
// configured API keys, or a bearer token against issued ones. The principal is returned only with AuthOK.
func (s *Server) authenticate(r *http.Request, body []byte) (*principal, AuthOutcome) {
	header := r.Header.Get("Authorization")
	if header == "" {
		return nil, AuthMissing
	}
	if token, ok := cutBearer(header); ok {
		if p := s.tokens.lookup(token); p != nil {
			return p, AuthOK
		}
		return nil, AuthBadToken
	}
	if !digest.IsDigest(header) {
		return nil, AuthMalformed
	}
	cred, err := digest.ParseCredentials(header)
	if err != nil || (cred.QOP != "auth" && cred.QOP != "auth-int") || cred.Userhash || cred.Nc <= 0 || cred.Cnonce == "" ||
		cred.Realm != Realm || cred.URI != r.URL.RequestURI() || !s.offers(cred.Algorithm) {
		return nil, AuthMalformed
	}
	key, ok := s.keys[cred.Username]
	if !ok {
		return nil, AuthBadKey
	}
	want, err := digest.Digest(&digest.Challenge{
		Realm: Realm, Nonce: cred.Nonce, Algorithm: cred.Algorithm, QOP: []string{cred.QOP},
	}, digest.Options{
		Method: r.Method, URI: cred.URI, Count: cred.Nc, Cnonce: cred.Cnonce,
		Username: key.name, Password: key.secret,
		GetBody: func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }, // auth-int
	})
	if err != nil || subtle.ConstantTimeCompare([]byte(want.Response), []byte(strings.ToLower(cred.Response))) != 1 {
		return nil, AuthBadKey
	}
	if outcome := s.nonces.use(cred.Nonce, cred.Nc); outcome != AuthOK {
		return nil, outcome
	}
	return key, AuthOK
}

// offers reports whether alg (empty means MD5) is one of the algorithms the server challenges with.
func (s *Server) offers(alg string) bool {
	if alg == "" {
		alg = "MD5"
	}
	for _, a := range s.algorithms {
		if strings.EqualFold(a, alg) {
			return true
		}
	}
	return false
}

// cutBearer returns the token of an "Authorization: Bearer TOKEN" header.
func cutBearer(header string) (string, bool) {
	const prefix = "bearer "
	if len(header) <= len(prefix) || !strings.EqualFold(header[:len(prefix)], prefix) {
		return "", false
	}
	return strings.TrimSpace(header[len(prefix):]), true
}
