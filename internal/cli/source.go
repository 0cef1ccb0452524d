package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/atlas-linktoken/atlas-linktoken/pkg/atlas"
)

// The source side, as mongocli names it: `atlas cloud-manager liveMigrations link create|describe|delete` and the
// same under `atlas ops-manager`, on pkg/atlas's ConnectOrganizations, ConnectionStatus and DeleteConnection
// (api/source/openapi.yaml). Credentials and URL come from the profile (-P), the environment or flags, as for Atlas;
// ops-manager needs the Ops Manager URL (ops_manager_url), cloud-manager defaults to https://cloud.mongodb.com/.

// linkTokenEnv is where a link-token may come from besides the flag (which shell history keeps).
const linkTokenEnv = "MONGODB_ATLAS_LINK_TOKEN"

// mongocli's messages.
const (
	sourceLinkCreated  = "Organization link successfully created.\n"
	sourceLinkStatus   = "Organization Link status: '{{.Status}}'\n"
	linkDeletedMessage = "Link-token %s successfully deleted\n"
	linkNotDeleted     = "Link-token not deleted"
)

func addSourceCommands(root *cobra.Command, env Environment, state *runState) {
	for _, product := range []struct {
		use, name string
		aliases   []string
	}{
		{"cloud-manager", "Cloud Manager", []string{"cm", "cloudmanager"}},
		{"ops-manager", "Ops Manager", []string{"om", "opsmanager"}},
	} {
		top := &cobra.Command{Use: product.use, Aliases: product.aliases,
			Short: "Commands of " + product.name + ", the source of a push live migration (as mongocli names them)."}
		lm := &cobra.Command{Use: "liveMigrations", Aliases: liveMigrationsAliases,
			Short: "Manage the " + product.name + " side of a push live migration into Atlas."}
		link := &cobra.Command{Use: "link", Short: "Manage the connection between a " + product.name + " organization and an Atlas organization."}
		opsManager := product.use == "ops-manager"
		link.AddCommand(sourceLinkCreateCommand(env, state, opsManager), sourceLinkDescribeCommand(env, state, opsManager),
			sourceLinkDeleteCommand(env, state, opsManager))
		lm.AddCommand(link)
		top.AddCommand(lm)
		root.AddCommand(top)
	}
}

// sourceSetup is setup for a source-side command: ops-manager needs the Ops Manager URL.
func (h *handCommand) sourceSetup(cmd *cobra.Command, opsManager bool, operationID, table string) error {
	if err := h.setup(cmd, operationID, table); err != nil {
		return err
	}
	if opsManager {
		if u, _ := h.cfg.lookup("ops_manager_url"); u == "" {
			if u, _ = h.cfg.lookup("base_url"); u == "" {
				return fmt.Errorf("ops-manager commands need the Ops Manager URL: set %s", h.cfg.where("ops_manager_url"))
			}
		}
	}
	return nil
}

func sourceLinkCreateCommand(env Environment, state *runState, opsManager bool) *cobra.Command {
	h := &handCommand{env: env, state: state}
	var orgID, token string
	cmd := &cobra.Command{
		Use:   "create",
		Short: "Create one new organization link: connect the source organization to the Atlas organization that created the link-token.",
		Long: "Connect the source organization (--orgId, or the profile's org_id) to the Atlas organization that created the link-token. " +
			"The link-token comes from --linkToken (shell history keeps it), the " + linkTokenEnv + " environment variable, or the first line " +
			"of piped standard input; it is never printed.\n\n" + settingsHelp,
		Example: "  atlas liveMigrations link create --accessListIp 203.0.113.7 -o go-template='{{.LinkToken}}' | atlas cloud-manager liveMigrations link create --orgId 5e2211c17a3e5a48f5497de1",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := h.sourceSetup(cmd, opsManager, "connectOrganizations", sourceLinkCreated); err != nil {
				return err
			}
			org, err := h.id(cmd, "orgId", orgID, "org_id")
			if err != nil {
				return err
			}
			linkToken, err := linkTokenInput(cmd, env, token)
			if err != nil {
				return err
			}
			status, err := h.client.ConnectOrganizations(cmd.Context(), org, linkToken)
			if err != nil {
				return after(err)
			}
			return h.print("connectOrganizations", status)
		},
	}
	cmd.Flags().StringVar(&orgID, "orgId", "", "Unique 24-hexadecimal digit string that identifies the source organization. This option overrides the settings in the configuration file or environment variable.")
	cmd.Flags().StringVar(&token, "linkToken", "", "Link-token the Atlas organization created (prefer "+linkTokenEnv+" or standard input: shell history keeps flags).")
	h.addOutputFlag(cmd)
	return cmd
}

