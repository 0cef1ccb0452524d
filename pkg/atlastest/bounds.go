package atlastest

import (
	"fmt"
	"strconv"
	"strings"
)

// Bounds, in bytes, on the request fields a validation or a migration job keeps (or quotes in its errorMessage). A
// longer value is refused with 400 VALIDATION_ERROR naming the field, as a value the schema refuses. IDs need no
// bound of their own: the document makes them 24 hexadecimal digits.
const (
	// MaxHostnameBytes bounds each of migrationHosts: a DNS name is at most 255 bytes (RFC 1035 section 2.3.4).
	MaxHostnameBytes = 255
	// MaxClusterNameBytes bounds source.clusterName and destination.clusterName. The document gives cluster names no
	// maxLength (only Atlas' own cluster names a pattern); 64, the maxLength it gives project names, is the
	// emulator's choice, not verified against the live server.
	MaxClusterNameBytes = 64
)

// fieldBounds are the bounds above, by the path of the field in a request body ("[]": each item of a list). They
// apply to every operation whose body has the field: validateLiveMigrations and createGroupLiveMigration, both
// versions.
var fieldBounds = []struct {
	path  string
	bytes int
}{
	{"migrationHosts[]", MaxHostnameBytes},
	{"source.clusterName", MaxClusterNameBytes},
	{"destination.clusterName", MaxClusterNameBytes},
}

// checkFieldBounds refuses a string of value (a decoded body) longer than its fieldBounds entry, naming it as Atlas
// names fields (migrationHosts[0]).
func checkFieldBounds(value any) *bodyError {
	for _, b := range fieldBounds {
		if be := checkBound(value, strings.Split(b.path, "."), "", b.bytes); be != nil {
			return be
		}
	}
	return nil
}

// checkBound follows path (the rest of a fieldBounds path) from v, whose own name is at.
func checkBound(v any, path []string, at string, limit int) *bodyError {
	if len(path) == 0 {
		if s, ok := v.(string); ok && len(s) > limit {
			return &bodyError{"VALIDATION_ERROR", at, fmt.Sprintf("%d bytes long; at most %d are allowed", len(s), limit)}
		}
		return nil
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return nil // the schema validation refuses what is not an object
	}
	name, each := strings.CutSuffix(path[0], "[]")
	field := name
	if at != "" {
		field = at + "." + name
	}
	child, ok := obj[name]
	if !ok {
		return nil
	}
	if !each {
		return checkBound(child, path[1:], field, limit)
	}
	list, _ := child.([]any)
	for i, item := range list {
		if be := checkBound(item, path[1:], field+"["+strconv.Itoa(i)+"]", limit); be != nil {
			return be
		}
	}
	return nil
}
