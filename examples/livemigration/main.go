// Command livemigration runs a whole push live migration through pkg/atlas against the local emulator, which plays
// Atlas and Cloud Manager as cloud.mongodb.com does, the way a migration tool would against them: link both sides
// (a link-token from the Atlas organization, with which the Cloud Manager organization connects), pick a source
// project, deployment and migration host, validate, migrate, wait until ready, cut over, wait until complete. With
// the emulator's demo pace (-phase 1s) it takes about six seconds. Against Atlas, drop the emulator and
// WithBaseURL, pass your own API keys (one of the Atlas organization, one of the source organization; for Ops
// Manager, its URL as the source client's base URL), org and project IDs.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"time"

	"github.com/atlas-linktoken/atlas-linktoken/pkg/atlas"
	"github.com/atlas-linktoken/atlas-linktoken/pkg/atlastest"
)

func main() {
	phase := flag.Duration("phase", atlastest.DefaultPhaseDuration, "how long each phase of the emulated migration lasts")
	flag.Parse()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	if err := run(ctx, os.Stdout, *phase); err != nil {
		log.Fatal(err)
	}
}

// run migrates the emulator's demo source into its demo destination, printing each step to w.
func run(ctx context.Context, w io.Writer, phase time.Duration) error {
	emulator, err := atlastest.NewServer(atlastest.WithPhaseDuration(phase))
	if err != nil {
		return err
	}
	defer emulator.Close()
	client, err := atlas.NewClient(
		atlas.WithBaseURL(emulator.URL),
		atlas.WithDigestAuth(atlastest.DefaultPublicKey, atlastest.DefaultPrivateKey),
	)
	if err != nil {
		return err
	}
	cloudManager, err := atlas.NewClient( // Cloud Manager: the same host, an API key of the source organization
		atlas.WithBaseURL(emulator.URL),
		atlas.WithDigestAuth(atlastest.DefaultSourcePublicKey, atlastest.DefaultSourcePrivateKey),
	)
	if err != nil {
		return err
	}
	orgID, groupID := atlastest.DefaultOrgID, atlastest.DefaultGroupID
	poll := atlas.WithPollInterval(phase/2, phase)

	// 1. Link both sides. The link-token is a secret: it goes from Atlas' answer to Cloud Manager, never printed.
	token, err := client.CreateLinkToken(ctx, orgID, atlas.TargetOrgRequest{AccessListIPs: []string{"203.0.113.7"}})
	if err != nil {
		return err
	}
	status, err := cloudManager.ConnectOrganizations(ctx, atlastest.DefaultSourceOrgID, token.LinkToken)
	if err != nil {
		return err
	}
	fmt.Fprintln(w, "linked organization", orgID, "with source organization", atlastest.DefaultSourceOrgID+":", *status.Status)

	// 2. Choose what to migrate from what the link makes available.
	projects, err := client.ListAvailableProjects(ctx, orgID)
	if err != nil {
		return err
	}
	if len(projects) == 0 || len(projects[0].Deployments) == 0 || len(projects[0].MigrationHosts) == 0 {
		return errors.New("no source project with a deployment and a migration host")
	}
	source := projects[0]
	deployment := *source.Deployments[0].Name
	fmt.Fprintf(w, "source: project %s, deployment %s, migration host %s\n", *source.ProjectID, deployment, source.MigrationHosts[0])

	req := atlas.LiveMigrationRequest20240530{ // the newest version; atlas.LiveMigrationRequest is 2023-01-01's
		Source: atlas.Source{GroupID: *source.ProjectID, ClusterName: deployment, ManagedAuthentication: true},
		Destination: atlas.Destination{GroupID: groupID, ClusterName: atlastest.DefaultClusterName,
			HostnameSchemaType: atlas.HostnamePublic},
		MigrationHosts: source.MigrationHosts[:1],
	}

	// 3. Validate, and wait for the verdict.
	validation, err := client.ValidateMigration(ctx, groupID, req)
	if err != nil {
		return err
	}
	validation, err = client.WaitForValidation(ctx, groupID, *validation.ID, poll)
	if err != nil {
		return err
	}
	fmt.Fprintln(w, "validation:", *validation.Status)

	// 4. Migrate, and wait until the destination has caught up.
	migration, err := client.CreateMigration(ctx, groupID, req)
	if err != nil {
		return err
	}
	lastStatus := string(*migration.Status)
	fmt.Fprintln(w, "migration:", lastStatus)
	migration, err = client.WaitForMigration(ctx, groupID, *migration.ID, atlas.ReadyForCutover, poll,
		atlas.WithMigrationProgress(func(m *atlas.LiveMigrationResponse) {
			if s := string(*m.Status); s != lastStatus { // one line per status, whatever the pace
				fmt.Fprintln(w, "migration:", s)
				lastStatus = s
			}
		}))
	if err != nil {
		return err
	}
	fmt.Fprintln(w, "ready for cutover")

	// 5. Cut over, and wait for the end.
	if err := client.Cutover(ctx, groupID, *migration.ID); err != nil {
		return err
	}
	migration, err = client.WaitForMigration(ctx, groupID, *migration.ID, atlas.MigrationDone, poll)
	if err != nil {
		return err
	}
	fmt.Fprintln(w, "migration:", *migration.Status)
	return nil
}
