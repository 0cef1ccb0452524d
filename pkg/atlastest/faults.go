package atlastest

import (
	"net"
	"net/http"
	"strconv"
	"time"
)

// Fault replaces or disturbs the emulator's answer to one request; see InjectFaults.
type Fault struct {
	// Status, Header and Body are sent instead of the emulator's own answer. Status 0 keeps the emulator's answer
	// (authentication, validation and all), so that only HeaderDelay or Reset apply.
	Status int
	Header http.Header
	Body   []byte
	// HeaderDelay waits this long, after reading the request, before answering: a slow server.
	HeaderDelay time.Duration
	// BodyDelay (with Status set) sends the headers and the first half of Body, then waits before the rest.
	BodyDelay time.Duration
	// Reset reads the request, then closes the connection abruptly (TCP RST) without answering.
	Reset bool
	// CloseMidBody (with Status set) sends the headers, announcing all of Body, and half of it, then closes.
	CloseMidBody bool
}

// InjectFaults queues faults: each of the next requests, whatever its path, takes the next fault in order.
func (s *Server) InjectFaults(faults ...Fault) {
	s.mu.Lock()
	s.faults = append(s.faults, faults...)
	s.mu.Unlock()
}

// PendingFaults is how many injected faults no request has taken yet.
func (s *Server) PendingFaults() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.faults)
}

func (s *Server) nextFault() (Fault, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.faults) == 0 {
		return Fault{}, false
	}
	f := s.faults[0]
	s.faults = s.faults[1:]
	return f, true
}

// applyFault disturbs the answer to r as f says; it reports whether it answered (or dropped) the request itself.
func (s *Server) applyFault(rec *recorder, r *http.Request, f Fault) bool {
	if !s.wait(r, f.HeaderDelay) {
		return true // the client gave up
	}
	rc := http.NewResponseController(rec.ResponseWriter)
	if f.Reset {
		if conn, _, err := rc.Hijack(); err == nil {
			if tcp, ok := conn.(*net.TCPConn); ok {
				_ = tcp.SetLinger(0) // RST instead of FIN
			}
			_ = conn.Close()
		}
		return true
	}
	if f.Status == 0 {
		return false
	}
	for k, v := range f.Header {
		rec.Header()[k] = v
	}
	half := len(f.Body) / 2
	if f.CloseMidBody || f.BodyDelay > 0 {
		rec.Header().Set("Content-Length", strconv.Itoa(len(f.Body)))
	}
	rec.WriteHeader(f.Status)
	switch {
	case f.CloseMidBody:
		_, _ = rec.Write(f.Body[:half])
		_ = rc.Flush()
		if conn, _, err := rc.Hijack(); err == nil {
			_ = conn.Close()
		}
	case f.BodyDelay > 0:
		_, _ = rec.Write(f.Body[:half])
		_ = rc.Flush()
		if s.wait(r, f.BodyDelay) {
			_, _ = rec.Write(f.Body[half:])
		}
	default:
		_, _ = rec.Write(f.Body)
	}
	return true
}
