package cli

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"time"

	"github.com/atlas-linktoken/atlas-linktoken/pkg/atlas"
)

// fileTokenStore keeps a service account's access token between invocations, as the official CLI does since it
// learnt that scripts hit Atlas' limit of about 100 tokens an hour: one file per base URL and client ID under the
// user's cache directory, mode 0600 in a 0700 directory, holding the token and its expiry, never the secret. The
// user's config.toml is never written. Every failure is ignored: the cache only saves token requests.
type fileTokenStore struct{ path string }

type cachedToken struct {
	AccessToken string    `json:"access_token"`
	Expiry      time.Time `json:"expiry"`
}

// newFileTokenStore returns the store for baseURL and clientID below cacheDir, or nil when there is no cache
// directory.
func newFileTokenStore(cacheDir, baseURL, clientID string) *fileTokenStore {
	if cacheDir == "" {
		return nil
	}
	key := sha256.Sum256([]byte(baseURL + "\n" + clientID))
	return &fileTokenStore{path: filepath.Join(cacheDir, "atlas-linktoken", "tokens", hex.EncodeToString(key[:16])+".json")}
}

func (s *fileTokenStore) Load() (atlas.Token, bool) {
	fh, err := openInput(s.path)
	if err != nil {
		return atlas.Token{}, false
	}
	defer fh.Close()
	if info, err := fh.Stat(); err != nil || info.Mode().Perm()&0o077 != 0 || info.Size() > 64<<10 {
		return atlas.Token{}, false // readable by others, or not ours: do not trust it
	}
	var t cachedToken
	if json.NewDecoder(fh).Decode(&t) != nil {
		return atlas.Token{}, false
	}
	return atlas.Token{AccessToken: t.AccessToken, Expiry: t.Expiry}, true
}

func (s *fileTokenStore) Save(t atlas.Token) {
	data, err := json.Marshal(cachedToken{AccessToken: t.AccessToken, Expiry: t.Expiry})
	if err != nil {
		return
	}
	if err := os.MkdirAll(filepath.Dir(s.path), 0o700); err != nil {
		return
	}
	_ = writeFileAtomic(s.path, data)
}

func (s *fileTokenStore) Delete(accessToken string) {
	if t, ok := s.Load(); ok && t.AccessToken == accessToken {
		_ = os.Remove(s.path)
	}
}
