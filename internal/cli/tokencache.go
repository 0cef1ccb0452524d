package cli

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/atlas-linktoken/atlas-linktoken/pkg/atlas"
)

// fileTokenStore keeps a service account's access token between invocations, as the official CLI does since it
// learnt that scripts hit Atlas' limit of about 100 tokens an hour: one file per base URL, client ID and client
// secret under the user's cache directory, mode 0600 in 0700 directories, holding the token and its expiry, never
// the secret. The user's config.toml is never written.
//
// The cache is used only when its directories and file belong to the current user and nobody else can write them
// (read them, for the file), and the file is a regular file: a FIFO, a device or a symbolic link there is never
// opened in a way that blocks or follows it. Otherwise the cache is ignored, with one warning. Every other failure
// is ignored silently: the cache only saves token requests.
type fileTokenStore struct {
	path string    // the token file: <cache dir>/atlas-linktoken/tokens/<key>.json
	dirs [2]string // its directories, outermost first: both created 0700 by the store, both checked
	uid  int       // the owner the store trusts: the current user
	warn io.Writer // where the one warning goes

	warnOnce sync.Once
}

type cachedToken struct {
	AccessToken string    `json:"access_token"`
	Expiry      time.Time `json:"expiry"`
}

// maxTokenFile bounds what Load reads.
const maxTokenFile = 64 << 10

// newFileTokenStore returns the store for baseURL, clientID and clientSecret below cacheDir, warning on warn; nil
// when there is no cache directory, or when the platform cannot tell who owns a file. The file's name is a keyed
// fingerprint of the three (HMAC-SHA-256 under the secret, truncated): another secret for the same client ID finds
// another file, so changed credentials always mint a new token, and the name does not reveal the secret.
func newFileTokenStore(cacheDir, baseURL, clientID, clientSecret string, warn io.Writer) *fileTokenStore {
	if cacheDir == "" || !tokenCacheSupported {
		return nil
	}
	mac := hmac.New(sha256.New, []byte(clientSecret))
	mac.Write([]byte("atlas-linktoken token cache\x00" + baseURL + "\x00" + clientID))
	base := filepath.Join(cacheDir, "atlas-linktoken")
	tokens := filepath.Join(base, "tokens")
	return &fileTokenStore{path: filepath.Join(tokens, hex.EncodeToString(mac.Sum(nil)[:16])+".json"),
		dirs: [2]string{base, tokens}, uid: os.Getuid(), warn: warn}
}

// warnf prints the store's one warning. Its text names paths, owners and modes, never a token.
func (s *fileTokenStore) warnf(format string, args ...any) {
	s.warnOnce.Do(func() {
		fmt.Fprintf(s.warn, "Warning: not using the service-account token cache: "+format+"\n", args...)
	})
}

// dirsTrusted reports whether both directories exist, are directories (not symbolic links), belong to the current
// user and are not writable by group or others; it warns when one exists but is not. A missing directory is not
// trusted, silently.
func (s *fileTokenStore) dirsTrusted() bool {
	for _, dir := range s.dirs {
		info, err := os.Lstat(dir)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			return false
		case err != nil:
			s.warnf("%v", err)
			return false
		case !info.IsDir():
			s.warnf("%s is not a directory (%s)", dir, fileType(info))
			return false
		}
		if owner, ok := fileOwner(info); !ok || owner != s.uid {
			s.warnf("%s belongs to another user (uid %d): remove it, and it is created anew", dir, owner)
			return false
		}
		if perm := info.Mode().Perm(); perm&0o022 != 0 {
			s.warnf("%s is writable by group or others (mode %04o): run chmod 700 %s", dir, perm, dir)
			return false
		}
	}
	return true
}

// fileProblem says why info, the token file's, is not to be trusted; "" when it is.
func (s *fileTokenStore) fileProblem(info fs.FileInfo) string {
	if !info.Mode().IsRegular() {
		return fmt.Sprintf("%s is not a regular file (%s)", s.path, fileType(info))
	}
	if owner, ok := fileOwner(info); !ok || owner != s.uid {
		return fmt.Sprintf("%s belongs to another user (uid %d)", s.path, owner)
	}
	if perm := info.Mode().Perm(); perm&0o077 != 0 {
		return fmt.Sprintf("%s is open to group or others (mode %04o)", s.path, perm)
	}
	if info.Size() > maxTokenFile {
		return fmt.Sprintf("%s is larger than %d bytes", s.path, maxTokenFile)
	}
	return ""
}

func fileType(info fs.FileInfo) string {
	switch t := info.Mode().Type(); {
	case t&fs.ModeSymlink != 0:
		return "a symbolic link"
	case t&fs.ModeNamedPipe != 0:
		return "a FIFO"
	case t&fs.ModeSocket != 0:
		return "a socket"
	case t&fs.ModeDevice != 0:
		return "a device"
	case t.IsDir():
		return "a directory"
	case t.IsRegular():
		return "a regular file"
	default:
		return "mode " + t.String()
	}
}

// Load returns the cached token when directories and file are trusted. It checks the path before opening it, opens
// it without following a symbolic link or blocking (a FIFO swapped in meanwhile), and checks what it opened.
func (s *fileTokenStore) Load() (atlas.Token, bool) {
	if !s.dirsTrusted() {
		return atlas.Token{}, false
	}
	before, err := os.Lstat(s.path)
	if err != nil {
		return atlas.Token{}, false // none cached yet
	}
	if problem := s.fileProblem(before); problem != "" {
		s.warnf("%s", problem)
		return atlas.Token{}, false
	}
	fh, err := openTokenFile(s.path)
	if err != nil {
		return atlas.Token{}, false
	}
	defer fh.Close()
	info, err := fh.Stat()
	if err != nil || !os.SameFile(before, info) {
		return atlas.Token{}, false // replaced meanwhile: next time
	}
	if problem := s.fileProblem(info); problem != "" {
		s.warnf("%s", problem)
		return atlas.Token{}, false
	}
	var t cachedToken
	if json.NewDecoder(io.LimitReader(fh, maxTokenFile)).Decode(&t) != nil {
		return atlas.Token{}, false
	}
	return atlas.Token{AccessToken: t.AccessToken, Expiry: t.Expiry}, true
}

// Save writes t to a new file, mode 0600, renamed over the old one, in directories it creates or trusts.
func (s *fileTokenStore) Save(t atlas.Token) {
	data, err := json.Marshal(cachedToken{AccessToken: t.AccessToken, Expiry: t.Expiry})
	if err != nil {
		return
	}
	if err := os.MkdirAll(s.dirs[1], 0o700); err != nil {
		return
	}
	if !s.dirsTrusted() {
		return
	}
	_ = writeFileAtomic(s.path, data)
}

func (s *fileTokenStore) Delete(accessToken string) {
	if t, ok := s.Load(); ok && t.AccessToken == accessToken {
		_ = os.Remove(s.path)
	}
}
