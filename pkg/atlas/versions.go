package atlas

import (
	"slices"
	"strings"

	"github.com/atlas-linktoken/atlas-linktoken/gen"
)

// SupportedVersions lists the resource versions operationID declares in the document this build was generated from
// (api/openapi.yaml), oldest first; nil for an operation it lacks. Client.BareDo and the generated client may send
// any of them. A typed method sends the version its Go types were generated for, whatever newer versions the
// document gains (see WithVersion).
func SupportedVersions(operationID string) []string {
	op := gen.OperationByID(operationID)
	if op == nil {
		return nil
	}
	out := make([]string, len(op.Versions))
	for i, v := range op.Versions {
		out[i] = v.Date
	}
	return out
}

// VersionSunset is the date (YYYY-MM-DD) from which Atlas announced it stops serving version of operationID
// (x-sunset), "" when none is announced or the document lacks them. Move to a newer version before then.
func VersionSunset(operationID, version string) string {
	if op := gen.OperationByID(operationID); op != nil {
		if v := op.Version(version); v != nil {
			return v.Sunset
		}
	}
	return ""
}

// typedVersions are the resource versions the typed methods' Go types were written for, oldest first; the newest
// is the default. A version upstream adds changes nothing here until a maintainer adds types for it (and a line
// here); TestTypedVersionsAreInTheDocument fails when the document loses one.
var typedVersions = map[string][]string{
	opCreateLinkToken:       {"2023-01-01"},
	opDeleteLinkTokens:      {"2023-01-01"},
	opListAvailableProjects: {"2023-01-01"},
	opValidateMigration:     {"2023-01-01", "2024-05-30"},
	opMigrationValidation:   {"2023-01-01"},
	opCreateMigration:       {"2023-01-01", "2024-05-30"},
	opMigration:             {"2023-01-01"},
	opCutover:               {"2023-01-01"},
}

// The operations of the typed methods.
const (
	opCreateLinkToken       = "createLinkToken"
	opDeleteLinkTokens      = "deleteLinkTokens"
	opListAvailableProjects = "listAvailableProjects"
	opValidateMigration     = "validateLiveMigrations"
	opMigrationValidation   = "getMigrationValidateStatus"
	opCreateMigration       = "createGroupLiveMigration"
	opMigration             = "getGroupLiveMigration"
	opCutover               = "cutoverMigration"
)

// CallOption adjusts one call of a typed method.
type CallOption func(*callSettings)

type callSettings struct{ version string }

// WithVersion sends a call as resource version, one of those its Go types were generated for (for most methods
// only 2023-01-01; ValidateMigration and CreateMigration take their version from the body's type, and WithVersion
// must agree). Another version is an *InputError naming the ones that fit, nothing sent; to send a version the
// types do not cover, use Client.BareDo or the generated client. The request's Content-Type and Accept name it.
func WithVersion(version string) CallOption { return func(s *callSettings) { s.version = version } }

// callVersion is the version a typed call of op sends: the caller's WithVersion, else want (the body type's
// version, when the body chooses it), else the newest version the types fit.
func callVersion(op, want string, opts []CallOption) (string, error) {
	var s callSettings
	for _, opt := range opts {
		if opt != nil {
			opt(&s)
		}
	}
	fit, declared := typedVersions[op], SupportedVersions(op)
	version := s.version
	switch {
	case version == "" && want != "":
		version = want
	case version == "":
		version = fit[len(fit)-1]
	case !slices.Contains(declared, version):
		return "", &InputError{Field: "version", Value: version, Reason: op + " has versions " + strings.Join(declared, ", ")}
	case !slices.Contains(fit, version):
		return "", &InputError{Field: "version", Value: version, Reason: "the Go types of " + op + " are for " +
			strings.Join(fit, ", ") + "; send " + version + " with Client.BareDo or the generated client"}
	}
	if !slices.Contains(declared, version) {
		// The document this build was generated from lost a version the types were written for.
		return "", &InputError{Field: "version", Value: version, Reason: op + " has versions " + strings.Join(declared, ", ") +
			" in the document this build was generated from: its Go types need regenerating"}
	}
	return version, nil
}
