package cli

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/BurntSushi/toml"

	"github.com/atlas-linktoken/atlas-linktoken/internal/redact"
	"github.com/atlas-linktoken/atlas-linktoken/pkg/atlas"
)

const (
	envPrefix      = "MONGODB_ATLAS_"
	legacyPrefix   = "MCLI_" // the official CLI's older prefix, honoured after MONGODB_ATLAS_
	defaultProfile = "default"
	cloudURL       = "https://cloud.mongodb.com/"
	cloudGovURL    = "https://cloud.mongodbgov.com/"
)

// config is what the official Atlas CLI's configuration gives this command: one profile of config.toml, with
// MONGODB_ATLAS_* environment variables laid over it. It is only ever read, never written.
type config struct {
	path        string            // config.toml looked at (it may not exist)
	profileName string            // the profile in use
	profile     map[string]string // its keys; empty when the file or profile is absent
	getenv      func(string) string
	warnings    []string // problems worth telling the user that do not stop the command
}

// loadConfig reads the profile from configDir/atlascli/config.toml, as the official Atlas CLI chooses it: -P, else
// MONGODB_ATLAS_PROFILE (or the legacy MCLI_PROFILE), else "default", else the file's only profile. Names match
// case-insensitively (-P INTEROP finds [interop]). A missing file is an empty configuration; a profile named
// explicitly must exist (the official CLI silently uses an empty one instead).
func loadConfig(configDir, profileFlag string, getenv func(string) string) (*config, error) {
	c := &config{getenv: getenv, profile: map[string]string{}, profileName: profileFlag}
	explicit := profileFlag != ""
	for _, name := range []string{envPrefix + "PROFILE", legacyPrefix + "PROFILE"} {
		if !explicit {
			c.profileName = getenv(name)
			explicit = c.profileName != ""
		}
	}
	if configDir != "" {
		c.path = filepath.Join(configDir, "atlascli", "config.toml")
	}
	var profiles map[string]map[string]any
	if c.path != "" {
		err := decodeConfig(c.path, &profiles)
		switch {
		case errors.Is(err, fs.ErrNotExist):
		case err != nil:
			return nil, err
		default:
			if info, err := os.Stat(c.path); err == nil && info.Mode().Perm()&0o077 != 0 {
				c.warnings = append(c.warnings, fmt.Sprintf("%s holds credentials but is readable by group or others (mode %04o): run chmod 600 %s",
					c.path, info.Mode().Perm(), c.path))
			}
		}
	}
	names := slices.Sorted(maps.Keys(profiles))
	if !explicit {
		c.profileName = defaultProfile
		if _, ok := profiles[defaultProfile]; !ok && len(names) == 1 {
			c.profileName = names[0] // the official CLI uses a config's only profile
		}
	}
	table, ok := profiles[c.profileName]
	if !ok {
		for _, name := range names {
			if strings.EqualFold(name, c.profileName) {
				c.profileName, table, ok = name, profiles[name], true
				break
			}
		}
	}
	if !ok && explicit {
		known := "it holds no profiles"
		if len(names) > 0 {
			known = "profiles there: " + strings.Join(names, ", ")
		}
		where := c.path
		if where == "" {
			where = "the Atlas CLI config (no config directory)"
		}
		return nil, fmt.Errorf("profile %q not found in %s (%s)", c.profileName, where, known)
	}
	for key, value := range table {
		c.profile[key] = fmt.Sprint(value)
	}
	return c, nil
}

// decodeConfig reads the TOML file at path into v. Its errors name the file, and for a syntax error the line,
// column and key, but never quote the file: the toml library's own message repeats the text at the error, which
// may be a secret written without quotes (private_api_key = abc-123).
func decodeConfig(path string, v any) error {
	data, err := readConfig(path)
	if err != nil {
		return err
	}
	_, err = toml.Decode(string(data), v)
	var pe toml.ParseError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &pe):
		return tomlSyntaxError(path, data, pe)
	default:
		return fmt.Errorf("reading Atlas CLI config %s: not a valid configuration (details not shown: they may quote a secret)", path)
	}
}

// maxConfigBytes bounds the config file: the Atlas CLI's holds a few profiles of a few lines each.
const maxConfigBytes = 1 << 20

