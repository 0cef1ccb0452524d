package atlas_test

import (
	"context"
	"errors"
	"fmt"
	"log"

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