// linkTokenInput is the link-token from --linkToken (with a warning), the environment, or piped standard input.
func linkTokenInput(cmd *cobra.Command, env Environment, flagValue string) (string, error) {
	if cmd.Flags().Changed("linkToken") {
		if strings.TrimSpace(flagValue) == "" {
			return "", errors.New("--linkToken is empty: pass the link-token Atlas created, or set " + linkTokenEnv)
		}
		fmt.Fprintln(env.Stderr, "Warning: --linkToken stays in your shell history and the process list; prefer "+linkTokenEnv+" or standard input")
		return strings.TrimSpace(flagValue), nil
	}
	if t := env.Getenv(linkTokenEnv); strings.TrimSpace(t) != "" {
		return strings.TrimSpace(t), nil
	}
	if env.StdinIsPiped {
		data, err := readAllBounded(cmd.Context(), env.Stdin)
		if err != nil {
			return "", fmt.Errorf("reading the link-token from standard input: %w", err)
		}
		line, _, _ := strings.Cut(string(data), "\n")
		if line = strings.TrimSpace(line); line != "" {
			return line, nil
		}
	}
	return "", errors.New(`required flag(s) "linkToken" not set (nor ` + linkTokenEnv + ", nor piped standard input)")
}

func sourceLinkDescribeCommand(env Environment, state *runState, opsManager bool) *cobra.Command {
	h := &handCommand{env: env, state: state}
	var orgID string
	cmd := &cobra.Command{
		Use:     "describe",
		Aliases: []string{"get"},
		Short:   "Return the status of the connection between the specified source organization and the target MongoDB Atlas organization.",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := h.sourceSetup(cmd, opsManager, "connectionStatus", sourceLinkStatus); err != nil {
				return err
			}
			org, err := h.id(cmd, "orgId", orgID, "org_id")
			if err != nil {
				return err
			}
			status, err := h.client.ConnectionStatus(cmd.Context(), org)
			if err != nil {
				return after(err)
			}
			return h.print("connectionStatus", status)
		},
	}
	cmd.Flags().StringVar(&orgID, "orgId", "", "Unique 24-hexadecimal digit string that identifies the source organization. This option overrides the settings in the configuration file or environment variable.")
	h.addOutputFlag(cmd)
	return cmd
}

func sourceLinkDeleteCommand(env Environment, state *runState, opsManager bool) *cobra.Command {
	h := &handCommand{env: env, state: state}
	var orgID string
	var force bool
	cmd := &cobra.Command{
		Use:     "delete",
		Aliases: []string{"rm"},
		Short:   "Delete one link-token: remove the connection between the source organization and its Atlas organization.",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := h.sourceSetup(cmd, opsManager, "deleteConnection", ""); err != nil {
				return err
			}
			org, err := h.id(cmd, "orgId", orgID, "org_id")
			if err != nil {
				return err
			}
			if err := confirmDelete(cmd.Context(), env, force, "Are you sure you want to delete: "+org); err != nil {
				return err
			}
			if err := h.client.DeleteConnection(cmd.Context(), org); err != nil {
				return after(err)
			}
			fmt.Fprintf(env.Stdout, linkDeletedMessage, org)
			return nil
		},
	}
	cmd.Flags().StringVar(&orgID, "orgId", "", "Unique 24-hexadecimal digit string that identifies the source organization. This option overrides the settings in the configuration file or environment variable.")
	cmd.Flags().BoolVar(&force, "force", false, "Flag that indicates whether to skip the confirmation prompt before proceeding with the requested action.")
	return cmd
}

// confirmDelete is confirm with the official CLI's message when the answer is no.
func confirmDelete(ctx context.Context, env Environment, force bool, question string) error {
	err := confirm(ctx, env, force, question)
	if err != nil && strings.HasPrefix(err.Error(), "aborted") {
		return errors.New(linkNotDeleted + ": nothing was sent")
	}
	return err
}

// sourceClient is the client of the source side for the handshake: credentials and URL of profile only (the
// environment's MONGODB_ATLAS_* settings are the Atlas side's), built before anything is sent.
func (h *handCommand) sourceClient(cmd *cobra.Command, profile string) (*atlas.Client, error) {
	if profile == "" {
		return nil, errors.New("--sourceOrgId needs --sourceProfile: the profile holding the source organization's API key (and ops_manager_url for Ops Manager)")
	}
	debug, _ := cmd.Flags().GetBool("debug")
	cfg, err := loadConfig(h.env.ConfigDir, profile, func(string) string { return "" })
	if err != nil {
		return nil, fmt.Errorf("--sourceProfile: %w", err)
	}
	client, err := (&settings{cfg: cfg, debug: debug}).client(h.env, h.state)
	if err != nil {
		return nil, fmt.Errorf("--sourceProfile %q: %w", profile, err)
	}
	return client, nil
}
