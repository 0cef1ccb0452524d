package atlas

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

// TokenPath is where Atlas exchanges service-account credentials for an access token, below the base URL.
const TokenPath = "/api/oauth/token"

// WithServiceAccount authenticates with an Atlas service account (OAuth2 client credentials): the client fetches a
// bearer token from {base URL}/api/oauth/token with HTTP Basic clientID:clientSecret, shares it between goroutines
// and refreshes it shortly before it expires. The token URL follows the final base URL, whatever the option order.
// It excludes WithDigestAuth.
func WithServiceAccount(clientID, clientSecret string) Option {
	return func(s *settings) error {
		if clientID == "" || clientSecret == "" {
			return errors.New("service account: client ID and client secret must both be non-empty")
		}
		s.clientID, s.clientSecret = clientID, clientSecret
		return nil
	}
}

// Token is a service-account access token as a TokenStore keeps it: never the client secret.
type Token struct {
	AccessToken string
	Expiry      time.Time // zero: unknown
}

// TokenStore keeps the service-account token between processes, so that a command run in a loop does not mint a
// token per run (Atlas limits how many a service account may mint an hour). The client loads it once, uses it while
// more than a minute of its life remains, saves every token it fetches, and deletes a token the server rejected.
// Implementations must be safe for concurrent use; their errors are theirs to swallow (a cache is optional).
type TokenStore interface {
	Load() (Token, bool)
	Save(Token)
	Delete(accessToken string)
}

// WithTokenStore makes WithServiceAccount's token cache start from, and write through to, store.
func WithTokenStore(store TokenStore) Option {
	return func(s *settings) error {
		if store == nil {
			return errors.New("token store is nil")
		}
		s.tokenStore = store
		return nil
	}
}

// tokenCache holds the one access token all requests share. golang.org/x/oauth2 fetches it; the cache adds what
// oauth2.ReuseTokenSource lacks: dropping a token the server rejected, so that exactly one refresh follows, and
// waits that end with each caller's context (a fetch in flight is shared, never waited for under a lock).
type tokenCache struct {
	config     clientcredentials.Config
	httpClient *http.Client // carries token requests: the caller's transport, without bearer auth
	now        func() time.Time
	store      TokenStore // optional: a token kept between processes

	mu        sync.Mutex
	loaded    bool // store consulted
	token     *oauth2.Token
	refreshAt time.Time
	fetching  *tokenFetch // the fetch in flight, if any
}

// tokenFetch is one token request that callers share. It runs on a context of its own, cancelled when every caller
// waiting for it has given up.
type tokenFetch struct {
	done    chan struct{} // closed when token and err are set
	token   *oauth2.Token
	err     error
	waiters int // guarded by tokenCache.mu
	cancel  context.CancelFunc
}

// maxRefreshMargin bounds how long before expiry a token is replaced; tokens living under ten minutes are replaced
// when a tenth of their life remains.
const maxRefreshMargin = time.Minute

// get returns the shared token, fetching a new one when there is none or it is about to expire. Concurrent callers
// share one fetch; each stops waiting when its own context ends.
func (c *tokenCache) get(ctx context.Context) (*oauth2.Token, error) {
	c.mu.Lock()
	if c.token == nil && c.store != nil && !c.loaded {
		c.loaded = true
		if stored, ok := c.store.Load(); ok && stored.AccessToken != "" && c.now().Before(stored.Expiry.Add(-maxRefreshMargin)) {
			c.token = &oauth2.Token{AccessToken: stored.AccessToken, TokenType: "Bearer", Expiry: stored.Expiry}
			c.refreshAt = stored.Expiry.Add(-maxRefreshMargin)
		}
	}
	if c.token != nil && c.now().Before(c.refreshAt) {
		token := c.token
		c.mu.Unlock()
		return token, nil
	}
	f := c.fetching
	if f == nil {
		f = &tokenFetch{done: make(chan struct{})}
		var fetchCtx context.Context
		fetchCtx, f.cancel = context.WithCancel(context.WithoutCancel(ctx))
		c.fetching = f
		go c.fetch(fetchCtx, f)
	}
	f.waiters++
	c.mu.Unlock()

	select {
	case <-f.done:
		return f.token, f.err
	case <-ctx.Done():
		c.mu.Lock()
		f.waiters--
		if f.waiters == 0 && c.fetching == f {
			f.cancel() // nobody wants it any more; the next caller starts afresh
			c.fetching = nil
		}
		c.mu.Unlock()
		return nil, fmt.Errorf("atlas: waiting for a service account token: %w", ctx.Err())
	}
}

