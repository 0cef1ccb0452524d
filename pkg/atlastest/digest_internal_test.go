package atlastest

import (
	"math/rand/v2"
	"runtime"
	"testing"
	"time"
)

func newTestNonces(clock *ManualClock) *nonceStore {
	return &nonceStore{lifetime: DefaultNonceLifetime, now: clock.Now, nonces: map[string]*nonceState{}}
}

func liveHeap() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// A nonce used for a long run costs the same memory after 2^18 requests as after one: what it remembers of the
// nonce counts is a fixed window, not every count. (It used to keep every count: about 10 MB for this run.)
func TestNonceMemoryIsFlatOverALongRun(t *testing.T) {
	clock := NewManualClock(time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC))
	s := newTestNonces(clock)
	nonces := []string{s.issue(), s.issue(), s.issue(), s.issue()}
	before := liveHeap()
	const requests = 1 << 18
	for nc := 1; nc <= requests/len(nonces); nc++ {
		for _, n := range nonces {
			if got := s.use(n, nc); got != AuthOK {
				t.Fatalf("nonce count %d: %s", nc, got)
			}
		}
	}
	after := liveHeap()
	runtime.KeepAlive(s)
	t.Logf("heap before %d KB, after %d requests on %d nonces %d KB", before>>10, requests, len(nonces), after>>10)
	if after > before && after-before > 256<<10 {
		t.Errorf("the heap grew by %d KB over %d requests on %d nonces: nonce state is not bounded", (after-before)>>10, requests, len(nonces))
	}
}

// Nonce counts must rise, as RFC 7616 asks, but concurrent clients sharing a nonce deliver them out of order: a count
// up to NonceCountWindow below the highest seen is accepted once; further below, it is refused like a replay.
func TestNonceCountWindow(t *testing.T) {
	clock := NewManualClock(time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC))
	s := newTestNonces(clock)
	n := s.issue()
	for i, step := range []struct {
		nc   int
		want AuthOutcome
	}{
		{1, AuthOK}, {3, AuthOK}, {2, AuthOK}, {3, AuthReplay}, {1, AuthReplay},
		{1000, AuthOK},
		{1000 - NonceCountWindow + 1, AuthOK}, // the oldest count the window holds
		{1000 - NonceCountWindow + 1, AuthReplay},
		{1000 - NonceCountWindow, AuthReplay}, // below the window: it cannot be told from a replay
		{999, AuthOK}, {1000, AuthReplay},
		{1001 + 64, AuthOK}, {1001, AuthOK}, {1000 - NonceCountWindow + 66, AuthOK}, {1000 - NonceCountWindow + 65, AuthReplay},
		{1 << 31, AuthOK}, {1<<31 - 1, AuthOK}, {1001 + 64, AuthReplay},
	} {
		if got := s.use(n, step.nc); got != step.want {
			t.Errorf("step %d: nonce count %d: %q, want %q", i, step.nc, got, step.want)
		}
	}
}

// The window against a model that remembers every count: random counts near the top, with jumps.
func TestNonceCountWindowMatchesAModel(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var st nonceState
	seen := map[uint64]bool{}
	var highest uint64
	for i := range 200000 {
		var nc uint64
		switch rng.IntN(10) {
		case 0:
			nc = highest + 1 + rng.Uint64N(300) // a jump
		default:
			nc = max(1, highest+8-min(highest, rng.Uint64N(NonceCountWindow+40)))
		}
		want := !seen[nc] && nc+NonceCountWindow > highest
		if got := st.accept(nc); got != want {
			t.Fatalf("step %d: count %d (highest %d): accepted %v, want %v", i, nc, highest, got, want)
		}
		if want {
			seen[nc] = true
			highest = max(highest, nc)
		}
	}
}

// Expired nonces are dropped as new ones are issued, oldest first, and the store never holds more than MaxNonces:
// past that the oldest goes (its client gets stale=true and answers the fresh challenge).
func TestNoncesExpireAndAreBounded(t *testing.T) {
	clock := NewManualClock(time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC))
	s := newTestNonces(clock)
	for range 1000 {
		s.issue()
	}
	clock.Advance(DefaultNonceLifetime + time.Second)
	fresh := s.issue()
	if len(s.nonces) != 1 {
		t.Errorf("%d nonces kept after all but one expired", len(s.nonces))
	}
	first := s.issue()
	for range 2*MaxNonces + 5 {
		s.issue()
	}
	if len(s.nonces) > MaxNonces {
		t.Errorf("%d nonces kept, bound %d", len(s.nonces), MaxNonces)
	}
	if s.use(fresh, 1) != AuthStale || s.use(first, 1) != AuthStale {
		t.Error("the oldest nonces are still accepted past the bound")
	}
	if last := s.issue(); s.use(last, 1) != AuthOK {
		t.Error("the newest nonce is refused")
	}
}
