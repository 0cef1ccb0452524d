package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/atlas-linktoken/atlas-linktoken/pkg/atlas"
)

// handshakeTable is what `liveMigrations link create --sourceOrgId … --sourceProfile …` prints by default: both
// sides, never the link-token.
const handshakeTable = "Organization link successfully created: the source organization is connected to the Atlas organization, status '{{.Status}}'.\n"

// handshake creates a link-token in Atlas organization org and connects source organization sourceOrgID with it,
// with the credentials of profile sourceProfile: the link-token goes from one answer to the other request and is
// never printed or stored. When connecting fails after the token exists, the Atlas link is deleted again (its API
// key goes with it), so nothing is left half-linked and no credential lingers; only when that deletion fails too is
// the link-token kept, in a 0600 file the error names (exit 3).
func (h *handCommand) handshake(cmd *cobra.Command, org, sourceOrgID, sourceProfile string, request atlas.TargetOrgRequest) error {
	if !idPattern(sourceOrgID) {
		return fmt.Errorf("--sourceOrgId %q is not a valid ID: write the source organization's 24 lower-case hexadecimal digits", sourceOrgID)
	}
	source, err := h.sourceClient(cmd, sourceProfile)
	if err != nil {
		return err
	}
	token, err := h.client.CreateLinkToken(cmd.Context(), org, request)
	if err != nil {
		return after(err)
	}
	status, connectErr := source.ConnectOrganizations(cmd.Context(), sourceOrgID, token.LinkToken)
	if connectErr == nil {
		return h.print("connectOrganizations", status)
	}
	// Undo: even after Ctrl-C, the Atlas link and its key must not outlive the failure (bounded).
	ctx, cancel := context.WithTimeout(context.WithoutCancel(cmd.Context()), 30*time.Second)
	defer cancel()
	if deleteErr := h.client.DeleteLinkToken(ctx, org); deleteErr != nil {
		path, keepErr := keepAnswer(h.env, "createLinkToken", []byte(`{"linkToken":"`+token.LinkToken+`"}`))
		where := "it could not be kept either (" + errString(keepErr) + "): delete the Atlas link with `atlas liveMigrations link delete`"
		if keepErr == nil {
			where = "the link-token is kept in " + path + " (mode 0600): connect with `atlas cloud-manager liveMigrations link create` and delete the file, or delete the Atlas link"
		}
		return &actedThen{what: "the link-token was created in Atlas organization " + org,
			err: fmt.Errorf("connecting source organization %s failed (%v), and deleting the Atlas link again failed too (%v); %s", sourceOrgID, connectErr, deleteErr, where)}
	}
	// %v, not %w: the message is about both sides, not the source's error alone.
	return failure{fmt.Errorf("connecting source organization %s failed: %v; the Atlas link was deleted again (its API key with it), so nothing is left half-linked: fix the cause and run the command again", sourceOrgID, connectErr)}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// linkDescribeCommand shows both sides: the Atlas organization's available source projects (what the link gives)
// and the source organization's connection status.
func linkDescribeCommand(env Environment, state *runState) *cobra.Command {
	h := &handCommand{env: env, state: state}
	var orgID, sourceOrgID, sourceProfile string
	cmd := &cobra.Command{
		Use:     "describe",
		Aliases: []string{"get"},
		Short:   "Show both sides of an organization link: the source projects Atlas sees, and the source organization's status.",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := h.setup(cmd, linkDescribeAnswer, linkDescribeTable); err != nil {
				return err
			}
			org, err := h.id(cmd, "orgId", orgID, "org_id")
			if err != nil {
				return err
			}
			if !idPattern(sourceOrgID) {
				return fmt.Errorf("--sourceOrgId %q is not a valid ID: write the source organization's 24 lower-case hexadecimal digits", sourceOrgID)
			}
			source, err := h.sourceClient(cmd, sourceProfile)
			if err != nil {
				return err
			}
			projects, err := h.client.ListAvailableProjects(cmd.Context(), org)
			if err != nil {
				return after(err)
			}
			status, err := source.ConnectionStatus(cmd.Context(), sourceOrgID)
			if err != nil {
				return after(err)
			}
			names := make([]string, 0, len(projects))
			for _, p := range projects {
				if p.Name != nil {
					names = append(names, *p.Name)
				}
			}
			return h.print(linkDescribeAnswer, map[string]any{"orgId": org, "sourceOrgId": sourceOrgID, "status": status.Status,
				"availableProjects": projects, "availableProjectNames": names})
		},
	}
	cmd.Flags().StringVar(&orgID, "orgId", "", orgIDHelp)
	cmd.Flags().StringVar(&sourceOrgID, "sourceOrgId", "", "Cloud Manager or Ops Manager organization of the link.")
	cmd.Flags().StringVar(&sourceProfile, "sourceProfile", "", "profile of config.toml holding the source organization's API key (and ops_manager_url for Ops Manager).")
	_ = cmd.MarkFlagRequired("sourceOrgId")
	_ = cmd.MarkFlagRequired("sourceProfile")
	h.addOutputFlag(cmd)
	return cmd
}

// linkDescribeAnswer names link describe's answer, which no single operation gives, for the template check.
const linkDescribeAnswer = "linkDescribe"

// linkDescribeTable is link describe's default output.
const linkDescribeTable = "ATLAS ORG\tAVAILABLE SOURCE PROJECTS\tSOURCE ORG\tSOURCE STATUS\n{{.OrgId}}\t{{len .AvailableProjects}}\t{{.SourceOrgId}}\t{{.Status}}\n"
