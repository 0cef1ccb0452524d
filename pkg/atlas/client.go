package atlas

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"net/url"
	"runtime"
	"strings"
	"time"
	"unicode"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/atlas-linktoken/atlas-linktoken/gen"
	"github.com/atlas-linktoken/atlas-linktoken/gen/source"
	"github.com/atlas-linktoken/atlas-linktoken/internal/buildversion"
	"github.com/atlas-linktoken/atlas-linktoken/internal/redact"
)

const (
	// DefaultBaseURL is the Atlas host the client talks to unless WithBaseURL says otherwise.
	DefaultBaseURL = "https://cloud.mongodb.com"

	// APIVersion is the oldest Atlas resource version, 2023-01-01: the one createLinkToken and most typed methods'
	// Go types were generated for. Versions are per operation: see SupportedVersions and WithVersion.
	APIVersion = "2023-01-01"

	// MediaType is the versioned media type of APIVersion (Accept and Content-Type of a 2023-01-01 call).
	MediaType = "application/vnd.atlas." + APIVersion + "+json"

	// DefaultTimeout bounds a whole call (all round trips, reading the answer) when the caller's context has no
	// deadline and no *http.Client with a Timeout was given.
	DefaultTimeout = 60 * time.Second
)

// Models re-exported from the generated package, so callers need not import gen. They are aliases, so go doc shows
// their fields under package gen (go doc github.com/atlas-linktoken/atlas-linktoken/gen.TargetOrgRequest).
type (
	// TargetOrgRequest is the createLinkToken request body: AccessListIPs, the IP addresses or CIDR blocks that may
	// use the link's API key (nil leaves the field out; an empty slice sends []). Fields: [gen.TargetOrgRequest].
	TargetOrgRequest = gen.TargetOrgRequest
	// TargetOrg is the createLinkToken result: LinkToken, a secret holding an Atlas API key pair. Fields:
	// [gen.TargetOrg].
	TargetOrg = gen.TargetOrg
	// BadRequestDetail lists the fields a 400 response rejected. Fields: [gen.BadRequestDetail].
	BadRequestDetail = gen.BadRequestDetail
	// FieldViolation is one rejected field of a 400 response: Field and Description. Fields: [gen.FieldViolation].
	FieldViolation = gen.FieldViolation
)

// Client runs the Cloud Migration Service operations of the Atlas Administration API: link-tokens, validations,
// migrations, cutover. It is safe for concurrent use; share one to keep the digest challenge or the service-account
// token warm.
type Client struct {
	baseURL    string
	basePath   string // the base URL's path, which request paths below it start with
	userAgent  string
	timeout    time.Duration // applied when a call's context has no deadline; 0: none
	retry      RetryPolicy
	generated  *gen.Client
	source     *source.Client // the Cloud Manager and Ops Manager side
	httpClient *http.Client   // the request path: headers → retry → auth → the caller's transport
}

// Option configures a Client. Options check their input; NewClient reports the first problem.
type Option func(*settings) error

type settings struct {
	baseURL      *url.URL
	httpClient   *http.Client
	userAgent    string
	publicKey    string
	privateKey   string
	clientID     string
	clientSecret string
	timeout      time.Duration
	retry        RetryPolicy
	insecureHTTP bool
	tokenStore   TokenStore
}

// WithBaseURL points the client at another Atlas-compatible host, such as an emulator from pkg/atlastest or
// Atlas for Government. It must be an absolute http or https URL with no user info, query or fragment. Errors never
// repeat a password the URL holds.
func WithBaseURL(rawURL string) Option {
	return func(s *settings) error {
		shown := redact.URL(rawURL)
		u, err := url.Parse(rawURL)
		if err != nil {
			var urlErr *url.Error
			if errors.As(err, &urlErr) {
				err = urlErr.Err // url.Error repeats the whole URL, password included
			}
			return fmt.Errorf("base URL %q: %w", shown, err)
		}
		if u.Scheme != "https" && u.Scheme != "http" {
			return fmt.Errorf("base URL %q: scheme must be https or http, as in https://cloud.mongodb.com", shown)
		}
		if u.Host == "" {
			return fmt.Errorf("base URL %q: no host", shown)
		}
		if u.User != nil || u.RawQuery != "" || u.Fragment != "" {
			return fmt.Errorf("base URL %q: must not hold user info, a query or a fragment", shown)
		}
		s.baseURL = u
		return nil
	}
}