// readConfig reads the config file at path, refusing what is not a regular file (a FIFO or a device such as
// /dev/zero would never end) and a file over maxConfigBytes.
func readConfig(path string) ([]byte, error) {
	notRegular := fmt.Errorf("reading Atlas CLI config %s: not a regular file; point it at the config.toml the Atlas CLI writes", path)
	// Stat before opening: opening a FIFO blocks until something writes to it.
	if info, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("reading Atlas CLI config %s: %w", path, err)
	} else if !info.Mode().IsRegular() {
		return nil, notRegular
	}
	fh, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("reading Atlas CLI config %s: %w", path, err)
	}
	defer fh.Close()
	if info, err := fh.Stat(); err != nil || !info.Mode().IsRegular() {
		return nil, notRegular // replaced between the two
	}
	data, err := io.ReadAll(io.LimitReader(fh, maxConfigBytes+1))
	if err != nil {
		return nil, fmt.Errorf("reading Atlas CLI config %s: %w", path, err)
	}
	if len(data) > maxConfigBytes {
		return nil, fmt.Errorf("reading Atlas CLI config %s: larger than %d MiB, which no Atlas CLI config is; check the path", path, maxConfigBytes>>20)
	}
	return data, nil
}

// tomlSyntaxError describes pe from its position and the key the parser last read, without its message.
func tomlSyntaxError(path string, data []byte, pe toml.ParseError) error {
	where := fmt.Sprintf("line %d, column %d", pe.Position.Line, pe.Position.Col)
	parts := strings.Split(pe.LastKey, ".")
	switch key := parts[len(parts)-1]; {
	case key != "" && lineHasKey(data, pe.Position.Line, key) && len(parts) > 1:
		where += fmt.Sprintf(" (key %q of profile %q)", key, strings.Join(parts[:len(parts)-1], "."))
	case key != "" && lineHasKey(data, pe.Position.Line, key):
		where += fmt.Sprintf(" (key %q)", key)
	case pe.LastKey != "":
		where += fmt.Sprintf(" (after key %q)", pe.LastKey)
	}
	problem := `not valid TOML: a text value must be in double quotes, as in key = "value"`
	if strings.Contains(pe.Message, "already") {
		problem = "not valid TOML: a key or profile is defined twice"
	}
	return fmt.Errorf("reading Atlas CLI config %s: %s: %s (the line is not shown: it may hold a secret)", path, where, problem)
}

// lineHasKey reports whether line n (from 1) of data assigns key: key = ..., "key" = ... or key.sub = ....
func lineHasKey(data []byte, n int, key string) bool {
	lines := strings.Split(string(data), "\n")
	if n < 1 || n > len(lines) {
		return false
	}
	line := strings.TrimLeft(lines[n-1], " \t")
	for _, k := range []string{key, `"` + key + `"`, "'" + key + "'"} {
		if rest, ok := strings.CutPrefix(line, k); ok {
			if rest = strings.TrimLeft(rest, " \t"); strings.HasPrefix(rest, "=") || strings.HasPrefix(rest, ".") {
				return true
			}
		}
	}
	return false
}

// profileNames lists the profiles of configDir's config.toml, for completion.
func profileNames(configDir string) []string {
	var profiles map[string]map[string]any
	if configDir == "" {
		return nil
	}
	if err := decodeConfig(filepath.Join(configDir, "atlascli", "config.toml"), &profiles); err != nil {
		return nil
	}
	return slices.Sorted(maps.Keys(profiles))
}

// lookup returns key's value and where it came from: MONGODB_ATLAS_<KEY>, else the legacy MCLI_<KEY>, else the
// profile. from names the source as a user would look for it.
func (c *config) lookup(key string) (value, from string) {
	for _, prefix := range []string{envPrefix, legacyPrefix} {
		name := prefix + strings.ToUpper(key)
		if v := c.getenv(name); v != "" {
			return v, "environment variable " + name
		}
	}
	if v := c.profile[key]; v != "" {
		return v, fmt.Sprintf("%s in profile %q of %s", key, c.profileName, c.file())
	}
	return "", ""
}

// get returns key's value from the environment or the profile (see lookup).
func (c *config) get(key string) string {
	v, _ := c.lookup(key)
	return v
}

func (c *config) file() string {
	if c.path == "" {
		return "config.toml"
	}
	return c.path
}

// where says where key is looked for, for error messages.
func (c *config) where(key string) string {
	return fmt.Sprintf("%s%s or %s in profile %q of %s", envPrefix, strings.ToUpper(key), key, c.profileName, c.file())
}

