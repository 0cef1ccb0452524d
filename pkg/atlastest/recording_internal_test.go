package atlastest

import (
	"net/http/httptest"
	"strconv"
	"testing"
)

// recordedSlots is the storage behind Requests, slot by slot.
func recordedSlots(s *Server) []Request { return s.recorded.buf }

// recordOne records a request whose query is i, with a body of size bytes, as ServeHTTP does once it has answered.
func recordOne(s *Server, i, size int) {
	r := httptest.NewRequest("GET", "/x?i="+strconv.Itoa(i), nil)
	s.record(&recorder{ResponseWriter: httptest.NewRecorder(), req: Request{Method: "GET", Path: "/x", RawQuery: "i=" + strconv.Itoa(i),
		Body: make([]byte, size)}}, r)
}

// Once Requests holds its bound, recording one more request writes one slot of its storage: the latest replaces
// the oldest in a ring, instead of every kept request moving down a place (1,024 of them per request by default).
func TestRecordingWritesOneSlotPerRequest(t *testing.T) {
	const limit = 64
	s, err := NewServer(WithRecording(limit, 1<<20))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for i := range 3 * limit {
		recordOne(s, i, 0)
	}
	before := make([]string, 0, limit)
	for _, r := range recordedSlots(s) {
		before = append(before, r.RawQuery)
	}
	recordOne(s, 3*limit, 0)
	changed := 0
	for i, r := range recordedSlots(s) {
		if i >= len(before) || r.RawQuery != before[i] {
			changed++
		}
	}
	if changed != 1 {
		t.Errorf("recording one request into a full recorder rewrote %d slots, want 1", changed)
	}
}

// Requests is oldest first, within both bounds, whatever the ring's wrap-around.
func TestRequestsAreOldestFirstWithinTheBounds(t *testing.T) {
	for _, tc := range []struct {
		name         string
		requests     int
		bytes, sizes int64
		want         int // requests kept
	}{
		{"count bound", 10, 1 << 20, 100, 10},
		{"byte bound", 100, 1000, 100, 10},
		{"nothing kept", 0, 0, 0, 0},
	} {
		s, err := NewServer(WithRecording(tc.requests, tc.bytes))
		if err != nil {
			t.Fatal(err)
		}
		for i := range 237 {
			recordOne(s, i, int(tc.sizes))
			reqs := s.Requests()
			if kept := min(i+1, tc.want); len(reqs) != kept {
				t.Fatalf("%s: after %d requests, %d kept, want %d", tc.name, i+1, len(reqs), kept)
			}
			for j, r := range reqs {
				if want := "i=" + strconv.Itoa(i+1-len(reqs)+j); r.RawQuery != want {
					t.Fatalf("%s: after %d requests, Requests()[%d] is %s, want %s", tc.name, i+1, j, r.RawQuery, want)
				}
			}
			if got := s.RecordedBytes(); got != int64(len(reqs))*tc.sizes {
				t.Fatalf("%s: RecordedBytes %d, want %d", tc.name, got, int64(len(reqs))*tc.sizes)
			}
		}
		s.Close()
	}
}
