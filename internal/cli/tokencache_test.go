//go:build unix

package cli

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/atlas-linktoken/atlas-linktoken/pkg/atlas"
	"github.com/atlas-linktoken/atlas-linktoken/pkg/atlastest"
)

// linkCreate runs `liveMigrations link create` in-process as the emulator's service account with secret, caching
// tokens below cacheDir.
func linkCreate(t *testing.T, srv *atlastest.Server, cacheDir, secret string) (code int, stderr string) {
	t.Helper()
	var stdout, errBuf bytes.Buffer
	env := Environment{Stdin: strings.NewReader(""), Stdout: &stdout, Stderr: &errBuf, CacheDir: cacheDir,
		Getenv: envOf(map[string]string{"MONGODB_ATLAS_OPS_MANAGER_URL": srv.URL, "MONGODB_ATLAS_CLIENT_ID": atlastest.DefaultClientID,
			"MONGODB_ATLAS_CLIENT_SECRET": secret})}
	code = Run(t.Context(), strings.Fields("liveMigrations link create --accessListIp 203.0.113.7 -o json --orgId "+atlastest.DefaultOrgID), env)
	return code, errBuf.String()
}

func newEmulator(t *testing.T) *atlastest.Server {
	t.Helper()
	srv, err := atlastest.NewServer()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	return srv
}

// cachedAccessToken is the token in the cache's only file.
func cachedAccessToken(t *testing.T, cacheDir string) (path, token string) {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(cacheDir, "atlas-linktoken", "tokens", "*.json"))
	if len(files) != 1 {
		t.Fatalf("cache files %q", files)
	}
	data, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	var c cachedToken
	if err := json.Unmarshal(data, &c); err != nil || c.AccessToken == "" {
		t.Fatalf("cache file: %v", err)
	}
	return files[0], c.AccessToken
}

// A token cached for a client ID is not used with another secret: the file is keyed by a fingerprint of the secret
// too, so changed credentials mint a new token (here refused: the secret is wrong).
func TestTokenCacheIsKeyedByTheSecret(t *testing.T) {
	srv := newEmulator(t)
	cache := t.TempDir()
	if code, stderr := linkCreate(t, srv, cache, atlastest.DefaultClientSecret); code != ExitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if code, stderr := linkCreate(t, srv, cache, atlastest.DefaultClientSecret); code != ExitOK || srv.TokenRequests() != 1 {
		t.Fatalf("the token was not cached: exit %d, %d token requests: %s", code, srv.TokenRequests(), stderr)
	}
	code, stderr := linkCreate(t, srv, cache, "wrong-secret-123")
	if code != ExitFailure || !strings.Contains(stderr, "token endpoint rejected") {
		t.Errorf("another secret used the cached token: exit %d: %s", code, stderr)
	}
	a := newFileTokenStore(cache, srv.URL, "id", "secret-1", nil)
	for _, b := range []*fileTokenStore{newFileTokenStore(cache, srv.URL, "id", "secret-2", nil),
		newFileTokenStore(cache, srv.URL, "id2", "secret-1", nil), newFileTokenStore(cache, srv.URL+"x", "id", "secret-1", nil)} {
		if a.path == b.path {
			t.Error("two credentials share a cache file")
		}
	}
	if strings.Contains(a.path, "secret-1") {
		t.Error("the cache file is named after the secret")
	}
}

