package atlastest_test

import (
	"context"
	"fmt"
	"log"

	"github.com/atlas-linktoken/atlas-linktoken/pkg/atlas"
	"github.com/atlas-linktoken/atlas-linktoken/pkg/atlastest"
)

// Test code that creates link-tokens against the emulator, then checks what reached it.
func ExampleNewServer() {
	const orgID = "5e2211c17a3e5a48f5497de3"
	srv, err := atlastest.NewServer(atlastest.WithAPIKey("test-public", "test-private", orgID))
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()

	client, err := atlas.NewClient(atlas.WithBaseURL(srv.URL), atlas.WithDigestAuth("test-public", "test-private"))
	if err != nil {
		log.Fatal(err)
	}
	for range 3 {
		if _, err := client.CreateLinkToken(context.Background(), orgID, atlas.TargetOrgRequest{}); err != nil {
			log.Fatal(err)
		}
	}
	fmt.Println("requests:", srv.RequestCount(), "rejected:", srv.AuthFailures(), "linked:", srv.Linked(orgID))
	for _, r := range srv.Requests() {
		fmt.Println(r.Method, r.Status, r.Auth)
	}
	// Output:
	// requests: 4 rejected: 1 linked: true
	// POST 401 missing
	// POST 201 ok
	// POST 201 ok
	// POST 201 ok
}
