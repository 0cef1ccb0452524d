package atlas

import (
	"bytes"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/icholy/digest"
)

// digestTransport answers HTTP Digest challenges (RFC 7616) for one origin with an API key pair. It is built on
// github.com/icholy/digest's challenge parsing and response computation and adds what that package's Transport
// lacks for Atlas:
//
//   - credentials go only to the configured scheme+host+port; requests elsewhere (a redirect to another host, the
//     same host on another port or scheme) pass through unsigned;
//   - the challenge is cached, so a warm client makes one round trip per call with nc counting up;
//   - a 401 with no usable Digest challenge is returned to the caller untouched, body included;
//   - a stale nonce, or a cached challenge the server replaced, is answered; wrong keys end after one freshly
//     signed try and can never loop (see RoundTrip).
type digestTransport struct {
	scoped
	username string
	password string

	mu   sync.Mutex
	chal *digest.Challenge // last challenge from origin; immutable once stored
	a1   string            // H(username:realm:password) for chal, computed once; "" lets icholy compute it
	nc   int               // requests signed with chal so far
}

func newDigestTransport(base http.RoundTripper, origin, username, password string) *digestTransport {
	return &digestTransport{scoped: scoped{base: base, origin: origin}, username: username, password: password}
}

// scoped is what the authenticating transports share: the transport they wrap, and the one origin their credentials
// may go to.
type scoped struct {
	base   http.RoundTripper
	origin string
}

// foreign reports whether req goes anywhere but the origin; such requests pass through without credentials.
func (s scoped) foreign(req *http.Request) bool { return originOf(req.URL) != s.origin }

// CloseIdleConnections lets http.Client.CloseIdleConnections reach the wrapped transport.
func (s scoped) CloseIdleConnections() { closeIdle(s.base) }

// originOf returns scheme://host:port with the default port filled in, the unit credentials are scoped to.
func originOf(u *url.URL) string {
	scheme := strings.ToLower(u.Scheme)
	port := u.Port()
	if port == "" {
		switch scheme {
		case "https":
			port = "443"
		case "http":
			port = "80"
		}
	}
	return scheme + "://" + net.JoinHostPort(strings.ToLower(u.Hostname()), port)
}

// maxDigestAttempts bounds the requests one RoundTrip makes: an unsigned or cached-challenge try, a freshly signed
// one, and one more only when that fresh nonce came back stale=true (it aged in a slow queue).
const maxDigestAttempts = 3

// RoundTrip sends req, signed with the cached challenge when there is one, and answers the server's challenges:
//
//   - an unsigned request's 401 is answered once;
//   - a 401 with stale=true (right keys, old nonce) is answered, up to maxDigestAttempts requests in all;
//   - a 401 to a request signed with the cached challenge is answered once when it carries another challenge (a
//     rotated realm, single-use nonces): the cached one may simply be out of date;
//   - any other 401 after a signed request is final: wrong keys end after one freshly signed try, never a loop.
func (t *digestTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if t.foreign(req) {
		return t.base.RoundTrip(req)
	}
	getBody, err := replayableBody(req)
	if err != nil {
		return nil, err
	}
	for attempt := 1; ; attempt++ {
		try, err := cloneWithBody(req, getBody)
		if err != nil {
			return nil, err
		}
		used, err := t.sign(try)
		if err != nil {
			closeBody(try)
			return nil, err
		}
		res, err := t.base.RoundTrip(try)
		if err != nil || res.StatusCode != http.StatusUnauthorized {
			return res, err
		}
		chal, err := digest.FindChallenge(res.Header)
		if err != nil {
			// No challenge we can answer: the 401 is the server's last word, body and all.
			t.store(nil)
			return res, nil
		}
		t.store(chal)
		answer := used == nil || // first contact: the 401 is the challenge
			chal.Stale || // the keys were right, the nonce was old
			(attempt == 1 && !sameChallenge(used, chal)) // the cached challenge was out of date
		if !answer || attempt == maxDigestAttempts {
			return res, nil
		}
		discard(res)
	}
}

// sameChallenge reports whether two challenges would produce the same credentials: a server that answers our
// signature with the challenge it signed under rejected the keys, not the nonce.
func sameChallenge(a, b *digest.Challenge) bool {
	return a.Nonce == b.Nonce && a.Realm == b.Realm && strings.EqualFold(a.Algorithm, b.Algorithm) && a.Opaque == b.Opaque
}

