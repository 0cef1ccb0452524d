package atlastest

import (
	"fmt"
	"time"
)

// maxClockOffset bounds how far AdvanceClock may move the emulator's clock ahead of its base clock in all: a
// hundred years, far past any window the emulator knows (CutoverWindow is 120 h), and far from time.Duration's limit.
const maxClockOffset = 100 * 365 * 24 * time.Hour

// installClock puts the control plane's offset on top of the emulator's base clock (time.Now, or WithClock's): from
// then on the emulator reads its time, for nonces, tokens, job phases and the cutover window, from the sum. Called
// once by NewServer, before the server starts.
func (s *Server) installClock() {
	base := s.now
	now := func() time.Time { return base().Add(time.Duration(s.ctl.offset.Load())) }
	s.now, s.nonces.now, s.tokens.now = now, now, now
}

// Now is the emulator's present time: its base clock (the real time, or WithClock's) plus how far AdvanceClock has
// moved it since it started or was last Reset. Validations and migrations move on, and nonces and access tokens
// expire, by this clock.
func (s *Server) Now() time.Time { return s.now() }

// ClockOffset is how far AdvanceClock has moved the emulator's clock ahead of its base clock.
func (s *Server) ClockOffset() time.Duration { return time.Duration(s.ctl.offset.Load()) }

// AdvanceClock moves the emulator's clock forward by d and returns the new present time: a validation leaves PENDING
// and a migration becomes ready for cutover, then EXPIRED CutoverWindow later, without anyone waiting, and digest
// nonces and access tokens age by d too (a client answers the stale=true challenge, or fetches a new token). d must be
// positive; the clock never goes back, except when Reset returns it to its base clock.
func (s *Server) AdvanceClock(d time.Duration) (time.Time, error) {
	if d <= 0 {
		return time.Time{}, fmt.Errorf("atlastest: advance %v: the clock only moves forward; give a positive duration", d)
	}
	for {
		old := s.ctl.offset.Load()
		if d > maxClockOffset-time.Duration(old) {
			return time.Time{}, fmt.Errorf("atlastest: advance %v: the clock would be more than %v ahead of its base clock", d, maxClockOffset)
		}
		if s.ctl.offset.CompareAndSwap(old, old+int64(d)) {
			return s.now(), nil
		}
	}
}
