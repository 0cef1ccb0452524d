package bodycheck

import (
	"encoding/json"
	"net/netip"
	"strconv"
	"strings"

	"github.com/atlas-linktoken/atlas-linktoken/gen"
)

// ipListFields are the request attributes whose entries Atlas checks as IP addresses or CIDR blocks.
var ipListFields = map[string]bool{"accessListIps": true}

// IsIPOrCIDR reports whether s is an IPv4 or IPv6 address or CIDR block: the one access-list rule of the library,
// the CLI and the emulator.
func IsIPOrCIDR(s string) bool {
	if _, err := netip.ParseAddr(s); err == nil {
		return true
	}
	if strings.Contains(s, "/") {
		_, err := netip.ParsePrefix(s)
		return err == nil
	}
	return false
}

// AccessList checks each entry of an access list; the first bad one is a Problem naming accessListIps[i].
func AccessList(entries []string) *Problem {
	for i, entry := range entries {
		if !IsIPOrCIDR(entry) {
			return &Problem{Field: "accessListIps[" + strconv.Itoa(i) + "]", Value: entry, Reason: "not an IP address or CIDR block", Code: CodeInvalidIP}
		}
	}
	return nil
}

// ManagedAuthentication is the rule the Source schema states in words: with managedAuthentication, MongoDB
// Automation manages the credentials, so a username or password must not be given (empty ones, which the official
// Atlas CLI sends, are allowed); without it both are required.
func ManagedAuthentication(managed bool, username, password *string) *Problem {
	switch {
	case managed && username != nil && *username != "":
		return &Problem{Field: "source.username", Value: *username,
			Reason: "must not be set with source.managedAuthentication: MongoDB Automation manages authentication; leave username and password out"}
	case managed && password != nil && *password != "":
		return &Problem{Field: "source.password", Reason: "must not be set with source.managedAuthentication: MongoDB Automation manages authentication; leave username and password out"}
	case !managed && (username == nil || *username == ""):
		return &Problem{Field: "source.username", Reason: "is required unless source.managedAuthentication is true"}
	case !managed && (password == nil || *password == ""):
		return &Problem{Field: "source.password", Reason: "is required unless source.managedAuthentication is true"}
	}
	return nil
}

// rules applies what the schemas say only in words to a request body that passed its schema.
func (c *checker) rules(s *gen.Schema) *Problem {
	if src := s.Property("source"); src != nil && src.Name == "Source" {
		var body struct {
			Source *struct {
				ManagedAuthentication bool    `json:"managedAuthentication"`
				Username              *string `json:"username"`
				Password              *string `json:"password"`
			} `json:"source"`
		}
		if json.Unmarshal(c.data, &body) == nil && body.Source != nil {
			return ManagedAuthentication(body.Source.ManagedAuthentication, body.Source.Username, body.Source.Password)
		}
	}
	return nil
}
