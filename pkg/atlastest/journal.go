package atlastest

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/icholy/digest"
)

// MaxJournalEntries bounds the journal: it keeps the latest requests, the oldest leave first.
const MaxJournalEntries = 1024

// Bounds on what a journal entry keeps of a request's path and query (longer ones keep their beginning and "…").
const (
	maxJournalPath  = 1024
	maxJournalQuery = 1024
	maxJournalValue = 128
)

// JournalEntry is one request that reached the emulated APIs, as GET /_emulator/requests lists it (WireMock's
// request journal): never a secret, a token, a password or a link-token. The path is as sent (escaped); the query
// keeps the values of the parameters the operation declares (pretty, envelope, …) and shows every other value as
// "REDACTED"; Principal is the API key's public key or the service account's client ID once authenticated.
type JournalEntry struct {
	Time        time.Time `json:"time"` // on the emulator's clock, when the request arrived
	Method      string    `json:"method"`
	Path        string    `json:"path"`
	Query       string    `json:"query,omitempty"`
	OperationID string    `json:"operationId,omitempty"` // "" for a path no operation has
	Principal   string    `json:"principal,omitempty"`
	Auth        string    `json:"auth,omitempty"` // the AuthOutcome: ok, missing, bad-key, stale, …
	Status      int       `json:"status"`         // 0: no answer (a fault reset the connection, or the client left)
	Created     []string  `json:"created,omitempty"`
	FaultID     string    `json:"faultId,omitempty"` // the fault (FaultRule) that answered or delayed it
}

// journalNote is what the journal keeps of a request beyond what Requests records.
type journalNote struct {
	generation uint64 // ctl.generation when the request arrived
	time       time.Time
	faultID    string
}

// arrival notes when a request arrived, for the journal.
func (s *Server) arrival() journalNote {
	return journalNote{generation: s.ctl.generation.Load(), time: s.now()}
}

// Journal lists the requests that reached the emulated APIs, oldest first: at most MaxJournalEntries, none from
// before the last Reset or ClearJournal. Control requests are not in it.
func (s *Server) Journal() []JournalEntry {
	s.ctl.mu.Lock()
	defer s.ctl.mu.Unlock()
	out := make([]JournalEntry, s.ctl.journal.len())
	for i := range out {
		e := s.ctl.journal.at(i)
		e.Created = slices.Clone(e.Created)
		out[i] = e
	}
	return out
}

// ClearJournal empties the journal.
func (s *Server) ClearJournal() {
	s.ctl.mu.Lock()
	s.ctl.journal = ring[JournalEntry]{}
	s.ctl.mu.Unlock()
}

// journalize adds the answered request to the journal.
func (s *Server) journalize(rec *recorder, r *http.Request) {
	note := rec.note
	if note.time.IsZero() {
		note = s.arrival()
	}
	op := resolveOperation(r.Method, r.URL.Path)
	e := JournalEntry{
		Time:        note.time.UTC(),
		Method:      r.Method,
		Path:        clip((&url.URL{Path: r.URL.Path}).EscapedPath(), maxJournalPath),
		Query:       redactQuery(rec.req.RawQuery, op.query), // as sent: validation may add defaults to r's
		OperationID: op.id,
		Auth:        string(rec.req.Auth),
		Status:      rec.req.Status,
		FaultID:     note.faultID,
	}
	if rec.req.Auth == AuthOK {
		e.Principal = s.principalOf(r)
	}
	if e.Status >= 200 && e.Status < 300 && (r.Method == http.MethodPost || r.Method == http.MethodPut || r.Method == http.MethodPatch) {
		e.Created = createdIDs(rec.req.ResponseBody)
	}
	s.ctl.mu.Lock()
	defer s.ctl.mu.Unlock()
	if note.generation != s.ctl.generation.Load() {
		return // it arrived before a Reset: the journal starts after it
	}
	for s.ctl.journal.len() >= MaxJournalEntries {
		s.ctl.journal.pop()
	}
	s.ctl.journal.push(e)
}

// principalOf names who authenticated r: the client ID of HTTP Basic at the token endpoint, the service account of
// a bearer token, or the public key of digest credentials. Never a secret.
func (s *Server) principalOf(r *http.Request) string {
	if r.URL.Path == TokenPath {
		if id, _, ok := r.BasicAuth(); ok {
			if unescaped, err := url.QueryUnescape(id); err == nil {
				return clip(unescaped, maxJournalValue)
			}
		}
		return ""
	}
	header := r.Header.Get("Authorization")
	if token, ok := cutBearer(header); ok {
		if p := s.tokens.lookup(token); p != nil {
			return p.name
		}
		return ""
	}
	if cred, err := digest.ParseCredentials(header); err == nil {
		return clip(cred.Username, maxJournalValue)
	}
	return ""
}

// redactQuery keeps the names of a query, and the values of the parameters in declared; other values, which no
// operation asked for and which could be anything, are shown as REDACTED.
func redactQuery(raw string, declared []string) string {
	if raw == "" {
		return ""
	}
	var b strings.Builder
	for _, part := range strings.Split(raw, "&") {
		if part == "" {
			continue
		}
		name, value, hasValue := strings.Cut(part, "=")
		if b.Len() > 0 {
			b.WriteByte('&')
		}
		b.WriteString(clip(name, maxJournalValue))
		if !hasValue {
			continue
		}
		b.WriteByte('=')
		if decoded, err := url.QueryUnescape(name); err == nil && slices.Contains(declared, decoded) {
			b.WriteString(clip(value, maxJournalValue))
		} else {
			b.WriteString("REDACTED")
		}
	}
	return clip(b.String(), maxJournalQuery)
}

// createdIDs are the IDs an action's answer names: its _id or id (in the envelope's content too).
func createdIDs(body []byte) []string {
	var answer map[string]any
	if json.Unmarshal(body, &answer) != nil {
		return nil
	}
	if content, ok := answer["content"].(map[string]any); ok {
		answer = content
	}
	for _, key := range []string{"_id", "id"} {
		if id, ok := answer[key].(string); ok && objectIDShape.MatchString(id) {
			return []string{id}
		}
	}
	return nil
}

func clip(s string, limit int) string {
	if len(s) <= limit {
		return s
	}
	cut := limit
	for cut > 0 && s[cut]&0xC0 == 0x80 { // do not split a UTF-8 sequence
		cut--
	}
	return s[:cut] + "…"
}
