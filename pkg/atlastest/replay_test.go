package atlastest_test

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/atlas-linktoken/atlas-linktoken/pkg/atlastest"
)

// realAnswers is where the recordings of real Atlas answers live, beside the repository (absent in a user's clone).
var realAnswers = filepath.Join("..", "..", "..", "shared", "real-answers")

// recording is one real answer: what real Atlas sent, and which step of the official CLI's e2e test it answered.
type recording struct {
	file, operation, method, date string
	status                        int
	header                        http.Header
	body                          []byte
}

// loadRecordings reads index.json and every answer it lists: .snaphost files (httputil.DumpResponse output) and the
// older recorder's .json files (headers, __status__, base64 __body__).
func loadRecordings(t *testing.T) []recording {
	t.Helper()
	index, err := os.ReadFile(filepath.Join(realAnswers, "index.json"))
	if os.IsNotExist(err) {
		t.Skip("../shared/real-answers is absent (a user's clone): no real answers to replay")
	}
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Cases []struct {
			File, Operation, Method, Recorded string
			Status                            int
		}
	}
	if err := json.Unmarshal(index, &doc); err != nil {
		t.Fatalf("index.json: %v", err)
	}
	var out []recording
	for _, c := range doc.Cases {
		data, err := os.ReadFile(filepath.Join(realAnswers, c.File))
		if err != nil {
			t.Fatal(err)
		}
		rec := recording{file: c.File, operation: c.Operation, method: c.Method, date: c.Recorded, status: c.Status}
		if strings.HasSuffix(c.File, ".json") {
			var fields map[string][]string
			if err := json.Unmarshal(data, &fields); err != nil {
				t.Fatalf("%s: %v", c.File, err)
			}
			rec.header = http.Header{}
			for k, v := range fields {
				if !strings.HasPrefix(k, "__") {
					rec.header[http.CanonicalHeaderKey(k)] = v
				}
			}
			if rec.body, err = base64.StdEncoding.DecodeString(strings.Join(fields["__body__"], "")); err != nil {
				t.Fatalf("%s: body: %v", c.File, err)
			}
			if status, _ := strconv.Atoi(strings.Join(fields["__status__"], "")); status != c.Status {
				t.Fatalf("%s: status %d, index says %d", c.File, status, c.Status)
			}
		} else {
			resp, err := http.ReadResponse(bufio.NewReader(bytes.NewReader(data)), nil)
			if err != nil {
				t.Fatalf("%s: %v", c.File, err)
			}
			rec.header = resp.Header
			rec.body, err = io.ReadAll(resp.Body)
			if err != nil || resp.StatusCode != c.Status {
				t.Fatalf("%s: status %d (index %d), body: %v", c.File, resp.StatusCode, c.Status, err)
			}
		}
		out = append(out, rec)
	}
	return out
}

// Every real answer recorded by the official CLI's e2e test, replayed: each recording date's run (deleteLinkTokens
// without a link, createLinkToken, deleteLinkTokens) against a fresh emulator, comparing the status, Content-Type,
// X-Error-Code, RateLimit-* and Content-Length headers and the body field by field and in order (the link-token
// aside: the emulator's has the recorded one's shape). Where a later recording of the same answer differs (errorCode
// null until 2026-06, then UNEXPECTED_ERROR with X-Error-Code; RateLimit headers since 2026-01), the emulator answers
// as the latest, and the older recording is checked for everything else.
func TestReplayRealAtlasAnswers(t *testing.T) {
	recordings := loadRecordings(t)
	latest := map[string]recording{} // by operation and status
	var dates []string
	for _, r := range recordings {
		key := r.operation + " " + strconv.Itoa(r.status)
		if l, ok := latest[key]; !ok || r.date > l.date {
			latest[key] = r
		}
		if !slices.Contains(dates, r.date) {
			dates = append(dates, r.date)
		}
	}
	slices.Sort(dates)
	replayed := 0
	for _, date := range dates {
		t.Run(date, func(t *testing.T) {
			srv := start(t)
			s := newSession(t, srv, atlastest.DefaultPublicKey, atlastest.DefaultPrivateKey)
			// The e2e test's steps, in its order: cleanup, create, delete.
			steps := []struct {
				operation string
				status    int
				send      func() (*http.Response, []byte)
			}{
				{"deleteLinkTokens", 404, func() (*http.Response, []byte) { return s.do(http.MethodDelete, orgLinks, "", "") }},
				{"createLinkToken", 201, func() (*http.Response, []byte) {
					return s.do(http.MethodPost, orgLinks, media2023, `{"accessListIps":["1.2.3.4","5.6.7.8"]}`)
				}},
				{"deleteLinkTokens", 204, func() (*http.Response, []byte) { return s.do(http.MethodDelete, orgLinks, "", "") }},
			}
			for _, step := range steps {
				resp, body := step.send()
				for _, r := range recordings {
					if r.date != date || r.operation != step.operation || r.status != step.status {
						continue
					}
					compareAnswer(t, r, latest[r.operation+" "+strconv.Itoa(r.status)], resp, body)
					replayed++
				}
			}
		})
	}
	if replayed != len(recordings) {
		t.Errorf("replayed %d of %d recordings: index.json lists an answer the e2e steps do not produce", replayed, len(recordings))
	}
}

