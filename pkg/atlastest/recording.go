package atlastest

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/getkin/kin-openapi/routers"
)

// Bounds on what the emulator keeps and how long it waits for clients; the options below change them.
const (
	// DefaultRecordedRequests is how many requests Requests keeps, the latest first to stay.
	DefaultRecordedRequests = 1024
	// DefaultRecordedBytes bounds the request and response bodies Requests keeps, all requests together.
	DefaultRecordedBytes = 16 << 20
	// DefaultRecordedBodyBytes bounds each recorded body; longer ones keep their beginning (Request.Truncated).
	DefaultRecordedBodyBytes = 64 << 10
	// DefaultReadTimeout bounds reading one request, headers and body: a client sending slowly is cut off.
	DefaultReadTimeout = 30 * time.Second
	// DefaultIdleTimeout closes keep-alive connections idle this long.
	DefaultIdleTimeout = 30 * time.Second
)

// WithRecording bounds what Requests keeps: at most requests requests, and at most bytes of their bodies in all
// (each body is cut at DefaultRecordedBodyBytes first). The oldest go first.
func WithRecording(requests int, bytes int64) Option {
	return func(s *Server) error {
		if requests < 0 || bytes < 0 {
			return fmt.Errorf("atlastest: recording limits %d requests, %d bytes: must not be negative", requests, bytes)
		}
		s.recordLimit, s.recordBytes = requests, bytes
		return nil
	}
}

// WithReadTimeout bounds reading each request (headers and body); DefaultReadTimeout unless set.
func WithReadTimeout(d time.Duration) Option {
	return func(s *Server) error {
		if d <= 0 {
			return errors.New("atlastest: read timeout must be positive")
		}
		s.readTimeout = d
		return nil
	}
}

// WithIdleTimeout closes keep-alive connections idle for d; DefaultIdleTimeout unless set.
func WithIdleTimeout(d time.Duration) Option {
	return func(s *Server) error {
		if d <= 0 {
			return errors.New("atlastest: idle timeout must be positive")
		}
		s.idleTimeout = d
		return nil
	}
}

// WithClock makes the emulator read the time from now instead of time.Now: nonce and token expiry and the phases of
// validations and migrations follow it, so a test can age a nonce or finish a migration at once, without sleeping.
// now must be safe for concurrent use.
func WithClock(now func() time.Time) Option {
	return func(s *Server) error {
		if now == nil {
			return errors.New("atlastest: clock is nil")
		}
		s.nonces.now, s.tokens.now, s.now = now, now, now
		return nil
	}
}

// recorder captures the status and body the emulator answered, for Requests.
type recorder struct {
	http.ResponseWriter
	req        Request
	route      *routers.Route // set once a v2 request is routed: its answer is validated against it
	pathParams map[string]string
	note       journalNote // what the control plane's journal keeps beyond req (journal.go)
	asRecorded bool        // the answer copies real Atlas' where it contradicts the document: not validated against it
}

// keepBody records at most DefaultRecordedBodyBytes of the request body, copied, so that the buffer the body was
// read into (up to 1 MiB) is not kept alive.
func (r *recorder) keepBody(body []byte) {
	if len(body) > DefaultRecordedBodyBytes {
		body, r.req.Truncated = body[:DefaultRecordedBodyBytes], true
	}
	r.req.Body = slices.Clone(body)
}

func (r *recorder) WriteHeader(status int) {
	r.req.Status = status
	r.ResponseWriter.WriteHeader(status)
}

func (r *recorder) Write(b []byte) (int, error) {
	if room := DefaultRecordedBodyBytes - len(r.req.ResponseBody); room > 0 {
		keep := b
		if len(keep) > room {
			keep, r.req.Truncated = keep[:room], true
		}
		r.req.ResponseBody = append(r.req.ResponseBody, keep...)
	} else if len(b) > 0 {
		r.req.Truncated = true
	}
	return r.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection (faults hijack and flush it).
func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

func recordedSize(r Request) int64 { return int64(len(r.Body) + len(r.ResponseBody)) }

// record keeps rec's request within the recording bounds, dropping the oldest first, and calls the hook. The
// requests are kept in a ring: the oldest leaves in O(1), nothing is shifted.
func (s *Server) record(rec *recorder, r *http.Request) {
	s.validateResponse(rec, r)
	s.mu.Lock()
	if s.recordLimit > 0 {
		for s.recorded.len() >= s.recordLimit { // make room first, so the ring never grows past the bound
			s.recordedBytes -= recordedSize(s.recorded.pop())
		}
		s.recorded.push(rec.req)
		s.recordedBytes += recordedSize(rec.req)
		for s.recorded.len() > 0 && s.recordedBytes > s.recordBytes {
			s.recordedBytes -= recordedSize(s.recorded.pop())
		}
	}
	s.mu.Unlock()
	s.journalize(rec, r)
	if s.hook != nil {
		s.hook(rec.req)
	}
}

// RecordedBytes is how many bytes of bodies Requests holds now.
func (s *Server) RecordedBytes() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.recordedBytes
}
