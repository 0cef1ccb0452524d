package atlastest

// ring is a first-in-first-out queue in a circular buffer: push, front and pop are O(1) (push amortised while the
// buffer grows, by doubling, to the bound its user keeps it within), and nothing is shifted when the oldest goes.
type ring[T any] struct {
	buf  []T
	head int // index of the oldest item in buf
	n    int
}

func (r *ring[T]) len() int { return r.n }

// at is the i-th oldest item, 0 <= i < len().
func (r *ring[T]) at(i int) T { return r.buf[(r.head+i)%len(r.buf)] }

// front is the oldest item; the ring must not be empty.
func (r *ring[T]) front() T { return r.buf[r.head] }

func (r *ring[T]) push(v T) {
	if r.n == len(r.buf) {
		grown := make([]T, max(8, 2*len(r.buf)))
		for i := range r.n {
			grown[i] = r.at(i)
		}
		r.buf, r.head = grown, 0
	}
	r.buf[(r.head+r.n)%len(r.buf)] = v
	r.n++
}

// pop removes and returns the oldest item (the slot is cleared, so it keeps nothing alive); the ring must not be empty.
func (r *ring[T]) pop() T {
	var zero T
	v := r.buf[r.head]
	r.buf[r.head] = zero
	r.head = (r.head + 1) % len(r.buf)
	r.n--
	return v
}

// reset empties the ring and lets its buffer go.
func (r *ring[T]) reset() { *r = ring[T]{} }
