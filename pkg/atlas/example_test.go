package atlas_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"time"

	"github.com/atlas-linktoken/atlas-linktoken/pkg/atlas"
	"github.com/atlas-linktoken/atlas-linktoken/pkg/atlastest"
)

// Create a link-token against the local emulator; against Atlas, leave out WithBaseURL.
func ExampleClient_CreateLinkToken() {
	emulator, err := atlastest.NewServer()
	if err != nil {
		log.Fatal(err)
	}
	defer emulator.Close()

	client, err := atlas.NewClient(
		atlas.WithBaseURL(emulator.URL),
		atlas.WithDigestAuth(atlastest.DefaultPublicKey, atlastest.DefaultPrivateKey),
	)
	if err != nil {
		log.Fatal(err)
	}
	ips := []string{"203.0.113.7", "198.51.100.0/24"}
	token, err := client.CreateLinkToken(context.Background(), atlastest.DefaultOrgID, atlas.TargetOrgRequest{AccessListIPs: ips})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("link-token received:", len(token.LinkToken) > 0)
	fmt.Println("requests to the server:", emulator.RequestCount())
	// Output:
	// link-token received: true
	// requests to the server: 2
}

// Errors from Atlas are *APIError values; IsErrorCode tests Atlas' error code.
func ExampleIsErrorCode() {
	emulator, err := atlastest.NewServer()
	if err != nil {
		log.Fatal(err)
	}
	defer emulator.Close()
	client, err := atlas.NewClient(
		atlas.WithBaseURL(emulator.URL),
		atlas.WithDigestAuth(atlastest.DefaultPublicKey, atlastest.DefaultPrivateKey),
	)
	if err != nil {
		log.Fatal(err)
	}

	_, err = client.CreateLinkToken(context.Background(), "0123456789abcdef01234567", atlas.TargetOrgRequest{})
	fmt.Println("org not found:", atlas.IsErrorCode(err, "ORG_NOT_FOUND"))
	var apiErr *atlas.APIError
	if errors.As(err, &apiErr) {
		fmt.Println(apiErr.StatusCode, apiErr.Detail)
	}

	_, err = client.CreateLinkToken(context.Background(), "not-an-org-id", atlas.TargetOrgRequest{})
	fmt.Println(err)
	// Output:
	// org not found: true
	// 404 No organization with ID 0123456789abcdef01234567 exists.
	// atlas: invalid orgID "not-an-org-id": must be 24 lower-case hexadecimal digits (^([a-f0-9]{24})$)
}

// A whole push live migration against the emulator, which plays Atlas and Cloud Manager, its phases shortened to
// 10 ms: link both sides, validate, migrate, wait until ready, cut over, wait until complete. Against Atlas, the
// source client points at Cloud Manager (the same host) or Ops Manager, and the phases take minutes to days.
func ExampleClient_CreateMigration() {
	emulator, err := atlastest.NewServer(atlastest.WithPhaseDuration(10 * time.Millisecond))
	if err != nil {
		log.Fatal(err)
	}
	defer emulator.Close()
	client, err := atlas.NewClient(atlas.WithBaseURL(emulator.URL),
		atlas.WithDigestAuth(atlastest.DefaultPublicKey, atlastest.DefaultPrivateKey))
	if err != nil {
		log.Fatal(err)
	}
	source, err := atlas.NewClient(atlas.WithBaseURL(emulator.URL), // Cloud Manager, with a key of the source org
		atlas.WithDigestAuth(atlastest.DefaultSourcePublicKey, atlastest.DefaultSourcePrivateKey))
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	token, err := client.CreateLinkToken(ctx, atlastest.DefaultOrgID, atlas.TargetOrgRequest{})
	if err != nil {
		log.Fatal(err)
	}
	if _, err := source.ConnectOrganizations(ctx, atlastest.DefaultSourceOrgID, token.LinkToken); err != nil { // a secret: never printed
		log.Fatal(err)
	}
	req := atlas.LiveMigrationRequest20240530{
		Source: atlas.Source{GroupID: atlastest.DemoSourceProjectID, ClusterName: atlastest.DemoSourceClusterName,
			ManagedAuthentication: true},
		Destination: atlas.Destination{GroupID: atlastest.DefaultGroupID, ClusterName: atlastest.DefaultClusterName,
			HostnameSchemaType: atlas.HostnamePublic},
		MigrationHosts: []string{atlastest.DemoSourceMigrationHost},
	}
	poll := atlas.WithPollInterval(5*time.Millisecond, 10*time.Millisecond)
	validation, err := client.ValidateMigration(ctx, atlastest.DefaultGroupID, req)
	if err != nil {
		log.Fatal(err)
	}
	if validation, err = client.WaitForValidation(ctx, atlastest.DefaultGroupID, *validation.ID, poll); err != nil {
		log.Fatal(err)
	}
	fmt.Println("validation:", *validation.Status)
	migration, err := client.CreateMigration(ctx, atlastest.DefaultGroupID, req)
	if err != nil {
		log.Fatal(err)
	}
	if migration, err = client.WaitForMigration(ctx, atlastest.DefaultGroupID, *migration.ID, atlas.ReadyForCutover, poll); err != nil {
		log.Fatal(err)
	}
	fmt.Println("ready for cutover:", *migration.ReadyForCutover)
	if err := client.Cutover(ctx, atlastest.DefaultGroupID, *migration.ID); err != nil {
		log.Fatal(err)
	}
	if migration, err = client.WaitForMigration(ctx, atlastest.DefaultGroupID, *migration.ID, atlas.MigrationDone, poll); err != nil {
		log.Fatal(err)
	}
	fmt.Println("migration:", *migration.Status)
	// Output:
	// validation: SUCCESS
	// ready for cutover: true
	// migration: COMPLETE
}