// WithDigestAuth authenticates with an Atlas programmatic API key: publicKey is the digest user name, privateKey
// the password. Both are required.
func WithDigestAuth(publicKey, privateKey string) Option {
	return func(s *settings) error {
		if publicKey == "" || privateKey == "" {
			return errors.New("digest auth: public and private API keys must both be non-empty")
		}
		s.publicKey, s.privateKey = publicKey, privateKey
		return nil
	}
}

// WithHTTPClient sends requests through hc: its Transport (nil means http.DefaultTransport), Timeout, Jar and
// CheckRedirect are kept. hc itself is not modified; the client works on a copy that wraps hc's Transport.
func WithHTTPClient(hc *http.Client) Option {
	return func(s *settings) error {
		if hc == nil {
			return errors.New("http client is nil")
		}
		s.httpClient = hc
		return nil
	}
}

// WithInsecureHTTP allows a plain http:// base URL on a host that is not loopback. Without it such a base URL is
// refused: API keys' digest answers and bearer tokens would cross the network unencrypted.
func WithInsecureHTTP() Option {
	return func(s *settings) error {
		s.insecureHTTP = true
		return nil
	}
}

// WithTimeout bounds each call (all its round trips and reading the answer) whose context has no deadline;
// DefaultTimeout unless set, and ignored when WithHTTPClient's client has a Timeout of its own.
func WithTimeout(d time.Duration) Option {
	return func(s *settings) error {
		if d <= 0 {
			return fmt.Errorf("timeout %v must be positive", d)
		}
		s.timeout = d
		return nil
	}
}

// WithUserAgent replaces the default User-Agent (atlas-linktoken/VERSION (GOOS/GOARCH)).
func WithUserAgent(userAgent string) Option {
	return func(s *settings) error {
		if strings.TrimSpace(userAgent) == "" {
			return errors.New("user agent is empty")
		}
		if strings.IndexFunc(userAgent, unicode.IsControl) >= 0 {
			return fmt.Errorf("user agent %q holds a control character", userAgent)
		}
		s.userAgent = userAgent
		return nil
	}
}

// NewClient returns a Client for DefaultBaseURL unless WithBaseURL says otherwise. Credentials are required: exactly
// one of WithDigestAuth and WithServiceAccount.
func NewClient(opts ...Option) (*Client, error) {
	s := settings{userAgent: DefaultUserAgent(), timeout: DefaultTimeout, retry: DefaultRetryPolicy}
	if err := WithBaseURL(DefaultBaseURL)(&s); err != nil {
		return nil, err
	}
	for _, opt := range opts {
		if opt == nil {
			continue
		}
		if err := opt(&s); err != nil {
			return nil, fmt.Errorf("atlas: %w", err)
		}
	}
	if s.baseURL.Scheme == "http" && !s.insecureHTTP && !isLoopback(s.baseURL.Hostname()) {
		return nil, fmt.Errorf("atlas: base URL %s: %w: credentials would cross the network unencrypted; use https, or WithInsecureHTTP to accept that", s.baseURL.Redacted(), ErrInsecureHTTP)
	}
	// The default client has no Timeout: send applies DefaultTimeout through the context, which costs a
	// fraction of net/http's per-request timeout machinery.
	httpClient := &http.Client{}
	if s.httpClient != nil {
		copied := *s.httpClient
		httpClient = &copied
	}
	base := httpClient.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	origin := originOf(s.baseURL)
	httpClient.CheckRedirect = sameOriginRedirects(origin, httpClient.CheckRedirect)
	c := &Client{baseURL: strings.TrimSuffix(s.baseURL.String(), "/"), basePath: strings.TrimSuffix(s.baseURL.Path, "/"),
		userAgent: s.userAgent, timeout: s.timeout, retry: s.retry}
	if httpClient.Timeout > 0 {
		c.timeout = 0 // the caller's Timeout rules
	}
	switch {
	case s.publicKey != "" && s.clientID != "":
		return nil, errors.New("atlas: WithDigestAuth and WithServiceAccount both given: choose one way to authenticate")
	case s.tokenStore != nil && s.clientID == "":
		return nil, errors.New("atlas: WithTokenStore needs WithServiceAccount")
	case s.publicKey != "":
		httpClient.Transport = newDigestTransport(base, origin, s.publicKey, s.privateKey)
	case s.clientID != "":
		// Token requests go through the caller's transport too, but never through bearer auth itself.
		// Redirects leaving the origin are refused: the client secret goes in every token request's header.
		tokenClient := &http.Client{Transport: base, Timeout: httpClient.Timeout, CheckRedirect: tokenRedirects(origin)}
		httpClient.Transport = &bearerTransport{scoped: scoped{base: base, origin: origin}, tokens: &tokenCache{
			config: clientcredentials.Config{
				ClientID: s.clientID, ClientSecret: s.clientSecret,
				TokenURL:  c.baseURL + TokenPath, // from the final base URL, whatever the option order
				AuthStyle: oauth2.AuthStyleInHeader,
			},
			httpClient: tokenClient,
			now:        time.Now,
			store:      s.tokenStore,
		}}
	default:
		return nil, errors.New("atlas: no credentials: use WithDigestAuth(publicKey, privateKey) or WithServiceAccount(clientID, clientSecret)")
	}

	// The one request path, for typed methods and the generated client alike: fixed headers → retry →
	// authentication → the caller's transport.
	httpClient.Transport = &headerTransport{
		next:      &retryTransport{next: httpClient.Transport, policy: s.retry},
		userAgent: s.userAgent,
		basePath:  c.basePath,
	}
	generated, err := gen.NewClient(c.baseURL, gen.WithHTTPClient(httpClient))
	if err != nil {
		return nil, fmt.Errorf("atlas: %w", err)
	}
	sourceClient, err := source.NewClient(c.baseURL, source.WithHTTPClient(httpClient))
	if err != nil {
		return nil, fmt.Errorf("atlas: %w", err)
	}
	c.generated, c.source, c.httpClient = generated, sourceClient, httpClient
	return c, nil
}

