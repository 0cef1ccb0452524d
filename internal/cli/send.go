package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/atlas-linktoken/atlas-linktoken/pkg/atlas"
)

// maxAnswerBytes caps how much of a 2xx answer the CLI reads (pkg/atlas caps error bodies the same way).
const maxAnswerBytes = 1 << 20

// response is a 2xx answer exactly as Atlas sent it: the api commands pass the body on rather than decode it.
type response struct {
	StatusCode int
	Header     http.Header
	Body       []byte // at most maxAnswerBytes
}

// errUnexpected marks a 2xx answer the CLI cannot use as it came (too large, not an envelope when one was asked).
var errUnexpected = errors.New("unexpected response")

// send sends a request built from the user's input through the client's request path (pkg/atlas's BareDo), reads
// the answer (at most 1 MiB), and with envelope=true turns an envelope holding a non-2xx status into the *APIError
// Atlas meant.
func send(ctx context.Context, client *atlas.Client, req *http.Request, enveloped bool) (*response, error) {
	resp, err := client.BareDo(ctx, req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswerBytes+1))
	if err != nil {
		return nil, fmt.Errorf("%s %s: reading %d response body: %w", req.Method, req.URL.Redacted(), resp.StatusCode, err)
	}
	if len(body) > maxAnswerBytes {
		return nil, fmt.Errorf("%s %s: %w: %d response body exceeds %d bytes", req.Method, req.URL.Redacted(), errUnexpected, resp.StatusCode, maxAnswerBytes)
	}
	out := &response{StatusCode: resp.StatusCode, Header: resp.Header, Body: body}
	if enveloped {
		if err := checkEnvelope(resp, out); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// envelope is Atlas' answer to envelope=true: the real status and body inside a 200. Atlas names the body field
// "content"; the v1.0 documentation names it "envelope". Both are read.
type envelope struct {
	Status   int             `json:"status"`
	Content  json.RawMessage `json:"content"`
	Envelope json.RawMessage `json:"envelope"`
}

// checkEnvelope returns an *atlas.APIError when an enveloped answer holds a non-2xx status: the error Atlas would
// have answered without the envelope, with the whole envelope as its body.
func checkEnvelope(resp *http.Response, out *response) error {
	var env envelope
	if err := json.Unmarshal(out.Body, &env); err != nil || env.Status == 0 {
		return fmt.Errorf("%s %s: envelope=true, but the %d answer is not an envelope", resp.Request.Method, resp.Request.URL.Redacted(), resp.StatusCode)
	}
	if env.Status >= 200 && env.Status <= 299 {
		return nil
	}
	content := env.Content
	if content == nil {
		content = env.Envelope
	}
	inner := &http.Response{StatusCode: env.Status, Header: http.Header{"Content-Type": {"application/json"}},
		Body: io.NopCloser(bytes.NewReader(content)), Request: resp.Request}
	err := atlas.CheckResponse(inner)
	var apiErr *atlas.APIError
	if errors.As(err, &apiErr) {
		apiErr.Header, apiErr.Body, apiErr.BodyTruncated = resp.Header, out.Body, false
	}
	return err
}

// mediaType is version's media type: application/vnd.atlas.VERSION+json.
func mediaType(version string) string { return "application/vnd.atlas." + version + "+json" }
