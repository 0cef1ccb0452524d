package atlastest

import "testing"

// The ring is first in, first out across growth and wrap-around, and pop clears the slot it leaves.
func TestRingIsFirstInFirstOut(t *testing.T) {
	var r ring[*int]
	next, oldest := 0, 0
	for round := range 50 {
		for range round % 7 * 3 {
			v := next
			r.push(&v)
			next++
		}
		for range round % 5 * 2 {
			if r.len() == 0 {
				break
			}
			head := r.head
			if got := *r.pop(); got != oldest {
				t.Fatalf("popped %d, want %d", got, oldest)
			}
			if r.buf[head] != nil {
				t.Fatal("pop left the item in its slot")
			}
			oldest++
		}
		for i := range r.len() {
			if got := *r.at(i); got != oldest+i {
				t.Fatalf("at(%d) = %d, want %d", i, got, oldest+i)
			}
		}
		if r.len() > 0 && *r.front() != oldest {
			t.Fatalf("front %d, want %d", *r.front(), oldest)
		}
	}
	r.reset()
	if r.len() != 0 || r.buf != nil {
		t.Error("reset kept items")
	}
}
