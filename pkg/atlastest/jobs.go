package atlastest

import (
	"container/heap"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"time"
)

// MaxJobs bounds how many validations and how many migrations the emulator keeps for each project (group). To make
// room for a new one, the project's job that finished first (a validation SUCCESS or FAILED, a migration FAILED,
// EXPIRED or COMPLETE) is forgotten: reading it answers 404. A job that has not finished is never forgotten, nor is
// another project's: when all MaxJobs of a project are still running, a new one is refused with 429 RATE_LIMITED
// and a Retry-After of the seconds until the first of them finishes. Projects are fixed when the emulator starts, or
// added by seeds (at most MaxSeeded), so with the field bounds (MaxHostnameBytes, MaxClusterNameBytes) this bounds
// the memory jobs take. WithMaxJobs sets a smaller bound.
const MaxJobs = 1024

// WithMaxJobs keeps at most n validations and n migrations per project instead of MaxJobs (1 ≤ n ≤ MaxJobs), so that
// a test reaches the bound, and the 429 RATE_LIMITED past it, with a few jobs instead of a thousand.
func WithMaxJobs(n int) Option {
	return func(s *Server) error {
		if n < 1 || n > MaxJobs {
			return fmt.Errorf("atlastest: WithMaxJobs(%d): want 1 to MaxJobs (%d)", n, MaxJobs)
		}
		s.maxJobs = n
		s.validations, s.migrations = newJobs[*validationJob](n), newJobs[*migrationJob](n)
		return nil
	}
}

// finisher is a job that knows when it reaches a final status, phases lasting p.
type finisher interface {
	finishAt(p time.Duration) time.Time
}

// jobs is a store of validation or migration jobs by ID, at most limit (MaxJobs unless WithMaxJobs) per project, each project's jobs in a heap
// by the time they finish. Callers hold Server.mu.
type jobs[T finisher] struct {
	byID    map[string]*jobEntry[T]
	byGroup map[string]*jobHeap[T]
	seq     uint64
	limit   int
}

// jobEntry is one stored job, with when it finishes (refreshed by changed) and its place in its project's heap.
type jobEntry[T finisher] struct {
	id, groupID string
	job         T
	finish      time.Time
	seq         uint64 // creation order: among jobs finishing at once, the older is forgotten first
	index       int
}

func newJobs[T finisher](limit int) *jobs[T] {
	return &jobs[T]{byID: map[string]*jobEntry[T]{}, byGroup: map[string]*jobHeap[T]{}, limit: limit}
}

// add stores job under id in groupID's jobs, forgetting that project's first finished job if it holds limit. When
// none has finished, it stores nothing and returns how long until the first finishes.
func (j *jobs[T]) add(groupID, id string, job T, now time.Time, p time.Duration) (wait time.Duration, ok bool) {
	h := j.byGroup[groupID]
	if h == nil {
		h = &jobHeap[T]{}
		j.byGroup[groupID] = h
	}
	if h.Len() >= j.limit {
		first := (*h)[0]
		if first.finish.After(now) {
			return first.finish.Sub(now), false
		}
		heap.Pop(h)
		delete(j.byID, first.id)
	}
	j.seq++
	e := &jobEntry[T]{id: id, groupID: groupID, job: job, finish: job.finishAt(p), seq: j.seq}
	heap.Push(h, e)
	j.byID[id] = e
	return 0, true
}

// get returns groupID's job id, ok false when that project has no such job.
func (j *jobs[T]) get(groupID, id string) (job T, ok bool) {
	e := j.byID[id]
	if e == nil || e.groupID != groupID {
		return job, false
	}
	return e.job, true
}

// changed re-reads when job id finishes, after a change to it (a cutover).
func (j *jobs[T]) changed(id string, p time.Duration) {
	if e := j.byID[id]; e != nil {
		e.finish = e.job.finishAt(p)
		heap.Fix(j.byGroup[e.groupID], e.index)
	}
}

// jobHeap orders a project's jobs by the time they finish, then by age (container/heap).
type jobHeap[T finisher] []*jobEntry[T]

func (h jobHeap[T]) Len() int { return len(h) }
func (h jobHeap[T]) Less(a, b int) bool {
	if !h[a].finish.Equal(h[b].finish) {
		return h[a].finish.Before(h[b].finish)
	}
	return h[a].seq < h[b].seq
}
func (h jobHeap[T]) Swap(a, b int) {
	h[a], h[b] = h[b], h[a]
	h[a].index, h[b].index = a, b
}
func (h *jobHeap[T]) Push(x any) {
	e := x.(*jobEntry[T])
	e.index = len(*h)
	*h = append(*h, e)
}
func (h *jobHeap[T]) Pop() any {
	old := *h
	e := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	return e
}

// newObjectID returns 24 random lower-case hexadecimal digits, the shape of Atlas IDs.
func newObjectID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
