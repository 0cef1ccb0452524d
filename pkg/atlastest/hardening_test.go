package atlastest_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/atlas-linktoken/atlas-linktoken/gen"
	"github.com/atlas-linktoken/atlas-linktoken/internal/bodycheck"
	"github.com/atlas-linktoken/atlas-linktoken/pkg/atlastest"
)

// Requests keeps bodies within a byte bound, whatever clients send: 16 unauthenticated 1 MiB POSTs leave at most
// the configured bytes recorded (each body cut at 64 KiB: only the latest few fit).
func TestRecordingIsBoundedInBytes(t *testing.T) {
	const limit = 256 << 10
	srv := start(t, atlastest.WithRecording(1024, limit))
	big := bytes.Repeat([]byte("a"), 1<<20)
	for range 16 {
		resp, err := http.Post(srv.URL+v2Path, mediaType, bytes.NewReader(big))
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	var sum int64
	reqs := srv.Requests()
	for _, r := range reqs {
		sum += int64(len(r.Body) + len(r.ResponseBody))
		if len(r.Body) > atlastest.DefaultRecordedBodyBytes || !r.Truncated {
			t.Fatalf("recorded body of %d bytes (truncated %v): each body must be cut at %d", len(r.Body), r.Truncated, atlastest.DefaultRecordedBodyBytes)
		}
	}
	if sum > limit || srv.RecordedBytes() != sum {
		t.Errorf("recorded %d bytes (RecordedBytes %d), bound %d", sum, srv.RecordedBytes(), limit)
	}
	if len(reqs) == 0 || len(reqs) == 16 {
		t.Errorf("%d requests kept: the byte bound should keep the latest few, not all 16", len(reqs))
	}
	if srv.RequestCount() != 16 {
		t.Errorf("RequestCount %d, want 16", srv.RequestCount())
	}
}

// The server closes idle keep-alive connections and cuts off clients that send their body too slowly.
func TestIdleAndSlowConnectionsAreClosed(t *testing.T) {
	srv := start(t, atlastest.WithIdleTimeout(100*time.Millisecond), atlastest.WithReadTimeout(200*time.Millisecond))
	addr := strings.TrimPrefix(srv.URL, "http://")

	idle, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer idle.Close()
	fmt.Fprintf(idle, "GET /api/atlas/v2/nothing HTTP/1.1\r\nHost: x\r\n\r\n")
	resp, err := http.ReadResponse(bufio.NewReader(idle), nil)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if !closedByServer(t, idle) {
		t.Error("an idle keep-alive connection stayed open past the idle timeout")
	}

	slow, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Close()
	fmt.Fprintf(slow, "POST %s HTTP/1.1\r\nHost: x\r\nContent-Type: %s\r\nContent-Length: 100\r\n\r\n{", v2Path, mediaType)
	if !closedByServer(t, slow) {
		t.Error("a connection sending its body too slowly stayed open past the read timeout")
	}
}

// closedByServer reads until the server closes conn, for at most 10 s.
func closedByServer(t *testing.T, conn net.Conn) bool {
	t.Helper()
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	_, err := io.Copy(io.Discard, conn)
	var netErr net.Error
	return err == nil || !(errors.As(err, &netErr) && netErr.Timeout())
}

// Close ends waits inside handlers and returns only when every handler has returned.
func TestCloseWaitsForHandlersAndEndsTheirWaits(t *testing.T) {
	var returned atomic.Int32
	srv, err := atlastest.NewServer(atlastest.WithLatency(time.Minute),
		atlastest.WithRequestHook(func(atlastest.Request) { returned.Add(1) }))
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		resp, err := http.Post(srv.URL+v2Path, mediaType, strings.NewReader(`{}`))
		if err == nil {
			resp.Body.Close()
		}
	}()
	for i := 0; srv.RequestCount() == 0 && i < 1000; i++ {
		time.Sleep(5 * time.Millisecond)
	}
	if srv.RequestCount() == 0 {
		t.Fatal("the request never arrived")
	}
	closed := make(chan struct{})
	go func() { srv.Close(); close(closed) }()
	select {
	case <-closed:
	case <-time.After(30 * time.Second):
		t.Fatal("Close still waiting after 30 s for a handler sleeping a minute: its wait did not end")
	}
	if returned.Load() != 1 {
		t.Error("Close returned while a handler was still running")
	}
	<-done
}