// BaseURL returns the host the client sends requests to, without a trailing slash.
func (c *Client) BaseURL() string { return c.baseURL }

// Generated returns the generated client on this client's request path (versioned Accept and User-Agent, the retry
// policy, authentication, the caller's transport): the typed escape hatch for anything the wrapper does not cover.
// Its responses are raw *http.Response values, body intact: pass them to CheckResponse for a typed *APIError, and
// close their bodies. A request that sets its own Accept header keeps it (to choose another resource version). The
// default timeout applies only to the wrapper's methods: give these calls a context with a deadline.
func (c *Client) Generated() *gen.Client { return c.generated }

// BareDo sends req, built by the caller, through the client's request path (versioned Accept unless req sets one,
// User-Agent, retries by the operation's rule, authentication) and returns the answer as it came, body unread, like
// go-github's BareDo: the raw escape hatch beside the typed methods. A non-2xx answer is returned with an *APIError
// from CheckResponse (its body is then read into the error, up to 1 MiB). The body is sent byte for byte and nothing
// is checked locally. req must address the client's base URL. The default timeout applies until the answer's body is
// closed: close it.
func (c *Client) BareDo(ctx context.Context, req *http.Request) (*http.Response, error) {
	if !strings.HasPrefix(req.URL.String(), c.baseURL+"/") {
		return nil, fmt.Errorf("atlas: %s %s is not on the client's base URL %s", req.Method, req.URL.Redacted(), c.baseURL)
	}
	if op := matchOperation(req.Method, c.basePath, req.URL.Path); op != nil {
		ctx = withOperation(ctx, op)
	}
	cancel := context.CancelFunc(func() {})
	if _, hasDeadline := ctx.Deadline(); !hasDeadline && c.timeout > 0 {
		ctx, cancel = context.WithTimeout(ctx, c.timeout)
	}
	resp, err := c.httpClient.Do(req.WithContext(ctx))
	if err != nil {
		cancel()
		return nil, fmt.Errorf("atlas: %s %s: %w", req.Method, req.URL.Redacted(), err)
	}
	if err := CheckResponse(resp); err != nil {
		resp.Body.Close()
		cancel()
		return resp, err
	}
	resp.Body = &cancelOnClose{ReadCloser: resp.Body, cancel: cancel}
	return resp, nil
}

// cancelOnClose ends a call's timeout context once its answer's body is closed.
type cancelOnClose struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (b *cancelOnClose) Close() error {
	err := b.ReadCloser.Close()
	b.cancel()
	return err
}

// answer is a 2xx answer as the typed methods read it.
type answer struct {
	status int
	header http.Header
	body   []byte // at most 1 MiB
}

