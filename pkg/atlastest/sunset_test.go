package atlastest_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/atlas-linktoken/atlas-linktoken/gen"
	"github.com/atlas-linktoken/atlas-linktoken/pkg/atlas"
	"github.com/atlas-linktoken/atlas-linktoken/pkg/atlastest"
)

// A version with an x-sunset date is answered with Sunset and Deprecation headers (RFC 8594, RFC 9745) and a Link to
// its successor; a version without one gets none. The dates come from the generated operation table, so the test
// holds for whichever upstream the document was cut from (at the time of writing, 2023-01-01 sunsets 2027-07-01,
// after 2024-05-30 replaced it).
func TestSunsetAndDeprecationHeaders(t *testing.T) {
	srv, err := atlastest.NewServer()
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	c, err := atlas.NewClient(atlas.WithBaseURL(srv.URL), atlas.WithDigestAuth(atlastest.DefaultPublicKey, atlastest.DefaultPrivateKey))
	if err != nil {
		t.Fatal(err)
	}
	op := gen.OperationByID("validateLiveMigrations")
	if op == nil || len(op.Versions) < 2 {
		t.Fatalf("validateLiveMigrations with two versions or more: %+v", op)
	}
	path := srv.URL + "/api/atlas/v2/groups/" + atlastest.DefaultGroupID + "/liveMigrations/validate"
	for i, v := range op.Versions {
		var sunset, deprecation, link string
		if v.Sunset != "" {
			day, err := time.Parse(time.DateOnly, v.Sunset)
			if err != nil {
				t.Fatalf("%s: x-sunset %q", v.Date, v.Sunset)
			}
			sunset = day.Format(http.TimeFormat)
			if i+1 < len(op.Versions) {
				next, _ := time.Parse(time.DateOnly, op.Versions[i+1].Date)
				deprecation = "@" + strconv.FormatInt(next.Unix(), 10)
				link = "<application/vnd.atlas." + op.Versions[i+1].Date + `+json>; rel="successor-version"`
			}
		}
		req, _ := http.NewRequest(http.MethodPost, path, strings.NewReader(`{}`))
		req.Header.Set("Content-Type", "application/vnd.atlas."+v.Date+"+json")
		resp, err := c.BareDo(t.Context(), req)
		if resp == nil {
			t.Fatalf("%s: no answer: %v", v.Date, err)
		}
		resp.Body.Close()
		for header, want := range map[string]string{"Sunset": sunset, "Deprecation": deprecation, "Link": link} {
			if got := resp.Header.Get(header); got != want {
				t.Errorf("%s (x-sunset %q): %s %q, want %q", v.Date, v.Sunset, header, got, want)
			}
		}
	}
}