// compareAnswer compares the emulator's answer with recording r; latest is the latest recording of the same answer,
// whose differences from r (drift) r is excused.
func compareAnswer(t *testing.T, r, latest recording, resp *http.Response, body []byte) {
	t.Helper()
	name := filepath.Base(r.file)
	if resp.StatusCode != r.status {
		t.Errorf("%s: status %d, recorded %d", name, resp.StatusCode, r.status)
		return
	}
	drift, bodyDrift := map[string]bool{}, false
	if r.file != latest.file {
		for _, h := range []string{"X-Error-Code", "Ratelimit-Limit", "Ratelimit-Remaining"} {
			if r.header.Get(h) != latest.header.Get(h) {
				drift[h] = true
			}
		}
		if len(r.body) > 0 && len(latest.body) > 0 {
			old, now := bodyFields(t, r.body), bodyFields(t, latest.body)
			for field := range old {
				if field != "linkToken" && !reflect.DeepEqual(old[field], now[field]) {
					drift[field], bodyDrift = true, true
				}
			}
		}
		if len(drift) > 0 {
			t.Logf("%s: superseded by %s in %s", name, filepath.Base(latest.file), strings.Join(slices.Sorted(maps.Keys(drift)), ", "))
		}
	}
	for _, h := range []string{"Content-Type", "X-Error-Code", "Ratelimit-Limit", "Ratelimit-Remaining"} {
		if drift[h] {
			continue
		}
		if got, want := resp.Header.Get(h), r.header.Get(h); got != want {
			t.Errorf("%s: %s %q, recorded %q", name, h, got, want)
		}
	}
	if len(r.body) == 0 {
		if len(body) != 0 {
			t.Errorf("%s: a body of %d bytes, recorded none", name, len(body))
		}
		return
	}
	if got, want := jsonKeys(t, body), jsonKeys(t, r.body); !slices.Equal(got, want) {
		t.Errorf("%s: body fields %v, recorded %v", name, got, want)
	}
	got, want := bodyFields(t, body), bodyFields(t, r.body)
	for field, w := range want {
		switch {
		case drift[field]:
		case field == "linkToken":
			compareLinkTokens(t, name, got[field], w)
		case !reflect.DeepEqual(got[field], w):
			t.Errorf("%s: %s is %v, recorded %v", name, field, got[field], w)
		}
	}
	if cl := r.header.Get("Content-Length"); cl != "" && !bodyDrift && want["linkToken"] != "redactedToken" && resp.Header.Get("Content-Length") != cl {
		t.Errorf("%s: Content-Length %s, recorded %s", name, resp.Header.Get("Content-Length"), cl)
	}
}

// compareLinkTokens checks the emulator's link-token against a recorded one without showing either: a redacted one
// only says there was a string; a whole one (synthetic, of a real one's structure) must match it in length and in
// the keys of its JSON.
func compareLinkTokens(t *testing.T, name string, got, recorded any) {
	t.Helper()
	token, ok := got.(string)
	if !ok || token == "" {
		t.Errorf("%s: no link-token", name)
		return
	}
	if recorded == "redactedToken" {
		return
	}
	want := recorded.(string)
	gotJSON, err1 := base64.StdEncoding.DecodeString(token)
	wantJSON, err2 := base64.StdEncoding.DecodeString(want)
	if err1 != nil || err2 != nil || len(token) != len(want) || !slices.Equal(jsonKeys(t, gotJSON), jsonKeys(t, wantJSON)) {
		t.Errorf("%s: the link-token's shape differs from the recorded one (%d characters, recorded %d)", name, len(token), len(want))
	}
}

func bodyFields(t *testing.T, body []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatalf("body is not a JSON object: %v", err)
	}
	return m
}
