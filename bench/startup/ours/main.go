// Command ours creates one link-token with pkg/atlas and exits. bench/startup.sh times fresh processes of it
// against bare, the same request made with nothing but net/http and icholy/digest, so that what pkg/atlas adds
// to a one-shot caller (package initialisation, building the client, the call itself) shows as wall time.
//
//	ours [-url URL] [-org ID] [-public-key KEY] [-private-key KEY]
//
// The flags default to MONGODB_ATLAS_OPS_MANAGER_URL, MONGODB_ATLAS_ORG_ID, MONGODB_ATLAS_PUBLIC_API_KEY and
// MONGODB_ATLAS_PRIVATE_API_KEY. It prints nothing on success; on an error it prints it and exits 1.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/atlas-linktoken/atlas-linktoken/pkg/atlas"
)

func main() {
	url := flag.String("url", os.Getenv("MONGODB_ATLAS_OPS_MANAGER_URL"), "Atlas base `URL`")
	org := flag.String("org", os.Getenv("MONGODB_ATLAS_ORG_ID"), "organization `ID`")
	pub := flag.String("public-key", os.Getenv("MONGODB_ATLAS_PUBLIC_API_KEY"), "public API `key`")
	priv := flag.String("private-key", os.Getenv("MONGODB_ATLAS_PRIVATE_API_KEY"), "private API `key`")
	flag.Parse()
	if err := run(*url, *org, *pub, *priv); err != nil {
		fmt.Fprintln(os.Stderr, "ours:", err)
		os.Exit(1)
	}
}

// run creates one link-token, as a CLI invocation would: a new client, one call.
func run(url, org, pub, priv string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := atlas.NewClient(atlas.WithBaseURL(url), atlas.WithDigestAuth(pub, priv))
	if err != nil {
		return err
	}
	_, err = c.CreateLinkToken(ctx, org, atlas.TargetOrgRequest{AccessListIPs: []string{"203.0.113.7"}})
	return err
}
