package atlastest

import (
	"crypto/rand"
	"encoding/hex"
)

// MaxJobs bounds how many validations and how many migrations the emulator keeps: past it, the oldest is
// forgotten (reading it answers 404), so a long-running emulator's memory stays bounded.
const MaxJobs = 1024

// jobs is a bounded store of validation or migration jobs by ID, oldest evicted first. Callers hold Server.mu.
type jobs[T any] struct {
	byID  map[string]*T
	order []string
}

func newJobs[T any]() *jobs[T] { return &jobs[T]{byID: map[string]*T{}} }

func (j *jobs[T]) add(id string, job *T) {
	if len(j.order) >= MaxJobs {
		delete(j.byID, j.order[0])
		j.order = j.order[1:]
	}
	j.byID[id] = job
	j.order = append(j.order, id)
}

func (j *jobs[T]) get(id string) *T { return j.byID[id] }

// newObjectID returns 24 random lower-case hexadecimal digits, the shape of Atlas IDs.
func newObjectID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
