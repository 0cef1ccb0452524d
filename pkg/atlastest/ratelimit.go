package atlastest

import (
	"strconv"
	"time"
)

// RateLimit is the RateLimit-Limit Atlas has sent since 2026-01: requests per principal per minute.
const RateLimit = 500

// rateWindow is one principal's current minute: when it began and how many requests it has made in it.
type rateWindow struct {
	start time.Time
	used  int
}

// rateLimit adds Atlas' RateLimit-Limit and RateLimit-Remaining headers to the answer to an authenticated Atlas-side
// request of p: the emulator counts each principal's requests in windows of a minute on its clock, the first
// starting at its first request, and RateLimit-Remaining is RateLimit less the requests of the current window,
// this one included (so the first answer of a minute says 499, as Atlas' recordings do). It never refuses a request:
// past the limit, RateLimit-Remaining stays 0.
func (s *Server) rateLimit(rec *recorder, p *principal) {
	now := s.now()
	s.mu.Lock()
	w := s.rates[p]
	if w == nil || now.Sub(w.start) >= time.Minute || now.Before(w.start) {
		w = &rateWindow{start: now}
		s.rates[p] = w
	}
	w.used++
	remaining := max(0, RateLimit-w.used)
	s.mu.Unlock()
	h := rec.Header()
	h.Set("RateLimit-Limit", strconv.Itoa(RateLimit))
	h.Set("RateLimit-Remaining", strconv.Itoa(remaining))
}