// fetch makes one token request and publishes its outcome to f's waiters and, on success, to the cache.
func (c *tokenCache) fetch(ctx context.Context, f *tokenFetch) {
	defer f.cancel()
	start := c.now()
	token, err := c.config.Token(context.WithValue(ctx, oauth2.HTTPClient, c.httpClient))
	if err != nil {
		err = c.tokenError(err)
	}
	c.mu.Lock()
	if c.fetching == f {
		c.fetching = nil
	}
	if err == nil {
		c.token = token
		c.refreshAt = start.Add(1<<62 - 1) // no expiry given: keep until the server rejects it
		if !token.Expiry.IsZero() {
			lifetime := token.Expiry.Sub(start)
			c.refreshAt = token.Expiry.Add(-min(maxRefreshMargin, lifetime/10))
		}
	}
	c.mu.Unlock()
	if err == nil && c.store != nil {
		c.store.Save(Token{AccessToken: token.AccessToken, Expiry: token.Expiry})
	}
	f.token, f.err = token, err
	close(f.done)
}

// tokenRedirects is the token client's redirect policy: the client ID and secret travel in every token request's
// Authorization header, so a redirect that leaves origin (another scheme, host or port) is refused, naming where
// it pointed; redirects within origin are followed, up to 10.
func tokenRedirects(origin string) func(*http.Request, []*http.Request) error {
	return func(req *http.Request, via []*http.Request) error {
		if o := originOf(req.URL); o != origin {
			return fmt.Errorf("the token endpoint redirected to %s (origin %s): refused, the service account's credentials go only to %s", req.URL.Redacted(), o, origin)
		}
		if len(via) >= 10 {
			return errors.New("stopped after 10 redirects")
		}
		return nil
	}
}

// invalidate drops the cached token if it is still accessToken (another goroutine may have replaced it already).
func (c *tokenCache) invalidate(accessToken string) {
	c.mu.Lock()
	if c.token != nil && c.token.AccessToken == accessToken {
		c.token = nil
	}
	c.mu.Unlock()
	if c.store != nil {
		c.store.Delete(accessToken)
	}
}

// tokenError says in plain words what went wrong at the token endpoint, keeping its answer in an *APIError.
func (c *tokenCache) tokenError(err error) error {
	var retrieveErr *oauth2.RetrieveError
	if !errors.As(err, &retrieveErr) || retrieveErr.Response == nil {
		return fmt.Errorf("atlas: service account token from %s: %w", c.config.TokenURL, err)
	}
	status := retrieveErr.Response.StatusCode
	detail := fmt.Sprintf("the token endpoint refused to issue a token for service account %q", c.config.ClientID)
	if status == http.StatusUnauthorized || retrieveErr.ErrorCode == "invalid_client" {
		detail = fmt.Sprintf("the token endpoint rejected service account %q: wrong client ID or client secret, or the secret expired", c.config.ClientID)
	}
	if d := strings.TrimSpace(retrieveErr.ErrorDescription); d != "" {
		detail += " (" + d + ")"
	}
	body, truncated := retrieveErr.Body, false
	if len(body) > maxBodyBytes {
		body, truncated = body[:maxBodyBytes], true
	}
	return &APIError{
		Method: http.MethodPost, URL: c.config.TokenURL, StatusCode: status,
		ErrorCode: retrieveErr.ErrorCode, Detail: detail,
		Header: retrieveErr.Response.Header, Body: body, BodyTruncated: truncated,
	}
}

// bearerTransport sends the shared service-account token to one origin only. A 401 whose challenge says
// invalid_token (revoked, or expired early) drops that token and retries once with a fresh one; never more.
type bearerTransport struct {
	scoped
	tokens *tokenCache
}

func (t *bearerTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if t.foreign(req) {
		return t.base.RoundTrip(req)
	}
	getBody, err := replayableBody(req)
	if err != nil {
		return nil, err
	}
	res, token, err := t.send(req, getBody)
	if err != nil || res.StatusCode != http.StatusUnauthorized || !invalidToken(res.Header) {
		return res, err
	}
	t.tokens.invalidate(token)
	discard(res)
	res, _, err = t.send(req, getBody)
	return res, err
}

// send makes one attempt with the current token and reports which token it used.
func (t *bearerTransport) send(req *http.Request, getBody func() (io.ReadCloser, error)) (*http.Response, string, error) {
	token, err := t.tokens.get(req.Context())
	if err != nil {
		return nil, "", err
	}
	attempt, err := cloneWithBody(req, getBody)
	if err != nil {
		return nil, "", err
	}
	attempt.Header.Set("Authorization", "Bearer "+token.AccessToken)
	res, err := t.base.RoundTrip(attempt)
	return res, token.AccessToken, err
}

// invalidToken reports whether a 401 carries a Bearer challenge with error="invalid_token" (RFC 6750 section 3.1).
func invalidToken(h http.Header) bool {
	for _, challenge := range h.Values("WWW-Authenticate") {
		if len(challenge) > 7 && strings.EqualFold(challenge[:7], "bearer ") && strings.Contains(challenge, `error="invalid_token"`) {
			return true
		}
	}
	return false
}
