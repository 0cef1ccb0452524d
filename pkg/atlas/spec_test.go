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
	if versions := api.Versions(doc); !slices.Equal(versions, atlas.SupportedVersions()) || !slices.Contains(versions, atlas.APIVersion) {
		t.Errorf("spec versions %v; client supports %v and sends %s", versions, atlas.SupportedVersions(), atlas.APIVersion)
	}
	if got := doc.Servers[0].URL; got != atlas.DefaultBaseURL {
		t.Errorf("spec server %q, DefaultBaseURL %q", got, atlas.DefaultBaseURL)
	}
	body := doc.Paths.Value("/api/atlas/v2/orgs/{orgId}/liveMigrations/linkTokens").Post.RequestBody.Value
	if body.Content.Get(atlas.MediaType) == nil {
		t.Errorf("spec request body has no %s content", atlas.MediaType)
	}
}
