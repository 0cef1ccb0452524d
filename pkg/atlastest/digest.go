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
	AuthReplay    AuthOutcome = "replay"    // a nonce count already used with this nonce, or below its window
	AuthBadToken  AuthOutcome = "bad-token" // a bearer token that is expired, revoked or unknown
	AuthNone      AuthOutcome = ""          // the request never reached authentication (unknown path)
)

// NonceCountWindow is how far below the highest nonce count seen with a nonce a count may still arrive, once:
// concurrent clients sharing a nonce deliver their counts out of order. A count further below is refused as a
// replay (it cannot be told from one). Like IPsec's and DTLS's anti-replay windows, a nonce remembers only its
// highest count and a bitmap of this many counts up to it, however many requests use it.
const NonceCountWindow = 128

// MaxNonces bounds how many nonces the emulator remembers. Expired nonces are dropped, oldest first, as new ones
// are issued; past MaxNonces the oldest goes too, and its client is answered stale=true.
const MaxNonces = 1 << 14

// nonceStore issues server nonces and remembers, per nonce, which recent nonce counts were used, so replays are
// rejected while concurrent clients may still deliver counts out of order. Its memory is bounded: at most MaxNonces
// nonces of fixed size.
type nonceStore struct {
	mu       sync.Mutex
	lifetime time.Duration
	now      func() time.Time
	nonces   map[string]*nonceState
	order    ring[string] // the nonces in the order they were issued, so in the order they expire
}

// nonceState is one nonce: when it was issued, and its anti-replay window.
type nonceState struct {
	issued  time.Time
	highest uint64                        // the highest nonce count used; 0 before the first
	window  [NonceCountWindow / 64]uint64 // bit i (of word i/64): count highest-i was used
}

// accept records nonce count nc and reports whether it is fresh: above the highest so far, or within the window
// below it and not used yet.
func (st *nonceState) accept(nc uint64) bool {
	if nc > st.highest {
		st.slide(nc - st.highest)
		st.highest = nc
		st.window[0] |= 1
		return true
	}
	d := st.highest - nc
	if d >= NonceCountWindow {
		return false
	}
	word, bit := d/64, d%64
	if st.window[word]&(1<<bit) != 0 {
		return false
	}
	st.window[word] |= 1 << bit
	return true
}

// slide moves the window up by n counts: what was bit i becomes bit i+n, and bits past the window fall off.
func (st *nonceState) slide(n uint64) {
	w := &st.window
	if n >= NonceCountWindow {
		*w = [len(st.window)]uint64{}
		return
	}
	words, bits := int(n/64), n%64
	for i := len(w) - 1; i >= 0; i-- {
		var v uint64
		if j := i - words; j >= 0 {
			v = w[j] << bits
			if bits > 0 && j > 0 {
				v |= w[j-1] >> (64 - bits)
			}
		}
		w[i] = v
	}
}

func (s *nonceStore) issue() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	nonce := hex.EncodeToString(b[:])
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	s.expire(now)
	if s.order.len() >= MaxNonces {
		delete(s.nonces, s.order.pop())
	}
	s.nonces[nonce] = &nonceState{issued: now}
	s.order.push(nonce)
	return nonce
}

// expire drops the nonces issued more than the lifetime ago (and those use already dropped), oldest first; O(1)
// for each nonce ever issued. Called with mu held.
func (s *nonceStore) expire(now time.Time) {
	for s.order.len() > 0 {
		st, ok := s.nonces[s.order.front()]
		if ok && now.Sub(st.issued) <= s.lifetime {
			return
		}
		delete(s.nonces, s.order.pop())
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
	if nc <= 0 || !st.accept(uint64(nc)) {
		return AuthReplay
	}
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

// authenticate checks a digest Authorization header (RFC 7616, qop=auth or auth-int, MD5 or SHA-256) against
// Atlas' API keys (the configured ones and those link-tokens hold), or a bearer token against issued ones. The
// principal is returned only with AuthOK.
func (s *Server) authenticate(r *http.Request, body []byte) (*principal, AuthOutcome) {
	return s.authenticateWith(r, body, s.atlasKey, true)
}

// authenticateWith is authenticate against the API keys lookup finds by public key; bearer tokens only when bearer
// is true (otherwise a bearer header is AuthMalformed).
func (s *Server) authenticateWith(r *http.Request, body []byte, lookup func(publicKey string) *principal, bearer bool) (*principal, AuthOutcome) {
	header := r.Header.Get("Authorization")
	if header == "" {
		return nil, AuthMissing
	}
	if token, ok := cutBearer(header); ok && bearer {
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
	key := lookup(cred.Username)
	if key == nil {
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
