package atlas

import (
	"slices"
	"testing"

	"github.com/atlas-linktoken/atlas-linktoken/gen"
)

// The library's constants are bound to values; each value is still one the document allows (a removed value is a
// breaking change to name), and the generated constants, named by position in api/gen-overlay.yaml, still carry
// the values their names say (an upstream reordering would rebind them: this fails naming the constant).
func TestConstantsAreBoundToValues(t *testing.T) {
	enum := func(op, property string) []string {
		v := gen.OperationByID(op).Version(gen.OperationByID(op).Newest())
		s := v.Response
		if s == nil || s.Property(property) == nil {
			s = v.Request
		}
		for _, part := range []string{"destination"} {
			if s.Property(property) == nil && s.Property(part) != nil {
				s = s.Property(part)
			}
		}
		return s.Property(property).Enum
	}
	for _, tc := range []struct {
		op, property string
		library      []string
		generated    []string
	}{
		{"getMigrationValidateStatus", "status",
			[]string{string(ValidationPending), string(ValidationSuccess), string(ValidationFailed)},
			[]string{string(gen.ValidationPending), string(gen.ValidationSuccess), string(gen.ValidationFailed)}},
		{"getGroupLiveMigration", "status",
			[]string{string(MigrationNew), string(MigrationWorking), string(MigrationFailed), string(MigrationComplete), string(MigrationExpired)},
			[]string{string(gen.MigrationNew), string(gen.MigrationWorking), string(gen.MigrationFailed), string(gen.MigrationComplete), string(gen.MigrationExpired)}},
		{"createGroupLiveMigration", "hostnameSchemaType",
			[]string{string(HostnamePublic), string(HostnamePrivateLink), string(HostnameVPCPeering)},
			[]string{string(gen.HostnamePublic), string(gen.HostnamePrivateLink), string(gen.HostnameVPCPeering)}},
	} {
		allowed := enum(tc.op, tc.property)
		for i, v := range tc.library {
			if !slices.Contains(allowed, v) {
				t.Errorf("%s %s: the document no longer allows %q (it has %v): a breaking change; drop or rename the constant", tc.op, tc.property, v, allowed)
			}
			if tc.generated[i] != v {
				t.Errorf("%s %s: the generated constant for %q now holds %q: the enum was reordered upstream; fix x-enum-varnames in api/gen-overlay.yaml", tc.op, tc.property, v, tc.generated[i])
			}
		}
	}
}
