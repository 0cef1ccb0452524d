package cli

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/atlas-linktoken/atlas-linktoken/pkg/atlas"
	"github.com/atlas-linktoken/atlas-linktoken/pkg/atlastest"
)

// Envelopes (envelope=true) are the CLI's business: an envelope holding a non-2xx status is the *APIError Atlas
// meant, with the whole envelope as its body, whether Atlas names the field "content" or "envelope". (These
// assertions moved here from pkg/atlas with the envelope handling.)
func TestEnvelopes(t *testing.T) {
	for _, tc := range []struct {
		name, answer string
		status       int
		code         string
	}{
		{"content", `{"status":500,"content":{"error":500,"errorCode":"UNEXPECTED_ERROR"}}`, 500, "UNEXPECTED_ERROR"},
		{"named envelope", `{"status":403,"envelope":{"error":403,"errorCode":"USER_UNAUTHORIZED","detail":"no"}}`, 403, "USER_UNAUTHORIZED"},
		{"success", `{"status":201,"content":{"linkToken":"t"}}`, 0, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				_, _ = w.Write([]byte(tc.answer))
			}))
			defer srv.Close()
			client, err := atlas.NewClient(atlas.WithBaseURL(srv.URL), atlas.WithDigestAuth("p", "k"))
			if err != nil {
				t.Fatal(err)
			}
			req, _ := http.NewRequest(http.MethodPost, srv.URL+"/api/atlas/v2/orgs/"+atlastest.DefaultOrgID+"/liveMigrations/linkTokens?envelope=true", strings.NewReader(`{}`))
			resp, err := send(context.Background(), client, req, true)
			if tc.code == "" {
				if err != nil || resp.StatusCode != 200 || !bytes.Equal(resp.Body, []byte(tc.answer)) {
					t.Fatalf("success envelope: %+v %v", resp, err)
				}
				return
			}
			var apiErr *atlas.APIError
			if !errors.As(err, &apiErr) || apiErr.StatusCode != tc.status || apiErr.ErrorCode != tc.code || !bytes.Equal(apiErr.Body, []byte(tc.answer)) {
				t.Fatalf("want %d %s with the envelope as body, got %v", tc.status, tc.code, err)
			}
		})
	}
}

// The second delete of a link, enveloped, is the 404 UNEXPECTED_ERROR (as real Atlas answers it) the emulator wraps.
func TestEnvelopedSecondDelete(t *testing.T) {
	srv, err := atlastest.NewServer()
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	client, err := atlas.NewClient(atlas.WithBaseURL(srv.URL), atlas.WithDigestAuth(atlastest.DefaultPublicKey, atlastest.DefaultPrivateKey))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := client.CreateLinkToken(ctx, atlastest.DefaultOrgID, atlas.TargetOrgRequest{}); err != nil {
		t.Fatal(err)
	}
	url := srv.URL + "/api/atlas/v2/orgs/" + atlastest.DefaultOrgID + "/liveMigrations/linkTokens?envelope=true"
	for i, want := range []string{"", "UNEXPECTED_ERROR"} {
		req, _ := http.NewRequest(http.MethodDelete, url, nil)
		_, err := send(ctx, client, req, true)
		if (want == "" && err != nil) || (want != "" && !atlas.IsErrorCode(err, want)) {
			t.Errorf("delete %d: want %q, got %v", i+1, want, err)
		}
	}
}
