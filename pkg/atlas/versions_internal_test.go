package atlas

import (
	"slices"
	"testing"

	"github.com/atlas-linktoken/atlas-linktoken/gen"
)

// Every version a typed method's Go types were written for is in the document this build was generated from, with
// the request schema the type was generated from. When upstream removes one, this names the operation, the
// version and what to change.
func TestTypedVersionsAreInTheDocument(t *testing.T) {
	bodies := map[string]MigrationRequest{"2023-01-01": LiveMigrationRequest{}, "2024-05-30": LiveMigrationRequest20240530{}}
	for op, versions := range typedVersions {
		o := gen.OperationByID(op)
		if o == nil {
			t.Errorf("%s: the typed method's operation is not in gen.Operations: add it back to api/operations.txt or drop the method", op)
			continue
		}
		for _, v := range versions {
			version := o.Version(v)
			if version == nil {
				t.Errorf("%s: version %s of its Go types is gone from the document (it has %v): generate types for a version it has and update typedVersions", op, v, SupportedVersions(op))
				continue
			}
			if version.Request == nil {
				continue
			}
			want := version.Request.Name
			if op == opCreateLinkToken && want != "TargetOrgRequest" {
				t.Errorf("%s %s takes %s, the typed method sends a TargetOrgRequest", op, v, want)
			}
			if body, ok := bodies[v]; ok && (op == opValidateMigration || op == opCreateMigration) {
				if body.schemaName() != want || body.resourceVersion() != v {
					t.Errorf("%s %s takes %s, the typed method sends a %s as %s", op, v, want, body.schemaName(), body.resourceVersion())
				}
			}
		}
		if !slices.IsSorted(versions) {
			t.Errorf("%s: typedVersions %v are not oldest first", op, versions)
		}
	}
}
