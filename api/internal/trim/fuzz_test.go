package trim

import (
	"strings"
	"testing"
	"time"
)

// FuzzTrim: whatever the upstream document, trimming never panics or hangs, and either fails with an error or
// returns a document that names the operation.
func FuzzTrim(f *testing.F) {
	f.Add([]byte(small))
	f.Add([]byte(strings.Replace(small, "'#/components/schemas/Owner'", "'#/components/schemas/Node'", 1)))
	f.Add([]byte("openapi: 3.0.1\npaths: {}\n"))
	f.Add([]byte("openapi: 3.0.1\npaths:\n  /x:\n    get: {operationId: getNode, responses: {'200': {$ref: '#/components/responses/r'}}}\n"))
	f.Add([]byte("a: &a [*a]\n"))
	f.Add([]byte("{{{"))
	f.Fuzz(func(t *testing.T, upstream []byte) {
		type result struct {
			out []byte
			err error
		}
		ch := make(chan result, 1)
		go func() {
			out, err := Trim(upstream, Options{Operations: []Operation{{Name: "getNode"}}})
			ch <- result{out, err}
		}()
		var r result
		select {
		case r = <-ch:
		case <-time.After(10 * time.Second):
			t.Fatalf("trimming did not finish within 10 s: %q", upstream)
		}
		out, err := r.out, r.err
		if err == nil && !strings.Contains(string(out), "operationId: getNode") {
			t.Fatalf("trimmed document lacks the operation:\n%s", out)
		}
	})
}