// send makes one typed call of op through the request path (which retries as the RetryPolicy and op allow), turns
// a non-2xx answer into an *APIError and reads at most 1 MiB of the answer.
func (c *Client) send(ctx context.Context, op *gen.Operation, do func(context.Context) (*http.Response, error)) (*answer, error) {
	if _, hasDeadline := ctx.Deadline(); !hasDeadline && c.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.timeout)
		defer cancel() // after the body is read below
	}
	resp, err := do(withOperation(ctx, op))
	if err != nil {
		return nil, fmt.Errorf("atlas: %s: %w", op.ID, err)
	}
	defer resp.Body.Close()
	if err := CheckResponse(resp); err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			// The retry transport stopped waiting for the context and handed back the last answer.
			return nil, fmt.Errorf("%w (not retried: %w)", err, ctxErr)
		}
		return nil, err
	}
	body, truncated, err := readBody(resp)
	if err != nil {
		return nil, fmt.Errorf("atlas: %s: reading %d response body: %w", op.ID, resp.StatusCode, err)
	}
	a := &answer{status: resp.StatusCode, header: resp.Header, body: body}
	if truncated {
		return nil, unexpected(op.ID, a, "exceeds %d bytes (the first %d are kept)", maxBodyBytes, maxBodyBytes)
	}
	return a, nil
}

// ErrInsecureHTTP is returned by NewClient for a plain http:// base URL on a host that is not loopback, unless
// WithInsecureHTTP accepts it.
var ErrInsecureHTTP = errors.New("plain http on a host that is not loopback")

// ErrUnexpectedResponse marks a 2xx answer the client cannot use: not JSON, malformed, empty, too large or missing
// required fields. The server may have acted on the request (a link-token or a migration may exist), so it is never
// retried; errors.As with *UnexpectedResponseError gets the answer as it came.
var ErrUnexpectedResponse = errors.New("unexpected response")

// UnexpectedResponseError is a 2xx answer the client could not use, kept whole: once Atlas may have acted, its
// answer reaches the caller whatever failed afterwards (the ID of a migration that was created is in Body). It
// matches ErrUnexpectedResponse with errors.Is.
type UnexpectedResponseError struct {
	Operation  string      // operationId, such as createGroupLiveMigration
	StatusCode int         // the 2xx status
	Header     http.Header // response headers
	Body       []byte      // the answer as it came (at most 1 MiB)
	Reason     string      // what is wrong with it
}

func (e *UnexpectedResponseError) Error() string {
	return fmt.Sprintf("atlas: %s: unexpected response: %d answer %s (%d-byte body kept in the error)", e.Operation, e.StatusCode, e.Reason, len(e.Body))
}

// Is makes errors.Is(err, ErrUnexpectedResponse) hold.
func (e *UnexpectedResponseError) Is(target error) bool { return target == ErrUnexpectedResponse }

// unexpected is an *UnexpectedResponseError for answer a of op.
func unexpected(op string, a *answer, format string, args ...any) error {
	return &UnexpectedResponseError{Operation: op, StatusCode: a.status, Header: a.header, Body: a.body, Reason: fmt.Sprintf(format, args...)}
}

// decodeSuccess decodes a 2xx JSON body of op into v.
func decodeSuccess(op string, a *answer, v any) error {
	if ct := a.header.Get("Content-Type"); !isJSON(ct) {
		return unexpected(op, a, "has Content-Type %q, want JSON", ct)
	}
	if err := json.Unmarshal(a.body, v); err != nil {
		return unexpected(op, a, "failed decoding: %v", err)
	}
	return nil
}

// DefaultUserAgent names this module, its version (from the build information) and the platform.
func DefaultUserAgent() string {
	return "atlas-linktoken/" + Version() + " (" + runtime.GOOS + "/" + runtime.GOARCH + ")"
}

// Version is this module's version from the build information: a release tag when built as a dependency or with
// go install …@version, "devel" otherwise.
func Version() string { return buildversion.Get() }

// callHeaders is the typed methods' request editor: Accept for version and the User-Agent, set on the request the
// generated builder just made, so the header transport has nothing left to copy.
func (c *Client) callHeaders(version string) gen.RequestEditorFn {
	return func(_ context.Context, req *http.Request) error {
		req.Header["Accept"] = []string{mediaTypeOf(version)}
		req.Header["User-Agent"] = []string{c.userAgent}
		return nil
	}
}

// isLoopback reports whether host is localhost or a loopback IP address.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.IsLoopback()
}

// sameOriginRedirects follows redirects within origin only (then asks next, the caller's policy, if any): a redirect
// elsewhere is returned as it came, so that the caller sees an *APIError with its Location rather than an answer
// from a host the client never authenticated to.
func sameOriginRedirects(origin string, next func(*http.Request, []*http.Request) error) func(*http.Request, []*http.Request) error {
	return func(req *http.Request, via []*http.Request) error {
		if originOf(req.URL) != origin {
			return http.ErrUseLastResponse
		}
		if next != nil {
			return next(req, via)
		}
		if len(via) >= 10 {
			return errors.New("stopped after 10 redirects")
		}
		return nil
	}
}