// baseURL is ops_manager_url (or its alias base_url), else the host the service names (cloudgov is Atlas for
// Government), else Atlas; from says where it came from. A URL with the API path appended, or without a scheme, is
// refused with what to write instead.
func (c *config) baseURL() (baseURL, from string, err error) {
	for _, key := range []string{"ops_manager_url", "base_url"} {
		if u, from := c.lookup(key); u != "" {
			return u, from, checkBaseURL(u, from)
		}
	}
	switch service, from := c.lookup("service"); service {
	case "", "cloud":
		return cloudURL, "the default (service cloud)", nil
	case "cloudgov":
		return cloudGovURL, from, nil
	default:
		return "", "", fmt.Errorf("unknown service %q (from %s): want cloud or cloudgov", service, from)
	}
}

// checkBaseURL catches the base URLs users get wrong, naming where the value came from.
func checkBaseURL(raw, from string) error {
	shown := redact.URL(raw)
	if !strings.Contains(raw, "://") {
		return fmt.Errorf("base URL %q (from %s) has no scheme: write https://%s (or http://%s for a local emulator)", shown, from, shown, shown)
	}
	for _, suffix := range []string{"/api/atlas/v2", "/api/atlas/v1.0", "/api/atlas"} {
		if trimmed := strings.TrimRight(raw, "/"); strings.HasSuffix(trimmed, suffix) {
			return fmt.Errorf("base URL %q (from %s) ends in %s, which the CLI adds itself: write %s", shown, from, suffix, redact.URL(strings.TrimSuffix(trimmed, suffix)+"/"))
		}
	}
	return nil
}

// authOption chooses how to authenticate, as the official Atlas CLI does: auth_type "service_account" or
// "api_keys" forces one; otherwise a complete service account (client_id and client_secret) wins over API keys.
// clientID is the service account's, "" for API keys.
func (c *config) authOption() (opt atlas.Option, clientID string, err error) {
	opt, err = c.chooseAuth()
	if err == nil && c.usesServiceAccount() {
		clientID = c.get("client_id")
	}
	return opt, clientID, err
}

// usesServiceAccount reports whether chooseAuth picked the service account.
func (c *config) usesServiceAccount() bool {
	switch c.get("auth_type") {
	case "service_account":
		return true
	case "api_keys":
		return false
	}
	return c.get("client_id") != "" && c.get("client_secret") != ""
}

func (c *config) chooseAuth() (atlas.Option, error) {
	clientID, clientSecret := c.get("client_id"), c.get("client_secret")
	publicKey, privateKey := c.get("public_api_key"), c.get("private_api_key")
	serviceAccount := func() (atlas.Option, error) {
		if err := c.pair("client_id", clientID, "client_secret", clientSecret); err != nil {
			return nil, err
		}
		return atlas.WithServiceAccount(clientID, clientSecret), nil
	}
	apiKeys := func() (atlas.Option, error) {
		if err := c.pair("public_api_key", publicKey, "private_api_key", privateKey); err != nil {
			return nil, err
		}
		return atlas.WithDigestAuth(publicKey, privateKey), nil
	}
	switch authType := c.get("auth_type"); authType {
	case "service_account":
		return serviceAccount()
	case "api_keys":
		return apiKeys()
	case "":
	default:
		return nil, fmt.Errorf("unknown auth_type %q (from %s): want service_account or api_keys", authType, c.where("auth_type"))
	}
	switch {
	case clientID != "" && clientSecret != "":
		return serviceAccount()
	case publicKey != "" && privateKey != "":
		return apiKeys()
	case clientID != "" || clientSecret != "":
		return serviceAccount() // names the missing half
	case publicKey != "" || privateKey != "":
		return apiKeys()
	}
	return nil, fmt.Errorf("no Atlas credentials: set public_api_key and private_api_key (or client_id and client_secret) in profile %q of %s, or as environment variables MONGODB_ATLAS_PUBLIC_API_KEY, … (MONGODB_ATLAS_CLIENT_ID, …) or MCLI_*",
		c.profileName, c.file())
}

// pair checks that both halves of a credential are set.
func (c *config) pair(firstKey, first, secondKey, second string) error {
	switch {
	case first == "" && second == "":
		return fmt.Errorf("no %s and %s: set %s, and %s", firstKey, secondKey, c.where(firstKey), c.where(secondKey))
	case first == "":
		return fmt.Errorf("%s found but no %s: set %s", secondKey, firstKey, c.where(firstKey))
	case second == "":
		return fmt.Errorf("%s found but no %s: set %s", firstKey, secondKey, c.where(secondKey))
	}
	return nil
}

// UserConfigDir is os.UserConfigDir (where the Atlas CLI keeps atlascli/config.toml), empty when the platform has
// none.
func UserConfigDir() string {
	dir, err := os.UserConfigDir()
	if err != nil {
		return ""
	}
	return dir
}
