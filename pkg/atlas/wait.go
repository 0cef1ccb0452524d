package atlas

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// ErrJobFailed marks a validation or migration that ended FAILED or EXPIRED while WaitForValidation or
// WaitForMigration waited: the job is returned with the error.
var ErrJobFailed = errors.New("job failed")

// ErrUnknownState ends a wait on a status this client does not know (one Atlas added, such as CANCELLED), or on a
// terminal status in which the awaited condition can no longer hold (a COMPLETE migration never becomes ready for
// cutover): unknown states fail closed. The last state read is returned with it.
var ErrUnknownState = errors.New("unknown or final state")

// Poll intervals of WaitForValidation and WaitForMigration unless WithPollInterval says otherwise: the first poll
// comes DefaultPollInterval after the call, and each further wait is 1.5 times longer, up to DefaultMaxPollInterval.
const (
	DefaultPollInterval    = time.Second
	DefaultMaxPollInterval = 15 * time.Second
)

// WaitOption configures WaitForValidation and WaitForMigration.
type WaitOption func(*waitSettings)

type waitSettings struct {
	interval, maxInterval time.Duration
	onValidation          func(*LiveImportValidation)
	onMigration           func(*LiveMigrationResponse)
}

// WithPollInterval sets the first wait between polls and the longest (the waits grow by half each time in
// between). Values below 1 ms are raised to it; longest below first is raised to first.
func WithPollInterval(first, longest time.Duration) WaitOption {
	return func(s *waitSettings) {
		s.interval = max(first, time.Millisecond)
		s.maxInterval = max(longest, s.interval)
	}
}

// WithValidationProgress calls fn with each state WaitForValidation reads, the last one included.
func WithValidationProgress(fn func(*LiveImportValidation)) WaitOption {
	return func(s *waitSettings) { s.onValidation = fn }
}

// WithMigrationProgress calls fn with each state WaitForMigration reads (status, lag, readiness), the last one
// included.
func WithMigrationProgress(fn func(*LiveMigrationResponse)) WaitOption {
	return func(s *waitSettings) { s.onMigration = fn }
}

// MigrationCondition is what WaitForMigration waits for.
type MigrationCondition func(*LiveMigrationResponse) bool

// ReadyForCutover holds once a migration can be cut over (Cutover).
func ReadyForCutover(m *LiveMigrationResponse) bool {
	return m.ReadyForCutover != nil && *m.ReadyForCutover
}

// MigrationDone holds once a migration reached a terminal status: COMPLETE, FAILED or EXPIRED.
func MigrationDone(m *LiveMigrationResponse) bool {
	if m.Status == nil {
		return false
	}
	switch *m.Status {
	case MigrationComplete, MigrationFailed, MigrationExpired:
		return true
	}
	return false
}

// WaitForValidation polls validation validationID of project groupID (MigrationValidation) until it is no longer
// PENDING, with growing intervals, and returns its last state: SUCCESS with a nil error, FAILED with an error
// wrapping ErrJobFailed and holding its errorMessage, any other status with an error wrapping ErrUnknownState
// naming it. A validation whose status is absent is still pending. The wait ends with ctx (its error is returned,
// with the last state read); an error of a poll ends it too.
func (c *Client) WaitForValidation(ctx context.Context, groupID, validationID string, opts ...WaitOption) (*LiveImportValidation, error) {
	s := newWaitSettings(opts)
	return poll(ctx, s, func(ctx context.Context) (*LiveImportValidation, bool, error) {
		v, err := c.MigrationValidation(ctx, groupID, validationID)
		if err != nil {
			return nil, false, err
		}
		if s.onValidation != nil {
			s.onValidation(v)
		}
		switch {
		case v.Status == nil || *v.Status == ValidationPending:
			return v, false, nil
		case *v.Status == ValidationFailed:
			return v, true, fmt.Errorf("atlas: validation %s %w: %s", validationID, ErrJobFailed, deref(v.ErrorMessage))
		case *v.Status == ValidationSuccess:
			return v, true, nil
		}
		return v, true, fmt.Errorf("atlas: validation %s has status %q, which this client does not know: %w", validationID, *v.Status, ErrUnknownState)
	})
}

// WaitForMigration polls migration liveMigrationID of project groupID (Migration) until until holds
// (ReadyForCutover, MigrationDone — the default when nil — or the caller's own), with growing intervals, and
// returns its last state. A migration that ends FAILED or EXPIRED ends the wait with an error wrapping ErrJobFailed
// (with that state), whatever until says; one that is COMPLETE while until does not hold, or has a status this
// client does not know, ends it with an error wrapping ErrUnknownState naming the state: no wait outlives a state
// in which its condition cannot come true. The wait ends with ctx (its error is returned, with the last state
// read); an error of a poll ends it too.
func (c *Client) WaitForMigration(ctx context.Context, groupID, liveMigrationID string, until MigrationCondition, opts ...WaitOption) (*LiveMigrationResponse, error) {
	if until == nil {
		until = MigrationDone
	}
	s := newWaitSettings(opts)
	return poll(ctx, s, func(ctx context.Context) (*LiveMigrationResponse, bool, error) {
		m, err := c.Migration(ctx, groupID, liveMigrationID)
		if err != nil {
			return nil, false, err
		}
		if s.onMigration != nil {
			s.onMigration(m)
		}
		if m.Status != nil && (*m.Status == MigrationFailed || *m.Status == MigrationExpired) {
			return m, true, fmt.Errorf("atlas: migration %s %w: %s", liveMigrationID, ErrJobFailed, *m.Status)
		}
		if until(m) {
			return m, true, nil
		}
		if m.Status == nil {
			return m, false, nil // not reported yet: still starting
		}
		switch *m.Status {
		case MigrationNew, MigrationWorking:
			return m, false, nil
		case MigrationComplete:
			return m, true, fmt.Errorf("atlas: migration %s is COMPLETE, so the awaited condition can no longer hold: %w", liveMigrationID, ErrUnknownState)
		}
		return m, true, fmt.Errorf("atlas: migration %s has status %q, which this client does not know: %w", liveMigrationID, *m.Status, ErrUnknownState)
	})
}

func newWaitSettings(opts []WaitOption) *waitSettings {
	s := &waitSettings{interval: DefaultPollInterval, maxInterval: DefaultMaxPollInterval}
	for _, opt := range opts {
		if opt != nil {
			opt(s)
		}
	}
	return s
}

// poll calls check until it says done, waiting s.interval first and half as long again each time after, up to
// s.maxInterval; ctx ends every wait. The last state read comes back with any error.
func poll[T any](ctx context.Context, s *waitSettings, check func(context.Context) (*T, bool, error)) (*T, error) {
	var last *T
	for interval := s.interval; ; interval = min(interval+interval/2, s.maxInterval) {
		state, done, err := check(ctx)
		if state != nil {
			last = state
		}
		if done || err != nil {
			return last, err
		}
		if err := wait(ctx, interval); err != nil {
			return last, fmt.Errorf("atlas: stopped waiting: %w", err)
		}
	}
}
