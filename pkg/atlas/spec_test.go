package atlas_test

import (
	"slices"
	"testing"

	"github.com/atlas-linktoken/atlas-linktoken/api"
	"github.com/atlas-linktoken/atlas-linktoken/pkg/atlas"
)

// The wrapper's constants are copies of facts in the spec; this keeps them in step when the spec is regenerated.
func TestConstantsMatchTheSpec(t *testing.T) {
	doc, err := api.Load()
	if err != nil {
		t.Fatal(err)
	}
	if got := doc.Components.Parameters["orgId"].Value.Schema.Value.Pattern; got != atlas.OrgIDPattern {
		t.Errorf("spec orgId pattern %q, wrapper checks %q", got, atlas.OrgIDPattern)
	}
	// Versions are per operation: whatever operations and versions the document holds, SupportedVersions agrees.
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			if want := api.OperationVersions(op); !slices.Equal(atlas.SupportedVersions(op.OperationID), want) {
				t.Errorf("%s: SupportedVersions %v, spec %v", op.OperationID, atlas.SupportedVersions(op.OperationID), want)
			}
		}
	}
	if versions := atlas.SupportedVersions("createLinkToken"); !slices.Contains(versions, atlas.APIVersion) {
		t.Errorf("createLinkToken versions %v lack APIVersion %s", versions, atlas.APIVersion)
	}
	if atlas.SupportedVersions("noSuchOperation") != nil {
		t.Error("an unknown operation has versions")
	}
	if got := doc.Servers[0].URL; got != atlas.DefaultBaseURL {
		t.Errorf("spec server %q, DefaultBaseURL %q", got, atlas.DefaultBaseURL)
	}
	body := doc.Paths.Value("/api/atlas/v2/orgs/{orgId}/liveMigrations/linkTokens").Post.RequestBody.Value
	if body.Content.Get(atlas.MediaType) == nil {
		t.Errorf("spec request body has no %s content", atlas.MediaType)
	}
}
