package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"github.com/atlas-linktoken/atlas-linktoken/gen"
	"github.com/atlas-linktoken/atlas-linktoken/pkg/atlas"
	"strings"
	"testing"
)

// FuzzOutputTemplate: any --output value and any response body; parsing and rendering never panic. Templates that
// loop ("range" can count to any number) are the user's own and are not fuzzed; file templates read no files here.
func FuzzOutputTemplate(f *testing.F) {
	for _, seed := range []struct{ output, body string }{
		{"json", `{"linkToken":"abc"}`},
		{"{{.linkToken}}", `{"linkToken":"abc"}`},
		{"go-template={{.n}} {{printf \"%v\" .f}}", `{"n":1200000,"f":1e400}`},
		{"{{.missing}}", `{}`},
		{"{{index . 0}}", `[1,2]`},
		{"{{.a.b.c}}", `{"a":null}`},
		{"{{", `not json`},
		{"{{template \"x\"}}", `{}`},
	} {
		f.Add(seed.output, []byte(seed.body))
	}
	f.Fuzz(func(t *testing.T, output string, body []byte) {
		if strings.Contains(output, "range") || strings.HasPrefix(output, "go-template-file=") {
			t.Skip()
		}
		format, err := newFormatter(output)
		if err != nil {
			return
		}
		_, _ = format.format(body, true, true)
	})
}

// FuzzRequestBody: whatever arrives on stdin, reading and checking it never panics, and what passes is valid JSON
// the library accepts.
func FuzzRequestBody(f *testing.F) {
	createLinkToken := findCommandOperation(f, "createLinkToken")
	for _, seed := range []string{`{"accessListIps":["203.0.113.7"]}`, "", "{", `{"accessListIps":[1]}`, "\xff\xfe{}"} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		body, err := readBody(context.Background(), Environment{Stdin: bytes.NewReader(data), StdinIsPiped: true}, "", createLinkToken, "2023-01-01")
		if err == nil && !bytes.Equal(body, data) {
			t.Fatalf("accepted body changed: %q → %q", data, body)
		}
	})
}

// findCommandOperation describes operation id of the generated table, as the CLI's commands do.
func findCommandOperation(tb testing.TB, id string) *operation {
	tb.Helper()
	if gen.OperationByID(id) == nil {
		tb.Fatalf("no operation %s", id)
	}
	return operationByID(id)
}

// FuzzCheckBody: whatever the bytes, checking a createLinkToken body never panics; what it accepts decodes as a
// TargetOrgRequest whose re-encoding is accepted too, and what it refuses is a body error naming the problem.
func FuzzCheckBody(f *testing.F) {
	for _, seed := range []string{`{"accessListIps":["1.2.3.4","10.0.0.0/8","2001:db8::/32"]}`, `{}`, `{"accessListIps":[]}`,
		`{"accessListIps":null}`, `{"accessListIPs":[]}`, `[`, `{"accessListIps":"x"}`, "{\n\"a\":1}", `{} {}`, `{"accessListIps":["fe80::1%eth0"]}`} {
		f.Add([]byte(seed))
	}
	op := findCommandOperation(f, "createLinkToken")
	f.Fuzz(func(t *testing.T, data []byte) {
		err := op.checkBody(data, "2023-01-01")
		if err != nil {
			var bodyErr *bodyError
			if !errors.As(err, &bodyErr) || bodyErr.problem.Reason == "" {
				t.Fatalf("error is not a body error naming its problem: %v", err)
			}
			return
		}
		var req atlas.TargetOrgRequest
		if err := json.Unmarshal(data, &req); err != nil {
			t.Fatalf("accepted %q, which is no TargetOrgRequest: %v", data, err)
		}
		again, err := json.Marshal(req)
		if err != nil {
			t.Fatal(err)
		}
		if err := op.checkBody(again, "2023-01-01"); err != nil {
			t.Fatalf("accepted %q, but not its re-encoding %q: %v", data, again, err)
		}
	})
}

// FuzzRedactDump: a secret member after any other JSON member, or a secret form field after any text, never shows
// in --debug's dump, whatever the other member holds (quotes, colons, escapes) and however the name is cased.
func FuzzRedactDump(f *testing.F) {
	f.Add(`":"`, "Qsecret123", "linkToken", true)
	f.Add(`a=1;`, "Qsecret123", "password", false)
	f.Add(`\u0022`, "Qsecret123", "CLIENT_SECRET", true)
	f.Fuzz(func(t *testing.T, other, value, name string, asJSON bool) {
		if len(value) < 6 || strings.ContainsFunc(value, func(r rune) bool { return !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9') }) ||
			strings.Contains(other, value) || !isSecretName(name) || strings.ContainsAny(name, "=&%+") {
			return
		}
		var body string
		if asJSON {
			o, _ := json.Marshal([]any{other, map[string]string{other: other}})
			k, _ := json.Marshal(name)
			body = `{"o":` + string(o) + `,` + string(k) + `:"` + value + `"}`
		} else {
			if formName.MatchString(other[max(0, len(other)-1):] + "=") {
				other += "&" // a name character there would make other's end and name one longer name
			}
			body = other + name + "=" + value
		}
		if strings.Count(body, value) != 1 {
			return // the value shows elsewhere too (in other's encoding, say)
		}
		if out := redactDump([]byte(body)); bytes.Contains(out, []byte(value)) {
			t.Errorf("%s\n→ %s", body, out)
		}
	})
}
