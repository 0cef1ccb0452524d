package atlastest

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/icholy/digest"
)

// FuzzAuthorizationHeader feeds arbitrary Authorization headers to the emulator's parser: it must never panic, and
// never accept credentials it did not issue or cannot verify.
func FuzzAuthorizationHeader(f *testing.F) {
	srv, err := NewServer()
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(srv.Close)
	const path = "/api/atlas/v2/orgs/" + DefaultOrgID + "/liveMigrations/linkTokens"
	cred, _ := digest.Digest(&digest.Challenge{Realm: Realm, Nonce: "00112233445566778899aabbccddeeff", Algorithm: "MD5", QOP: []string{"auth"}},
		digest.Options{Method: "POST", URI: path, Count: 1, Username: DefaultPublicKey, Password: DefaultPrivateKey})
	for _, seed := range []string{
		cred.String(),
		strings.Replace(cred.String(), "qop=auth", "qop=auth-int", 1),
		`Digest username="emulatorpub", realm="MMS Public API", nonce="x", uri="/", response="0", qop=auth, nc=zz, cnonce="c"`,
		`Digest username="a\"b", realm=, nonce`,
		"Digest ", "Bearer ", "Bearer eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.e30.x", "Basic ZW11bGF0b3JwdWI6eA==", "",
		"digest username=\"" + strings.Repeat("a", 10000) + "\"",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, header string) {
		r := httptest.NewRequest(http.MethodPost, path, strings.NewReader("{}"))
		r.Header.Set("Authorization", header)
		p, outcome := srv.authenticate(r, []byte("{}"))
		if outcome == AuthOK || p != nil {
			t.Fatalf("accepted fuzzed credentials %q as %+v", header, p)
		}
	})
}
