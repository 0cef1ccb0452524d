package atlas

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"net/url"
	"regexp"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"time"
	"unicode"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/atlas-linktoken/atlas-linktoken/gen"
)

const (
	// DefaultBaseURL is the Atlas host the client talks to unless WithBaseURL says otherwise.
	DefaultBaseURL = "https://cloud.mongodb.com"

	// APIVersion is the Atlas resource version this client speaks; it is sent in every Accept header.
	APIVersion = "2023-01-01"

	// MediaType is the versioned media type of APIVersion, used for Accept and for request bodies.
	MediaType = "application/vnd.atlas." + APIVersion + "+json"

	// DefaultTimeout bounds a whole call (all round trips, reading the answer) when the caller's context has no
	// deadline and no *http.Client with a Timeout was given.
	DefaultTimeout = 60 * time.Second

	modulePath = "github.com/atlas-linktoken/atlas-linktoken"
)

// Models re-exported from the generated package, so callers need not import gen.
type (
	// TargetOrgRequest is the createLinkToken request body: the IP access list for the link.
	TargetOrgRequest = gen.TargetOrgRequest
	// TargetOrg is the createLinkToken result: the link-token.
	TargetOrg = gen.TargetOrg
	// BadRequestDetail lists the fields a 400 response rejected.
	BadRequestDetail = gen.BadRequestDetail
	// FieldViolation is one rejected field of a 400 response.
	FieldViolation = gen.FieldViolation
)

// Client creates Atlas link-tokens. It is safe for concurrent use; share one to keep the digest challenge warm.
type Client struct {
	baseURL    string
	userAgent  string
	timeout    time.Duration // applied when a call's context has no deadline; 0: none
	retry      RetryPolicy
	generated  *gen.Client
	httpClient *http.Client // the request path: headers → retry → auth → the caller's transport
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
		shown := RedactURL(rawURL)
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

// userInfo matches the user-info part of a URL, parseable or not: scheme://USER[:PASSWORD]@.
var userInfo = regexp.MustCompile(`^([A-Za-z][A-Za-z0-9+.-]*:)?//([^/?#@]*)@`)

// RedactURL returns rawURL with any password replaced by "xxxxx" (as url.URL.Redacted does), even when rawURL does
// not parse: error messages and logs use it for every URL a user typed.
func RedactURL(rawURL string) string {
	if u, err := url.Parse(rawURL); err == nil {
		return u.Redacted()
	}
	return userInfo.ReplaceAllStringFunc(rawURL, func(m string) string {
		at := strings.LastIndexByte(m, '@')
		slashes := strings.Index(m, "//")
		user, _, hasPassword := strings.Cut(m[slashes+2:at], ":")
		if !hasPassword {
			return m
		}
		return m[:slashes+2] + user + ":xxxxx@"
	})
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
	c := &Client{baseURL: strings.TrimSuffix(s.baseURL.String(), "/"), userAgent: s.userAgent, timeout: s.timeout, retry: s.retry}
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
	}
	generated, err := gen.NewClient(c.baseURL, gen.WithHTTPClient(httpClient))
	if err != nil {
		return nil, fmt.Errorf("atlas: %w", err)
	}
	c.generated, c.httpClient = generated, httpClient
	return c, nil
}

// BaseURL returns the host the client sends requests to, without a trailing slash.
func (c *Client) BaseURL() string { return c.baseURL }

// Generated returns the generated client on this client's request path (versioned Accept and User-Agent, the retry
// policy, authentication, the caller's transport): the escape hatch for anything the wrapper does not cover. Its
// responses are raw *http.Response values, body intact: pass them to CheckResponse for a typed *APIError, and close
// their bodies. A request that sets its own Accept header keeps it (to choose another resource version). The
// default timeout applies only to the wrapper's methods: give these calls a context with a deadline.
func (c *Client) Generated() *gen.Client { return c.generated }

// Response is a successful answer exactly as the server sent it, for callers (such as the CLI) that pass the body on
// rather than decode it.
type Response struct {
	StatusCode int
	Header     http.Header
	Body       []byte // at most 1 MiB
}

// Do sends req through the client's request path (versioned Accept unless req sets one, User-Agent, retries,
// authentication) and returns its 2xx answer exactly as the server sent it, or an *APIError. With envelope=true in
// req's query, an envelope holding a non-2xx status is an *APIError built from its content. The body is sent byte
// for byte and nothing is checked locally: it is the one generic method, for bodies written by users (the CLI) and
// operations without a typed method. req must address the client's base URL; the default timeout applies.
func (c *Client) Do(ctx context.Context, req *http.Request) (*Response, error) {
	if !strings.HasPrefix(req.URL.String(), c.baseURL+"/") {
		return nil, fmt.Errorf("atlas: %s %s is not on the client's base URL %s", req.Method, req.URL.Redacted(), c.baseURL)
	}
	operation := req.Method + " " + req.URL.Path
	if op := findOperation(req.Method, req.URL.Path); op != nil {
		operation = op.id
	}
	return c.send(ctx, operation, req.URL.Query().Get("envelope") == "true", func(ctx context.Context) (*http.Response, error) {
		return c.httpClient.Do(req.WithContext(ctx))
	})
}