// Directories or a file that another user owns, or that others can write, are not used: one warning, without the
// token, and a new token is minted. A file open to others is replaced by the next token saved.
func TestTokenCacheTrustsOnlyTheUsersOwnFiles(t *testing.T) {
	const otherUID = 54321
	for _, tc := range []struct {
		name, want string
		root       bool // needs root, to give a file away
		tamper     func(t *testing.T, cache, file string)
		healed     bool // the next run uses the cache again
	}{
		{name: "world-writable tokens directory", want: "writable by group or others (mode 0777)",
			tamper: func(t *testing.T, cache, _ string) {
				chmod(t, filepath.Join(cache, "atlas-linktoken", "tokens"), 0o777)
			}},
		{name: "group-writable parent directory", want: "writable by group or others (mode 0770)",
			tamper: func(t *testing.T, cache, _ string) { chmod(t, filepath.Join(cache, "atlas-linktoken"), 0o770) }},
		{name: "file readable by others", want: "open to group or others (mode 0644)", healed: true,
			tamper: func(t *testing.T, _, file string) { chmod(t, file, 0o644) }},
		{name: "file of another user", want: "belongs to another user (uid 54321)", root: true, healed: true,
			tamper: func(t *testing.T, _, file string) { chown(t, file, otherUID) }},
		{name: "tokens directory of another user", want: "belongs to another user (uid 54321)", root: true,
			tamper: func(t *testing.T, cache, _ string) {
				chown(t, filepath.Join(cache, "atlas-linktoken", "tokens"), otherUID)
			}},
		{name: "symbolic link", want: "not a regular file (a symbolic link)", healed: true,
			tamper: func(t *testing.T, cache, file string) {
				elsewhere := filepath.Join(cache, "elsewhere.json")
				if err := os.Rename(file, elsewhere); err != nil {
					t.Fatal(err)
				}
				if err := os.Symlink(elsewhere, file); err != nil {
					t.Fatal(err)
				}
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.root && os.Getuid() != 0 {
				t.Skip("giving a file to another user needs root")
			}
			srv := newEmulator(t)
			cache := t.TempDir()
			if code, stderr := linkCreate(t, srv, cache, atlastest.DefaultClientSecret); code != ExitOK {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			file, token := cachedAccessToken(t, cache)
			tc.tamper(t, cache, file)
			code, stderr := linkCreate(t, srv, cache, atlastest.DefaultClientSecret)
			if code != ExitOK || srv.TokenRequests() != 2 {
				t.Errorf("exit %d, %d token requests (want a new token): %s", code, srv.TokenRequests(), stderr)
			}
			if strings.Count(stderr, "Warning:") != 1 || !strings.Contains(stderr, "not using the service-account token cache") ||
				!strings.Contains(stderr, tc.want) {
				t.Errorf("want one warning with %q: %s", tc.want, stderr)
			}
			if strings.Contains(stderr, token) {
				t.Error("the warning shows the token")
			}
			code, stderr = linkCreate(t, srv, cache, atlastest.DefaultClientSecret)
			if want := map[bool]int{true: 2, false: 3}[tc.healed]; code != ExitOK || srv.TokenRequests() != want {
				t.Errorf("next run: exit %d, %d token requests, want %d: %s", code, srv.TokenRequests(), want, stderr)
			}
		})
	}
}

// A FIFO at the token file's path is never opened in a way that blocks (open(2) of a FIFO waits for a writer): the
// cache is ignored with a warning.
func TestTokenCacheNeverBlocksOnAFIFO(t *testing.T) {
	var warn bytes.Buffer
	store := newFileTokenStore(t.TempDir(), "http://127.0.0.1:9/", "id", "secret-1", &warn)
	if err := os.MkdirAll(filepath.Dir(store.path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(store.path, 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	done := make(chan bool, 1)
	go func() {
		_, ok := store.Load()
		done <- ok
	}()
	select {
	case ok := <-done:
		if ok {
			t.Error("a token was loaded from a FIFO")
		}
	case <-time.After(time.Minute): // a bound, not a timing assertion: the load never finishes
		if w, err := os.OpenFile(store.path, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
			w.Close() // release the blocked open
		}
		t.Fatal("loading the token blocked on a FIFO")
	}
	if !strings.Contains(warn.String(), "not a regular file (a FIFO)") {
		t.Errorf("warning %q", warn.String())
	}
	store.Save(atlas.Token{AccessToken: "tok", Expiry: time.Now().Add(time.Hour)})
	if tok, ok := store.Load(); !ok || tok.AccessToken != "tok" {
		t.Error("a token saved over the FIFO was not loaded")
	}
}

func chmod(t *testing.T, path string, mode os.FileMode) {
	t.Helper()
	if err := os.Chmod(path, mode); err != nil {
		t.Fatal(err)
	}
}

func chown(t *testing.T, path string, uid int) {
	t.Helper()
	if err := os.Lchown(path, uid, uid); err != nil {
		t.Fatal(err)
	}
}
