package atlas

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// maxBodyBytes caps how much of any response body the client reads: an error body is kept up to this size, and a
// success body larger than this is an error rather than an unbounded allocation.
const maxBodyBytes = 1 << 20

// APIError is a non-2xx answer from Atlas. Every field the server sent is kept: the decoded ApiError fields when the
// body is Atlas' JSON error document, and always the raw body (up to 1 MiB) and headers.
type APIError struct {
	Method     string // HTTP method of the request that failed
	URL        string // URL of the request that failed
	StatusCode int    // HTTP status code of the response
	// ErrorCode is Atlas' application error code, such as VALIDATION_ERROR or RESOURCE_NOT_FOUND; empty when the
	// body is not an Atlas error document (a proxy's HTML page, say).
	ErrorCode        string
	Detail           string            // human-readable description of this occurrence
	Reason           string            // the HTTP reason phrase Atlas reports, such as "Bad Request"
	Parameters       []any             // values Atlas substituted into Detail
	BadRequestDetail *BadRequestDetail // per-field violations of a 400, when Atlas lists them
	// RetryAfter is how long the server asked the caller to wait (Retry-After, in seconds or as an HTTP date);
	// zero when absent.
	RetryAfter    time.Duration
	Header        http.Header // response headers
	Body          []byte      // raw response body, at most 1 MiB
	BodyTruncated bool        // true when the body was longer than 1 MiB and Body holds its first 1 MiB
}

// Error describes the failure in one line: request, status, error code and detail.
func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "atlas: %s %s: %d", e.Method, e.URL, e.StatusCode)
	if e.ErrorCode != "" {
		b.WriteString(" " + e.ErrorCode)
	} else if text := http.StatusText(e.StatusCode); text != "" {
		b.WriteString(" " + text)
	}
	switch {
	case e.Detail != "":
		b.WriteString(": " + e.Detail)
	case e.ErrorCode == "" && len(e.Body) > 0:
		fmt.Fprintf(&b, " (%d-byte %s body)", len(e.Body), orUnknown(e.Header.Get("Content-Type")))
	}
	return b.String()
}

func orUnknown(s string) string {
	if s == "" {
		return "untyped"
	}
	return s
}

// IsErrorCode reports whether err is, or wraps, an *APIError carrying Atlas error code code.
func IsErrorCode(err error, code string) bool {
	var apiErr *APIError
	return errors.As(err, &apiErr) && apiErr.ErrorCode == code
}

// wireAPIError is Atlas' error document as the live server sends it. It differs from the generated ApiError model
// in one field: the spec types parameters as objects, while Atlas sends plain strings there.
type wireAPIError struct {
	Error            int               `json:"error"`
	ErrorCode        string            `json:"errorCode"`
	Detail           *string           `json:"detail"`
	Reason           *string           `json:"reason"`
	Parameters       []any             `json:"parameters"`
	BadRequestDetail *BadRequestDetail `json:"badRequestDetail"`
}

// CheckResponse returns nil for a 2xx response and an *APIError for anything else, reading at most 1 MiB of the
// body. The caller still closes resp.Body. It is the one place the client turns HTTP failures into errors; use it
// too when calling the generated client directly.
func CheckResponse(resp *http.Response) error {
	if resp.StatusCode >= 200 && resp.StatusCode <= 299 {
		return nil
	}
	apiErr := &APIError{
		StatusCode: resp.StatusCode,
		Header:     resp.Header,
		RetryAfter: parseRetryAfter(resp.Header.Get("Retry-After"), time.Now()),
	}
	if resp.Request != nil {
		apiErr.Method = resp.Request.Method
		apiErr.URL = redactedURL(resp.Request)
	}
	body, truncated, err := readCapped(resp.Body)
	apiErr.Body, apiErr.BodyTruncated = body, truncated
	if err != nil {
		// Keep what arrived; the status code is still the server's answer.
		apiErr.Detail = "reading error body: " + err.Error()
		return apiErr
	}
	if isJSON(resp.Header.Get("Content-Type")) {
		apiErr.decode(body)
	}
	return apiErr
}

// decode fills the Atlas fields from an ApiError document; anything else leaves them empty.
func (e *APIError) decode(document []byte) {
	var wire wireAPIError
	if json.Unmarshal(document, &wire) != nil {
		return
	}
	e.ErrorCode = wire.ErrorCode
	e.Detail = deref(wire.Detail)
	e.Reason = deref(wire.Reason)
	e.Parameters = wire.Parameters
	e.BadRequestDetail = wire.BadRequestDetail
}

// redactedURL is the request URL without user info, which must never reach an error string.
func redactedURL(req *http.Request) string {
	u := *req.URL
	u.User = nil
	return u.String()
}

// readCapped reads r up to maxBodyBytes and reports whether more was there.
func readCapped(r io.Reader) (body []byte, truncated bool, err error) {
	if r == nil {
		return nil, false, nil
	}
	body, err = io.ReadAll(io.LimitReader(r, maxBodyBytes+1))
	return capBody(body, err)
}

// readBody is readCapped for a response, sized by its Content-Length when the server gave one.
func readBody(resp *http.Response) ([]byte, bool, error) {
	if n := resp.ContentLength; n >= 0 && n <= maxBodyBytes {
		body := make([]byte, n)
		if _, err := io.ReadFull(resp.Body, body); err != nil {
			return nil, false, err
		}
		return body, false, nil
	}
	return readCapped(resp.Body)
}

func capBody(body []byte, err error) ([]byte, bool, error) {
	if len(body) > maxBodyBytes {
		return body[:maxBodyBytes], true, err
	}
	return body, false, err
}

// isJSON reports whether a Content-Type names JSON: application/json or a +json type such as Atlas' versioned one.
func isJSON(contentType string) bool {
	mediaType, _, _ := strings.Cut(contentType, ";")
	mediaType = strings.ToLower(strings.TrimSpace(mediaType))
	return mediaType == "application/json" || (strings.HasPrefix(mediaType, "application/") && strings.HasSuffix(mediaType, "+json"))
}

// maxRetryAfter is the longest Retry-After kept: longer values (up to any number of seconds) are capped here rather
// than overflowing a time.Duration.
const maxRetryAfter = time.Duration(math.MaxInt64)

// parseRetryAfter reads a Retry-After value given in seconds or as an HTTP date; zero when absent or unparseable.
// Values beyond what a time.Duration holds are capped at maxRetryAfter, never wrapped to zero.
func parseRetryAfter(value string, now time.Time) time.Duration {
	value = strings.TrimSpace(value)
	if value == "" {
		return 0
	}
	if isDigits(value) {
		seconds, err := strconv.ParseUint(value, 10, 64)
		if err != nil || seconds > uint64(maxRetryAfter/time.Second) {
			return maxRetryAfter // too many digits for 64 bits: still a very long wait
		}
		return time.Duration(seconds) * time.Second
	}
	if when, err := http.ParseTime(value); err == nil {
		return max(when.Sub(now), 0)
	}
	return 0
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