// The emulator must not accept what the client (rightly) refuses, and must accept what it sends: the same bodies
// go to the CLI's strict parser (cli.ParseTargetOrgRequest) and to the emulator.
func TestClientAndEmulatorAgreeOnEveryBody(t *testing.T) {
	srv := start(t)
	for _, tc := range []struct {
		body  string
		code  string // "" for accepted
		field string
	}{
		{`{}`, "", ""},
		{`{"accessListIps":[]}`, "", ""},
		{`{"accessListIps":["203.0.113.7","198.51.100.0/24","2001:db8::1","2001:db8::/32"]}`, "", ""},
		{" \n{\"accessListIps\":[\"10.0.0.1\"]}\n ", "", ""},
		{`{"accessListIPs":["203.0.113.7"]}`, "INVALID_ATTRIBUTE", "accessListIPs"},
		{`{"accessListIps":["1.2.3.4"],"extra":1}`, "INVALID_ATTRIBUTE", "extra"},
		{`{"accessListIps":["999.1.1.1"]}`, "INVALID_IP_ADDRESS_OR_CIDR_NOTATION", "accessListIps[0]"},
		{`{"accessListIps":["10.0.0.1","10.0.0.0/33"]}`, "INVALID_IP_ADDRESS_OR_CIDR_NOTATION", "accessListIps[1]"},
		{`{"accessListIps":[""]}`, "INVALID_IP_ADDRESS_OR_CIDR_NOTATION", "accessListIps[0]"},
		{`{"accessListIps":["1.2.3.4"]} trailing`, "INVALID_JSON", "body"},
		{`{"accessListIps":[]}{}`, "INVALID_JSON", "body"},
		{"{\"accessListIps\":[\"1.2.3.4\xff\"]}", "INVALID_JSON", "body"},
		{`{"accessListIps":null}`, "VALIDATION_ERROR", "accessListIps"},
		{`{"accessListIps":"1.2.3.4"}`, "VALIDATION_ERROR", "accessListIps"},
		{`{"accessListIps":[5]}`, "VALIDATION_ERROR", "accessListIps[0]"},
		{`[]`, "VALIDATION_ERROR", "body"},
		{`{"accessListIps":`, "VALIDATION_ERROR", "body"},
	} {
		t.Run(tc.body, func(t *testing.T) {
			clientErr := bodycheck.Check([]byte(tc.body), gen.OperationByID("createLinkToken").Version("2023-01-01").Request, bodycheck.Request)
			resp, answer := do(t, srv, call{path: v2Path, contentType: mediaType, body: tc.body})
			accepted := resp.StatusCode == http.StatusCreated
			if accepted != (clientErr == nil) { // the check the CLI and the library apply before sending
				t.Fatalf("client says %v, emulator answers %d %s: they must agree", clientErr, resp.StatusCode, answer)
			}
			if tc.code == "" {
				if !accepted {
					t.Fatalf("valid body refused: %d %s", resp.StatusCode, answer)
				}
				return
			}
			var e apiError
			if err := json.Unmarshal(answer, &e); err != nil || resp.StatusCode != 400 || e.ErrorCode != tc.code {
				t.Fatalf("want 400 %s, got %d %s", tc.code, resp.StatusCode, answer)
			}
			if e.BadRequestDetail == nil || len(e.BadRequestDetail.Fields) != 1 || e.BadRequestDetail.Fields[0].Field != tc.field {
				t.Errorf("field %q not named: %s", tc.field, answer)
			}
		})
	}
}
