package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/atlas-linktoken/atlas-linktoken/pkg/atlastest"
)

// The example runs the whole flow, at a test pace, and prints each step in order.
func TestRun(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var out bytes.Buffer
	if err := run(ctx, &out, 20*time.Millisecond); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	want := []string{
		"linked organization " + atlastest.DefaultOrgID,
		"source: project " + atlastest.DemoSourceProjectID + ", deployment " + atlastest.DemoSourceClusterName,
		"validation: SUCCESS",
		"migration: NEW",
		"migration: WORKING",
		"ready for cutover",
		"migration: COMPLETE",
	}
	rest := out.String()
	for _, w := range want {
		i := strings.Index(rest, w)
		if i < 0 {
			t.Fatalf("output lacks %q after the previous steps:\n%s", w, out.String())
		}
		rest = rest[i+len(w):]
	}
}
