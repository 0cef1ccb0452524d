package atlas

import (
	"fmt"
	"net/netip"
	"regexp"
	"strings"
)

// OrgIDPattern is the pattern the Atlas spec gives organization IDs: 24 lower-case hexadecimal digits.
const OrgIDPattern = `^([a-f0-9]{24})$`

var orgIDRegexp = regexp.MustCompile(OrgIDPattern)

// InputError is a request the client refused to send because an argument is invalid.
type InputError struct {
	Field  string // the argument, such as "orgID", "accessListIps[2]" or "body" (then Reason gives line and column)
	Value  string // the rejected value
	Reason string // what is wrong with it
}

func (e *InputError) Error() string {
	if e.Field == "body" {
		return "atlas: invalid request body: " + e.Reason
	}
	return fmt.Sprintf("atlas: invalid %s %q: %s", e.Field, e.Value, e.Reason)
}

// ValidateOrgID checks orgID against OrgIDPattern.
func ValidateOrgID(orgID string) error { return validateIDs("orgID", orgID) }

// validateIDs checks Atlas IDs (organizations, projects, jobs: all 24 lower-case hexadecimal digits, OrgIDPattern),
// given as name, value pairs; the first bad one is an *InputError naming it.
func validateIDs(nameValues ...string) error {
	for i := 0; i+1 < len(nameValues); i += 2 {
		name, id := nameValues[i], nameValues[i+1]
		if orgIDRegexp.MatchString(id) {
			continue
		}
		reason := "must be 24 lower-case hexadecimal digits (" + OrgIDPattern + ")"
		if id == "" {
			reason = "is empty; " + reason
		} else if strings.ToLower(id) != id && orgIDRegexp.MatchString(strings.ToLower(id)) {
			reason = "has upper-case letters; " + reason
		}
		return &InputError{Field: name, Value: id, Reason: reason}
	}
	return nil
}

// ValidateAccessList checks that each entry is an IP address (IPv4 or IPv6) or a CIDR block. An empty list is valid.
func ValidateAccessList(entries []string) error {
	for i, entry := range entries {
		if _, err := netip.ParseAddr(entry); err == nil {
			continue
		}
		if strings.Contains(entry, "/") {
			if _, err := netip.ParsePrefix(entry); err == nil {
				continue
			}
		}
		return &InputError{
			Field:  fmt.Sprintf("accessListIps[%d]", i),
			Value:  entry,
			Reason: "not an IP address or CIDR block",
		}
	}
	return nil
}
