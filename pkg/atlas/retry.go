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

// RetryPolicy says when a call is sent again. createLinkToken is not idempotent, so a call is retried only when the
// server cannot have acted on it: a 429 or 503 answer, or (if RetryConnectionRefused) a refused connection.
// Timeouts, resets, 5xx other than 503 and every other failure are returned at once, because the request may
// have been processed.
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

// retryDelay says whether err after attempt (1-based) may be retried, and after how long.
func (p RetryPolicy) retryDelay(err error, attempt int) (time.Duration, bool) {
	if attempt >= p.MaxAttempts {
		return 0, false
	}
	var apiErr *APIError
	switch {
	case errors.As(err, &apiErr):
		if apiErr.StatusCode != http.StatusTooManyRequests && apiErr.StatusCode != http.StatusServiceUnavailable {
			return 0, false
		}
		if apiErr.RetryAfter > 0 {
			if apiErr.RetryAfter > p.MaxDelay {
				return 0, false // the server asks for more patience than the policy has
			}
			return apiErr.RetryAfter, true
		}
	case p.RetryConnectionRefused && errors.Is(err, syscall.ECONNREFUSED):
	default:
		return 0, false
	}
	backoff := min(p.MaxDelay, p.BaseDelay<<min(attempt-1, 30))
	if backoff <= 0 {
		return 0, true
	}
	return backoff/2 + rand.N(backoff/2+1), true
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
