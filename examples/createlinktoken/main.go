// Command createlinktoken is the library in a dozen lines: it starts the local Atlas emulator, creates a
// link-token through pkg/atlas and prints it. Against Atlas itself, drop the emulator and WithBaseURL and pass
// your own API keys and organization ID.
package main

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/atlas-linktoken/atlas-linktoken/pkg/atlas"
	"github.com/atlas-linktoken/atlas-linktoken/pkg/atlastest"
)

func main() {
	emulator, err := atlastest.NewServer()
	if err != nil {
		log.Fatal(err)
	}
	defer emulator.Close()
	fmt.Println("emulator listening on", emulator.URL)

	client, err := atlas.NewClient(
		atlas.WithBaseURL(emulator.URL),
		atlas.WithDigestAuth(atlastest.DefaultPublicKey, atlastest.DefaultPrivateKey),
	)
	if err != nil {
		log.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ips := []string{"203.0.113.7", "198.51.100.0/24"}
	token, err := client.CreateLinkToken(ctx, atlastest.DefaultOrgID, atlas.TargetOrgRequest{AccessListIPs: ips})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("organization:", atlastest.DefaultOrgID)
	fmt.Println("link-token:  ", token.LinkToken)
}
