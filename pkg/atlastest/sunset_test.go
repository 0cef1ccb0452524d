package atlastest_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/atlas-linktoken/atlas-linktoken/pkg/atlas"
	"github.com/atlas-linktoken/atlas-linktoken/pkg/atlastest"
)

// A version with an x-sunset date is answered with Sunset and Deprecation headers (RFC 8594, RFC 9745) naming its
// successor; the newest version is not.
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
	path := srv.URL + "/api/atlas/v2/groups/" + atlastest.DefaultGroupID + "/liveMigrations/validate"
	for _, tc := range []struct{ version, sunset, deprecation string }{
		{"2023-01-01", "Thu, 01 Jul 2027 00:00:00 GMT", "@1717027200"},
		{"2024-05-30", "", ""},
	} {
		req, _ := http.NewRequest(http.MethodPost, path, strings.NewReader(`{}`))
		req.Header.Set("Content-Type", "application/vnd.atlas."+tc.version+"+json")
		resp, err := c.BareDo(t.Context(), req)
		if resp == nil {
			t.Fatalf("%s: no answer: %v", tc.version, err)
		}
		resp.Body.Close()
		if got := resp.Header.Get("Sunset"); got != tc.sunset {
			t.Errorf("%s: Sunset %q, want %q", tc.version, got, tc.sunset)
		}
		if got := resp.Header.Get("Deprecation"); got != tc.deprecation {
			t.Errorf("%s: Deprecation %q, want %q", tc.version, got, tc.deprecation)
		}
	}
}
