package atlastest

import (
	"testing"
	"time"
)

func newTestTokens(clock *ManualClock) (*tokenStore, *principal) {
	return &tokenStore{lifetime: DefaultTokenLifetime, now: clock.Now, tokens: map[string]issuedToken{}},
		&principal{name: "mdb_sa_id_test", roles: map[string]orgRole{}}
}

// Expired tokens are dropped as new ones are issued, in the order they were issued: the store holds the tokens of
// the last lifetime, not of the whole run.
func TestTokensExpireAsNewOnesAreIssued(t *testing.T) {
	clock := NewManualClock(time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC))
	store, p := newTestTokens(clock)
	for range 100 {
		store.issue(p)
		clock.Advance(time.Second)
	}
	clock.Advance(DefaultTokenLifetime - 50*time.Second) // the first 50 have expired (more than a lifetime old)
	last, _ := store.issue(p)
	if len(store.tokens) != 51 {
		t.Errorf("%d tokens kept; want the 50 of the last lifetime and the new one", len(store.tokens))
	}
	if store.lookup(last) != p {
		t.Error("the new token is refused")
	}
}

// However fast tokens are asked for, the store holds at most MaxTokens; past it the oldest goes (its holder gets
// 401 invalid_token and fetches another).
func TestTokensAreBounded(t *testing.T) {
	clock := NewManualClock(time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC))
	store, p := newTestTokens(clock)
	first, _ := store.issue(p)
	var last string
	for range MaxTokens + 100 {
		last, _ = store.issue(p)
	}
	if len(store.tokens) > MaxTokens {
		t.Errorf("%d tokens kept, bound %d", len(store.tokens), MaxTokens)
	}
	if store.lookup(first) != nil || store.lookup(last) != p {
		t.Error("past the bound, the oldest token must go and the newest stay")
	}
	if store.issued != MaxTokens+101 {
		t.Errorf("issued %d, want %d", store.issued, MaxTokens+101)
	}
}