// send makes one call through the request path (which retries as the RetryPolicy allows), turns a non-2xx answer
// (or an enveloped one) into an *APIError and reads at most 1 MiB of the answer.
func (c *Client) send(ctx context.Context, operation string, enveloped bool, do func(context.Context) (*http.Response, error)) (*Response, error) {
	if _, hasDeadline := ctx.Deadline(); !hasDeadline && c.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.timeout)
		defer cancel() // after the body is read below
	}
	resp, err := do(ctx)
	if err != nil {
		return nil, fmt.Errorf("atlas: %s: %w", operation, err)
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
		return nil, fmt.Errorf("atlas: %s: reading %d response body: %w", operation, resp.StatusCode, err)
	}
	if truncated {
		return nil, fmt.Errorf("atlas: %s: %w: %d response body exceeds %d bytes", operation, ErrUnexpectedResponse, resp.StatusCode, maxBodyBytes)
	}
	out := &Response{StatusCode: resp.StatusCode, Header: resp.Header, Body: body}
	if enveloped {
		if err := checkEnvelope(resp, out); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// ErrInsecureHTTP is returned by NewClient for a plain http:// base URL on a host that is not loopback, unless
// WithInsecureHTTP accepts it.
var ErrInsecureHTTP = errors.New("plain http on a host that is not loopback")

// ErrUnexpectedResponse marks a 2xx answer the client cannot use: not JSON, malformed, empty, too large or missing
// required fields. The server may have acted on the request (a link-token may exist), so it is never retried.
var ErrUnexpectedResponse = errors.New("unexpected response")

// decodeSuccess decodes a 2xx JSON body into v.
func decodeSuccess(resp *Response, v any) error {
	if ct := resp.Header.Get("Content-Type"); !isJSON(ct) {
		return fmt.Errorf("%w: %d response has Content-Type %q, want JSON", ErrUnexpectedResponse, resp.StatusCode, ct)
	}
	if err := json.Unmarshal(resp.Body, v); err != nil {
		return fmt.Errorf("%w: decoding %d response body: %w", ErrUnexpectedResponse, resp.StatusCode, err)
	}
	return nil
}

// DefaultUserAgent names this module, its version (from the build information) and the platform.
func DefaultUserAgent() string {
	return "atlas-linktoken/" + Version() + " (" + runtime.GOOS + "/" + runtime.GOARCH + ")"
}

// Version is this module's version from the build information: a release tag when built as a dependency or with
// go install …@version, "devel" otherwise.
func Version() string {
	version := "devel"
	if info, ok := debug.ReadBuildInfo(); ok {
		if info.Main.Path == modulePath && info.Main.Version != "" && info.Main.Version != "(devel)" {
			version = info.Main.Version
		}
		for _, dep := range info.Deps {
			if dep.Path == modulePath && dep.Version != "" {
				version = dep.Version
			}
		}
	}
	return version
}

// SupportedVersions lists the resource versions operationID declares in the embedded document, oldest first; the
// newest is what a call sends unless WithVersion chooses another. nil for an operation the document lacks.
func SupportedVersions(operationID string) []string {
	if op := operationByID(operationID); op != nil {
		return slices.Clone(op.versions)
	}
	return nil
}

// CallOption adjusts one call of a typed method.
type CallOption func(*callSettings)

type callSettings struct{ version string }

// WithVersion sends a call as resource version (one of SupportedVersions of its operation; an unknown one is an
// *InputError naming them): the request's Content-Type and Accept name it. The default is the operation's newest.
func WithVersion(version string) CallOption { return func(s *callSettings) { s.version = version } }

// applyCallOptions is what a call's options ask for.
func applyCallOptions(opts []CallOption) callSettings {
	var s callSettings
	for _, opt := range opts {
		if opt != nil {
			opt(&s)
		}
	}
	return s
}

// resolveVersion is the version a call of operationID sends.
func resolveVersion(operationID string, opts []CallOption) (string, error) {
	s := applyCallOptions(opts)
	versions := SupportedVersions(operationID)
	if len(versions) == 0 {
		versions = []string{APIVersion}
	}
	if s.version == "" {
		return versions[len(versions)-1], nil
	}
	if !slices.Contains(versions, s.version) {
		return "", &InputError{Field: "version", Value: s.version, Reason: operationID + " has versions " + strings.Join(versions, ", ")}
	}
	return s.version, nil
}

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
