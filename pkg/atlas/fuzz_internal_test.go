package atlas

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

// FuzzCheckResponse: any status, Content-Type, Retry-After and body. A 2xx is never an error; anything else is an
// *APIError carrying the status and the body (capped), and nothing panics. Success decoding and envelope checks
// get the same inputs.
func FuzzCheckResponse(f *testing.F) {
	for _, seed := range []struct {
		status             int
		contentType, retry string
		body               []byte
	}{
		{404, "application/json", "", []byte(`{"error":404,"errorCode":"RESOURCE_NOT_FOUND","detail":"x","parameters":["a",1,{"b":2}],"badRequestDetail":{"fields":[{"field":"f","description":"d"}]}}`)},
		{429, "application/json", "7", []byte(`{"errorCode":"RATE_LIMITED"}`)},
		{503, "text/html", "Wed, 21 Oct 2015 07:28:00 GMT", []byte("<html>")},
		{201, "application/vnd.atlas.2023-01-01+json", "", []byte(`{"linkToken":"t"}`)},
		{200, "application/json", "", []byte(`{"status":404,"content":{"errorCode":"X"}}`)},
		{200, "application/json", "", []byte(`{"status":204,"envelope":null}`)},
		{500, "application/json", "", []byte(`{"error":"not a number","detail":5}`)},
		{401, "", "-1", nil},
	} {
		f.Add(seed.status, seed.contentType, seed.retry, seed.body)
	}
	f.Fuzz(func(t *testing.T, status int, contentType, retryAfter string, body []byte) {
		if status < 100 || status > 999 {
			t.Skip()
		}
		header := http.Header{"Content-Type": {contentType}, "Retry-After": {retryAfter}}
		resp := &http.Response{StatusCode: status, Header: header, Body: io.NopCloser(bytes.NewReader(body)),
			Request: httptest.NewRequest(http.MethodPost, "https://cloud.mongodb.com/x", nil)}
		err := CheckResponse(resp)
		if status >= 200 && status <= 299 {
			if err != nil {
				t.Fatalf("2xx turned into an error: %v", err)
			}
			var token TargetOrg
			_ = decodeSuccess("createLinkToken", &answer{status: status, header: header, body: body}, &token)
			return
		}
		var apiErr *APIError
		if !errors.As(err, &apiErr) || apiErr.StatusCode != status || apiErr.RetryAfter < 0 {
			t.Fatalf("status %d: %v", status, err)
		}
		if want := body[:min(len(body), maxBodyBytes)]; !bytes.Equal(apiErr.Body, want) || apiErr.BodyTruncated != (len(body) > maxBodyBytes) {
			t.Fatalf("body not kept: %q", apiErr.Body)
		}
		_ = apiErr.Error()
	})
}
