package atlas

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"syscall"
	"time"
)

// RetryPolicy says when a call is sent again. A call is retried only when the server proved it did not act on it:
//
//   - 429 Too Many Requests, for every method;
//   - 503 Service Unavailable with a Retry-After header (the server itself asking to come back), for every method;
//   - 503 without Retry-After only for idempotent methods (GET, HEAD, PUT, DELETE, OPTIONS): a gateway that
//     forwarded a POST and then lost the upstream answers 503 too, after the server created what was asked. An
//     operation the document marks as a custom method (x-xgen-method-verb-override customMethod, such as
//     cutoverMigration's PUT …/cutover) is an action, not an idempotent PUT, and is treated as a POST;
//   - a refused connection, when RetryConnectionRefused is set (nothing was sent).
//
// Timeouts, resets, other 5xx and every other failure are returned at once, because the request may have been
// processed.
type RetryPolicy struct {
	// MaxAttempts is the total number of attempts, the first included; 1 turns retrying off.
	MaxAttempts int
	// BaseDelay is the first backoff; each retry doubles it, up to MaxDelay, with jitter (a random delay between
	// half and all of it).
	BaseDelay time.Duration
	// MaxDelay caps the backoff, and how long a Retry-After is waited for: an answer asking for a longer wait is
	// returned to the caller (APIError.RetryAfter says how long) instead of being retried early.
	MaxDelay time.Duration
	// RetryConnectionRefused also retries calls whose connection was refused (nothing was sent).
	RetryConnectionRefused bool
}

// DefaultRetryPolicy is used unless WithRetry says otherwise: up to 3 attempts, for 429 and 503 only.
var DefaultRetryPolicy = RetryPolicy{MaxAttempts: 3, BaseDelay: 500 * time.Millisecond, MaxDelay: 30 * time.Second}

// WithRetry replaces DefaultRetryPolicy. The context bounds retries too: a wait never outlives it.
func WithRetry(p RetryPolicy) Option {
	return func(s *settings) error {
		if p.MaxAttempts < 1 {
			return fmt.Errorf("retry: MaxAttempts %d must be at least 1", p.MaxAttempts)
		}
		if p.BaseDelay < 0 || p.MaxDelay < p.BaseDelay {
			return fmt.Errorf("retry: need 0 <= BaseDelay (%v) <= MaxDelay (%v)", p.BaseDelay, p.MaxDelay)
		}
		s.retry = p
		return nil
	}
}

// retryTransport sends a request again as the RetryPolicy allows: the retry step of the request path. It replays
// the body through GetBody (buffering it once when there is none), waits with jittered backoff or the server's
// Retry-After, and ends every wait with the request's context, then handing back the last answer it got.
type retryTransport struct {
	next   http.RoundTripper
	policy RetryPolicy
}

func (t *retryTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if t.policy.MaxAttempts <= 1 {
		return t.next.RoundTrip(req)
	}
	getBody := req.GetBody
	first := req // a request that can replay its body goes down as it is the first time: no copy
	if req.Body != nil && req.Body != http.NoBody && getBody == nil {
		var err error
		if getBody, err = replayableBody(req); err != nil {
			return nil, err
		}
		first = nil
	}
	for attempt := 1; ; attempt++ {
		try := first
		if attempt > 1 || try == nil {
			var err error
			if try, err = cloneWithBody(req, getBody); err != nil {
				return nil, err
			}
		}
		resp, err := t.next.RoundTrip(try)
		delay, retry := t.policy.retryDelay(retryMethod(req), resp, err, attempt)
		if !retry {
			return resp, err
		}
		if wait(req.Context(), delay) != nil {
			return resp, err // the caller's context ended: its last answer is the one to report
		}
		if resp != nil {
			discard(resp)
		}
	}
}

// CloseIdleConnections lets http.Client.CloseIdleConnections reach the wrapped transport.
func (t *retryTransport) CloseIdleConnections() { closeIdle(t.next) }

// retryDelay says whether an attempt's outcome (resp, or err) may be retried, and after how long.
func (p RetryPolicy) retryDelay(method string, resp *http.Response, err error, attempt int) (time.Duration, bool) {
	if attempt >= p.MaxAttempts {
		return 0, false
	}
	switch {
	case err != nil:
		if !p.RetryConnectionRefused || !errors.Is(err, syscall.ECONNREFUSED) {
			return 0, false
		}
	case !serverDidNotAct(method, resp.StatusCode, resp.Header):
		return 0, false
	default:
		if after := parseRetryAfter(resp.Header.Get("Retry-After"), time.Now()); after > 0 {
			if after > p.MaxDelay {
				return 0, false // the server asks for more patience than the policy has
			}
			return after, true
		}
	}
	backoff := p.backoff(attempt)
	if backoff <= 0 {
		return 0, true
	}
	return backoff/2 + rand.N(backoff/2+1), true
}

// retryMethod is the method whose retry rule applies to req: POST for an unsafe method (not GET or HEAD) of an
// operation the document marks as a custom method (an action behind another verb), req.Method otherwise. The
// operation is the one req's context carries (a typed method's, or the header transport's match), never guessed
// from the URL here.
func retryMethod(req *http.Request) string {
	if req.Method == http.MethodGet || req.Method == http.MethodHead {
		return req.Method
	}
	if op := operationOf(req); op != nil && op.Action {
		return http.MethodPost
	}
	return req.Method
}

// serverDidNotAct reports whether an answer proves the request had no effect, so that sending it again cannot act
// twice: see RetryPolicy.
func serverDidNotAct(method string, status int, header http.Header) bool {
	switch status {
	case http.StatusTooManyRequests:
		return true
	case http.StatusServiceUnavailable:
		if header.Get("Retry-After") != "" {
			return true
		}
		switch method {
		case http.MethodGet, http.MethodHead, http.MethodPut, http.MethodDelete, http.MethodOptions:
			return true
		}
	}
	return false
}

// backoff is BaseDelay doubled attempt-1 times, capped at MaxDelay without ever overflowing.
func (p RetryPolicy) backoff(attempt int) time.Duration {
	d := p.BaseDelay
	for i := 1; i < attempt && d < p.MaxDelay; i++ {
		if d > p.MaxDelay/2 {
			return p.MaxDelay
		}
		d *= 2
	}
	return min(d, p.MaxDelay)
}

// wait sleeps for d unless ctx ends first.
func wait(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C:
		return nil
	}
}