// sign sets Authorization from the cached challenge, if any, and returns the challenge it used (nil: unsigned).
func (t *digestTransport) sign(req *http.Request) (*digest.Challenge, error) {
	t.mu.Lock()
	chal, a1 := t.chal, t.a1
	if chal != nil {
		t.nc++
	}
	count := t.nc
	t.mu.Unlock()
	if chal == nil {
		return nil, nil
	}
	uri := req.URL.RequestURI()
	if value, ok := signFast(chal, a1, t.username, req.Method, uri, count, ""); ok {
		req.Header["Authorization"] = []string{value}
		return chal, nil
	}
	cred, err := digest.Digest(chal, digest.Options{
		Method:   req.Method,
		URI:      uri,
		GetBody:  req.GetBody,
		Count:    count,
		Username: t.username,
		Password: t.password,
		A1:       a1,
	})
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", formatCredentials(cred))
	return chal, nil
}

// formatCredentials writes the Authorization value in the layout of icholy's Credentials.String (which servers
// here and the emulator parse), with one allocation instead of about twenty: it runs on every request.
func formatCredentials(c *digest.Credentials) string {
	var b strings.Builder
	b.Grow(160 + len(c.Username) + len(c.Realm) + len(c.Nonce) + len(c.URI) + len(c.Response) + len(c.Opaque) + len(c.Cnonce))
	b.WriteString("Digest ")
	quoted := func(key, value string, first bool) {
		if !first {
			b.WriteString(", ")
		}
		b.WriteString(key)
		b.WriteString(`="`)
		for i := 0; i < len(value); i++ {
			if value[i] == '"' || value[i] == '\\' {
				b.WriteByte('\\')
			}
			b.WriteByte(value[i])
		}
		b.WriteByte('"')
	}
	bare := func(key, value string) {
		b.WriteString(", ")
		b.WriteString(key)
		b.WriteByte('=')
		b.WriteString(value)
	}
	quoted("username", c.Username, true)
	quoted("realm", c.Realm, false)
	quoted("nonce", c.Nonce, false)
	quoted("uri", c.URI, false)
	if c.Algorithm != "" {
		bare("algorithm", c.Algorithm)
	}
	quoted("response", c.Response, false)
	if c.Opaque != "" {
		quoted("opaque", c.Opaque, false)
	}
	if c.QOP != "" {
		bare("qop", c.QOP)
		var nc [8]byte
		const hexDigits = "0123456789abcdef"
		for i, n := 7, c.Nc; i >= 0; i, n = i-1, n>>4 {
			nc[i] = hexDigits[n&0xf]
		}
		bare("nc", string(nc[:]))
		quoted("cnonce", c.Cnonce, false)
	}
	if c.Userhash {
		bare("userhash", "true")
	}
	return b.String()
}

// store caches chal (nil forgets) and restarts the nonce count.
func (t *digestTransport) store(chal *digest.Challenge) {
	var a1 string
	if chal != nil {
		a1 = ha1(chal.Algorithm, t.username, chal.Realm, t.password)
	}
	t.mu.Lock()
	t.chal, t.a1, t.nc = chal, a1, 0
	t.mu.Unlock()
}

// ha1 is RFC 7616's A1 hash for the algorithms Atlas uses (MD5, SHA-256); for any other it returns "" and icholy
// computes A1 itself on each request.
func ha1(algorithm, username, realm, password string) string {
	var h hash.Hash
	switch strings.ToUpper(algorithm) {
	case "", "MD5":
		h = md5.New()
	case "SHA-256":
		h = sha256.New()
	default:
		return ""
	}
	h.Write([]byte(username + ":" + realm + ":" + password))
	return hex.EncodeToString(h.Sum(nil))
}

// replayableBody returns a function yielding fresh copies of req's body, buffering it once when req has no GetBody.
// It takes ownership of req.Body, as a RoundTripper must.
func replayableBody(req *http.Request) (func() (io.ReadCloser, error), error) {
	if req.Body == nil || req.Body == http.NoBody {
		return nil, nil
	}
	if req.GetBody != nil {
		_ = req.Body.Close()
		return req.GetBody, nil
	}
	body, err := io.ReadAll(req.Body)
	_ = req.Body.Close()
	if err != nil {
		return nil, err
	}
	return func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }, nil
}

// cloneWithBody copies req with a fresh body from getBody, so that setting Authorization never changes the
// caller's request. The header map is copied shallowly: transports here only replace whole entries.
func cloneWithBody(req *http.Request, getBody func() (io.ReadCloser, error)) (*http.Request, error) {
	clone := new(http.Request)
	*clone = *req
	clone.Header = make(http.Header, len(req.Header)+1)
	for k, v := range req.Header {
		clone.Header[k] = v
	}
	clone.GetBody = getBody
	if getBody == nil {
		clone.Body = nil
		return clone, nil
	}
	body, err := getBody()
	if err != nil {
		return nil, err
	}
	clone.Body = body
	return clone, nil
}

func closeBody(req *http.Request) {
	if req.Body != nil {
		_ = req.Body.Close()
	}
}

// discard drains a little of a response body, so the connection can be reused, and closes it.
func discard(res *http.Response) {
	_, _ = io.CopyN(io.Discard, res.Body, 64<<10)
	_ = res.Body.Close()
}
