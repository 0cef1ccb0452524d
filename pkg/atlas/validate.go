package atlas

import (
	"regexp"
	"strings"

	"github.com/atlas-linktoken/atlas-linktoken/internal/bodycheck"
)

// OrgIDPattern is the pattern the Atlas spec gives organization, project and job IDs: 24 lower-case hexadecimal
// digits.
const OrgIDPattern = `^([a-f0-9]{24})$`

var orgIDRegexp = regexp.MustCompile(OrgIDPattern)

// InputError is a request the client refused to send because an argument is invalid: nothing was sent.
type InputError struct {
	Field  string // the argument, as a user writes it: "orgID", "accessListIps[2]", "source.clusterName"
	Value  string // the rejected value; "" when the problem is the argument's shape or absence
	Reason string // what is wrong with it
}

// Error is `atlas: invalid FIELD "VALUE": REASON`, or `atlas: FIELD REASON` when there is no value to show.
func (e *InputError) Error() string { return "atlas: " + bodycheck.Text(e.Field, e.Value, e.Reason) }

// inputError is a body problem as an *InputError.
func inputError(p *bodycheck.Problem) *InputError {
	return &InputError{Field: p.Field, Value: p.Value, Reason: p.Reason}
}

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
