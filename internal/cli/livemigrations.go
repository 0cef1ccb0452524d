package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/spf13/cobra"

	"github.com/atlas-linktoken/atlas-linktoken/internal/bodycheck"
	"github.com/atlas-linktoken/atlas-linktoken/pkg/atlas"
)

// The official Atlas CLI's hand-written `atlas liveMigrations` tree, same names and flags, on pkg/atlas's typed
// methods: link create|delete, validation create|describe, create, describe, cutover. Its output is the official
// one: a table by default, -o json, or a Go template over the Atlas Go SDK's field names ({{.Id}}, {{.Status}}).

// sourcePasswordEnv is where a source password may come from besides the flag (which shell history keeps).
const sourcePasswordEnv = "MONGODB_ATLAS_SOURCE_PASSWORD"

// Help of the ID flags, as the official CLI words it.
const (
	projectIDHelp = "Hexadecimal string that identifies the project to use. This option overrides the settings in the configuration file or environment variable."
	orgIDHelp     = "Organization ID to use. This option overrides the settings in the configuration file or environment variable."
)

const (
	migrationTable  = "ID\tLAGTIME\tREADY FOR CUTOVER\tSTATUS\n{{.Id}}\t{{with .LagTimeSeconds}}{{.}}{{end}}\t{{.ReadyForCutover}}\t{{.Status}}\n"
	validationTable = "ID\tPROJECT ID\tSOURCE PROJECT ID\tSTATUS\n{{.Id}}\t{{.GroupId}}\t{{.SourceGroupId}}\t{{.Status}}\n"
)

// liveMigrationsAliases are the official CLI's aliases of liveMigrations.
var liveMigrationsAliases = []string{"lm", "liveMigration", "livemigrations", "livemigration", "live-migrations", "live-migration"}

func addLiveMigrationCommands(root *cobra.Command, env Environment, state *runState) {
	lm := &cobra.Command{
		Use:     "liveMigrations",
		Aliases: liveMigrationsAliases,
		Short:   "Manage a push live migration from Cloud Manager or Ops Manager to Atlas.",
		Long: "Manage a push live migration from Cloud Manager or Ops Manager to Atlas: link the organization, validate, " +
			"migrate, cut over.\n\nA source password comes from --sourcePassword, the " + sourcePasswordEnv +
			" environment variable, the first line of piped standard input, or a prompt on a terminal; it is never printed.\n\n" + settingsHelp,
	}
	link := &cobra.Command{Use: "link", Short: "Manage the link-token of a push live migration."}
	validation := &cobra.Command{Use: "validation", Aliases: []string{"validations"}, Short: "Manage validation jobs of push live migrations."}
	lm.AddCommand(link, validation)
	link.AddCommand(linkCreateCommand(env, state), linkDescribeCommand(env, state), linkDeleteCommand(env, state))
	validation.AddCommand(migrationRequestCommand(env, state, "create", "Create one validation job for a push live migration.", true),
		validationDescribeCommand(env, state))
	lm.AddCommand(migrationRequestCommand(env, state, "create", "Create a new push live migration.", false),
		migrationDescribeCommand(env, state), cutoverCommand(env, state))
	root.AddCommand(lm)
}

// handCommand is what every command of the tree shares: settings, client, output.
type handCommand struct {
	env    Environment
	state  *runState
	output string
	cfg    *config
	client *atlas.Client
	format *handFormat
}

func (h *handCommand) addOutputFlag(cmd *cobra.Command) {
	cmd.Flags().StringVarP(&h.output, "output", "o", "", `output format: json, go-template=TEMPLATE, go-template-file=PATH (Go field names of the Atlas Go SDK, such as {{.Id}}); default a table`)
	_ = cmd.RegisterFlagCompletionFunc("output", cobra.FixedCompletions([]string{"json", "go-template=", "go-template-file="}, cobra.ShellCompDirectiveNoSpace))
}

// setup loads the configuration, checks the output against a sample of operationID's answer and builds the client:
// everything before a request is sent.
func (h *handCommand) setup(cmd *cobra.Command, operationID, table string) error {
	profileFlag, _ := cmd.Flags().GetString("profile")
	debug, _ := cmd.Flags().GetBool("debug")
	cfg, err := loadConfig(h.env.ConfigDir, profileFlag, h.env.Getenv)
	if err != nil {
		return err
	}
	for _, w := range cfg.warnings {
		fmt.Fprintln(h.env.Stderr, "Warning:", w)
	}
	h.cfg = cfg
	h.state.tree.Store(true) // its errors go to stderr only, as the official tree's
	if !cmd.Flags().Changed("output") {
		// As the official CLI: the profile's or environment's output (json, a template) applies to the tree.
		if o := cfg.get("output"); o == "json" || strings.HasPrefix(o, "go-template") || strings.Contains(o, "{{") {
			h.output = o
		}
	}
	if h.format, err = newHandFormat(h.output, table); err != nil {
		return err
	}
	if err := h.format.check(operationID); err != nil {
		return err
	}
	h.client, err = (&settings{cfg: cfg, debug: debug}).client(h.env, h.state)
	return err
}

// id is an ID from its flag or, for orgId and projectId, the environment or profile; checked before sending.
func (h *handCommand) id(cmd *cobra.Command, flagName, value, profileKey string) (string, error) {
	from := "--" + flagName
	if !cmd.Flags().Changed(flagName) && profileKey != "" {
		value, from = h.cfg.lookup(profileKey)
		if value == "" {
			return "", fmt.Errorf("required flag(s) %q not set (nor %s)", flagName, h.cfg.where(profileKey))
		}
	}
	if value == "" {
		return "", fmt.Errorf("required flag(s) %q not set", flagName)
	}
	if !idPattern(value) {
		return "", fmt.Errorf("%s %q (from %s) is not a valid ID: write 24 lower-case hexadecimal digits, as in 4888442a3354817a7320eb61", flagName, value, from)
	}
	return value, nil
}

// idPattern reports whether s is an Atlas ID: 24 lower-case hexadecimal digits (atlas.OrgIDPattern).
func idPattern(s string) bool { return bodycheck.Matches(atlas.OrgIDPattern, s) }

// print writes v (a typed answer) as the output format says, harmless on a terminal. Once Atlas acted, a failure
// to render is unwritten (exit 3, the JSON on stdout) and a failure to write is lost output (exit 3, the answer kept
// in a 0600 file).
func (h *handCommand) print(operationID string, v any) error {
	op := operationByID(operationID)
	data, err := json.Marshal(v)
	if err != nil {
		return failure{err}
	}
	out, err := h.format.render(data, op.isAction())
	if err != nil {
		return &unwritten{op: op, status: 200, body: data, err: err}
	}
	if _, err := h.env.Stdout.Write(shown(out, h.env.StdoutIsTerminal)); err != nil {
		if op.isAction() {
			return &lostOutput{op: op, status: 200, body: data, err: err}
		}
		return failure{err}
	}
	return nil
}

// after classifies a typed method's error: input errors are usage errors (nothing sent); a 2xx answer the library
// could not use is shown whole (exit 3 for an action: Atlas acted); the rest are failures.
func after(err error) error {
	var inputErr *atlas.InputError
	if err == nil || errors.As(err, &inputErr) {
		return err
	}
	var unexpected *atlas.UnexpectedResponseError
	if errors.As(err, &unexpected) {
		return &unusable{op: operationByID(unexpected.Operation), status: unexpected.StatusCode, body: unexpected.Body,
			err: errors.New("the client could not use it: " + unexpected.Reason)}
	}
	return failure{err}
}

func linkCreateCommand(env Environment, state *runState) *cobra.Command {
	h := &handCommand{env: env, state: state}
	var orgID, sourceOrgID, sourceProfile string
	var ips []string
	cmd := &cobra.Command{
		Use:   "create",
		Short: "Create one new link-token for a push live migration.",
		Long: "Create one new link-token for a push live migration.\n\nWith --sourceOrgId and --sourceProfile it also connects the Cloud Manager or Ops Manager " +
			"organization to it, in one command: the link-token goes from Atlas to the source and is never printed or stored. If connecting fails, " +
			"the Atlas link is removed again (its API key with it), so nothing is left half-linked; only if that removal fails too is the link-token " +
			"kept, in a 0600 file the message names.\n\n" + settingsHelp,
		Example: "  atlas liveMigrations link create --accessListIp 203.0.113.7,198.51.100.0/24 --orgId 4888442a3354817a7320eb61\n" +
			"  atlas liveMigrations link create --accessListIp 203.0.113.7 --sourceOrgId 5e2211c17a3e5a48f5497de1 --sourceProfile cloudmanager",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			handshake := cmd.Flags().Changed("sourceOrgId") || cmd.Flags().Changed("sourceProfile")
			table, answerOf := "Link-token '{{.LinkToken}}' successfully created.\n", "createLinkToken"
			if handshake {
				table, answerOf = handshakeTable, "connectOrganizations"
			}
			if err := h.setup(cmd, answerOf, table); err != nil {
				return err
			}
			org, err := h.id(cmd, "orgId", orgID, "org_id")
			if err != nil {
				return err
			}
			for i, ip := range ips {
				if !bodycheck.IsIPOrCIDR(ip) {
					return fmt.Errorf("--accessListIp %q (entry %d): not an IP address or CIDR block: write 203.0.113.7 or 198.51.100.0/24", ip, i+1)
				}
			}
			request := atlas.TargetOrgRequest{AccessListIPs: append([]string{}, ips...)}
			if handshake {
				return h.handshake(cmd, org, sourceOrgID, sourceProfile, request)
			}
			token, err := h.client.CreateLinkToken(cmd.Context(), org, request)
			if err != nil {
				return after(err)
			}
			return h.print("createLinkToken", token)
		},
	}
	cmd.Flags().StringVar(&orgID, "orgId", "", orgIDHelp)
	cmd.Flags().StringSliceVar(&ips, "accessListIp", []string{}, "IP address access list entries that are associated with the link-token.")
	cmd.Flags().StringVar(&sourceOrgID, "sourceOrgId", "", "Cloud Manager or Ops Manager organization to connect with the new link-token (needs --sourceProfile); the link-token is then never printed.")
	cmd.Flags().StringVar(&sourceProfile, "sourceProfile", "", "profile of config.toml holding the source organization's API key (and ops_manager_url for Ops Manager); the environment's settings are Atlas'.")
	h.addOutputFlag(cmd)
	return cmd
}

func linkDeleteCommand(env Environment, state *runState) *cobra.Command {
	h := &handCommand{env: env, state: state}
	var orgID string
	var force bool
	cmd := &cobra.Command{
		Use:     "delete",
		Aliases: []string{"rm"},
		Short:   "Delete one link-token.",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := h.setup(cmd, "deleteLinkTokens", ""); err != nil {
				return err
			}
			org, err := h.id(cmd, "orgId", orgID, "org_id")
			if err != nil {
				return err
			}
			if err := confirmDelete(cmd.Context(), env, force, "Are you sure you want to delete: "+org); err != nil {
				return err
			}
			if err := h.client.DeleteLinkToken(cmd.Context(), org); err != nil {
				return after(err)
			}
			if h.format.table {
				fmt.Fprintf(env.Stdout, linkDeletedMessage, org) // the official CLI's message
				return nil
			}
			return h.print("deleteLinkTokens", map[string]any{})
		},
	}
	cmd.Flags().StringVar(&orgID, "orgId", "", orgIDHelp)
	cmd.Flags().BoolVar(&force, "force", false, "Flag that indicates whether to skip the confirmation prompt before proceeding with the requested action.")
	return cmd
}

// confirm asks question on a terminal unless force; without a terminal, force is required. Ctrl-C at the question
// ends the command (ctx).
func confirm(ctx context.Context, env Environment, force bool, question string) error {
	if force {
		return nil
	}
	if env.Prompt == nil {
		return errors.New("confirmation needed and standard input is not a terminal: pass --force to proceed without it")
	}
	answer, err := env.Prompt(ctx, question+" [y/N] ", false)
	if err != nil {
		return err
	}
	if a := strings.ToLower(strings.TrimSpace(answer)); a != "y" && a != "yes" {
		return errors.New("aborted: nothing was sent to Atlas")
	}
	return nil
}

// migrationFlags are the flags of `create` and `validation create`, as the official CLI names them.
type migrationFlags struct {
	projectID, orgID, clusterName, sourceClusterName, sourceProjectID string
	sourceUsername, sourcePassword, sourceCACertificatePath           string
	migrationHosts                                                    []string
	sourceManagedAuthentication, sourceSSL, drop, force               bool
}

func migrationRequestCommand(env Environment, state *runState, use, short string, validate bool) *cobra.Command {
	h := &handCommand{env: env, state: state}
	f := &migrationFlags{}
	operationID, table := "createGroupLiveMigration", migrationTable
	if validate {
		operationID, table = "validateLiveMigrations", validationTable
	}
	cmd := &cobra.Command{
		Use:   use,
		Short: short,
		Example: "  atlas liveMigrations " + map[bool]string{true: "validation "}[validate] + "create --projectId <projectId> --clusterName Cluster0 " +
			"--sourceProjectId <sourceProjectId> --sourceClusterName rs0 --migrationHost mh1.example.net --sourceManagedAuthentication",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := h.setup(cmd, operationID, table); err != nil {
				return err
			}
			groupID, err := h.id(cmd, "projectId", f.projectID, "project_id")
			if err != nil {
				return err
			}
			if cmd.Flags().Changed("orgId") && !idPattern(f.orgID) {
				return fmt.Errorf("--orgId %q is not a valid ID: write 24 lower-case hexadecimal digits", f.orgID)
			}
			req, err := f.request(cmd, env, groupID)
			if err != nil {
				return err
			}
			if f.drop {
				if err := confirm(cmd.Context(), env, f.force, "Are you sure you want to drop the destination collections?"); err != nil {
					return err
				}
			}
			if validate {
				v, err := h.client.ValidateMigration(cmd.Context(), groupID, req)
				if err != nil {
					return after(err)
				}
				return h.print(operationID, v)
			}
			m, err := h.client.CreateMigration(cmd.Context(), groupID, req)
			if err != nil {
				return after(err)
			}
			return h.print(operationID, m)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.projectID, "projectId", "", projectIDHelp)
	fl.StringVar(&f.orgID, "orgId", "", orgIDHelp)
	fl.StringVar(&f.sourceClusterName, "sourceClusterName", "", "Name of the source cluster to migrate.")
	fl.StringVar(&f.sourceProjectID, "sourceProjectId", "", "Unique 24-hexadecimal digit string that identifies the source project.")
	fl.StringVarP(&f.sourceUsername, "sourceUsername", "u", "", "MongoDB user that has the permissions to perform the migration on the source cluster.")
	fl.StringVarP(&f.sourcePassword, "sourcePassword", "p", "", "Password of the source user; prefer "+sourcePasswordEnv+" or the prompt (shell history keeps flags).")
	fl.BoolVar(&f.sourceSSL, "sourceSsl", false, "Flag that indicates whether SSL is enabled on the source cluster.")
	fl.StringVar(&f.sourceCACertificatePath, "sourceCACertificatePath", "", "Path to the CA certificate that signed the source cluster's SSL certificates (implies --sourceSsl).")
	fl.BoolVar(&f.sourceManagedAuthentication, "sourceManagedAuthentication", false, "Flag that indicates whether MongoDB Automation manages authentication to the source cluster.")
	fl.StringVar(&f.clusterName, "clusterName", "", "Name of the destination cluster in Atlas.")
	fl.StringSliceVar(&f.migrationHosts, "migrationHost", []string{}, "Hostname of the migration host to use; one.")
	fl.BoolVar(&f.drop, "drop", false, "Flag that indicates whether to drop existing collections on the destination cluster before the migration.")
	fl.BoolVar(&f.force, "force", false, "Flag that indicates whether to skip the confirmation prompt before proceeding with the requested action.")
	cmd.MarkFlagsMutuallyExclusive("sourceManagedAuthentication", "sourceUsername")
	for _, required := range []string{"sourceClusterName", "sourceProjectId", "clusterName", "migrationHost"} {
		_ = cmd.MarkFlagRequired(required)
	}
	h.addOutputFlag(cmd)
	return cmd
}

// request builds the 2024-05-30 body (the official CLI's) from the flags, the password from its sources.
func (f *migrationFlags) request(cmd *cobra.Command, env Environment, groupID string) (atlas.LiveMigrationRequest20240530, error) {
	if err := f.checkText(); err != nil {
		return atlas.LiveMigrationRequest20240530{}, err
	}
	src := atlas.Source{ClusterName: f.sourceClusterName, GroupID: f.sourceProjectID, ManagedAuthentication: f.sourceManagedAuthentication,
		SSL: f.sourceSSL || f.sourceCACertificatePath != ""}
	if !idPattern(f.sourceProjectID) {
		return atlas.LiveMigrationRequest20240530{}, fmt.Errorf("--sourceProjectId %q is not a valid ID: write 24 lower-case hexadecimal digits, as listed by atlas api cloudMigrationService listAvailableProjects", f.sourceProjectID)
	}
	if f.sourceCACertificatePath != "" {
		src.CACertificatePath = &f.sourceCACertificatePath
	}
	if !f.sourceManagedAuthentication {
		if f.sourceUsername == "" {
			return atlas.LiveMigrationRequest20240530{}, errors.New("MongoDB Automation is not managing authentication, --sourceUsername must be set (or pass --sourceManagedAuthentication)")
		}
		password, err := sourcePassword(cmd, env, f.sourcePassword)
		if err != nil {
			return atlas.LiveMigrationRequest20240530{}, err
		}
		src.Username, src.Password = &f.sourceUsername, &password
	} else if cmd.Flags().Changed("sourcePassword") {
		return atlas.LiveMigrationRequest20240530{}, errors.New("--sourcePassword with --sourceManagedAuthentication: MongoDB Automation manages authentication; leave the password out")
	}
	if len(f.migrationHosts) != 1 {
		return atlas.LiveMigrationRequest20240530{}, fmt.Errorf("--migrationHost %q: give exactly one migration host (Atlas takes one per migration)", strings.Join(f.migrationHosts, ","))
	}
	drop := f.drop
	return atlas.LiveMigrationRequest20240530{
		Source:              src,
		Destination:         atlas.Destination{ClusterName: f.clusterName, GroupID: groupID, HostnameSchemaType: atlas.HostnamePublic},
		MigrationHosts:      f.migrationHosts,
		DropDestinationData: &drop,
	}, nil
}

// checkText refuses a flag whose value is not UTF-8 (the password is checkedPassword's): JSON would carry each invalid
// byte as U+FFFD, so Atlas would get a user name, cluster, host or path other than the one given.
func (f *migrationFlags) checkText() error {
	values := [][2]string{{"sourceUsername", f.sourceUsername}, {"sourceClusterName", f.sourceClusterName}, {"clusterName", f.clusterName},
		{"sourceCACertificatePath", f.sourceCACertificatePath}}
	for _, host := range f.migrationHosts {
		values = append(values, [2]string{"migrationHost", host})
	}
	for _, v := range values {
		if !utf8.ValidString(v[1]) {
			return fmt.Errorf("--%s %s is not valid UTF-8: Atlas would get it altered, each invalid byte replaced; give it in UTF-8 (check the encoding of your terminal or script)",
				v[0], strconv.QuoteToASCII(v[1]))
		}
	}
	return nil
}

// sourcePassword is the source password from --sourcePassword (with a warning: shell history keeps it), the
// environment, the first line of piped standard input, or a prompt without echo on a terminal. It must be UTF-8
// text (checkedPassword).
func sourcePassword(cmd *cobra.Command, env Environment, flagValue string) (string, error) {
	p, from, err := sourcePasswordFrom(cmd, env, flagValue)
	if err != nil {
		return "", err
	}
	return checkedPassword(p, from)
}

// checkedPassword refuses a password that is not UTF-8: JSON would carry each invalid byte as U+FFFD, so the
// source would get a password other than the user's. The error says where it came from, never what it is.
func checkedPassword(p, from string) (string, error) {
	if !utf8.ValidString(p) {
		return "", fmt.Errorf("the source password from %s is not valid UTF-8 (it is not shown): Atlas would get it altered, each invalid byte replaced; "+
			"give it in UTF-8 (check the encoding of the terminal, file or variable it comes from)", from)
	}
	return p, nil
}

func sourcePasswordFrom(cmd *cobra.Command, env Environment, flagValue string) (password, from string, err error) {
	if cmd.Flags().Changed("sourcePassword") {
		if flagValue == "" {
			return "", "", errors.New("--sourcePassword is empty: set " + sourcePasswordEnv + ", pipe it on standard input, or leave the flag out to be prompted")
		}
		fmt.Fprintln(env.Stderr, "Warning: --sourcePassword stays in your shell history and the process list; prefer "+sourcePasswordEnv+" or the prompt")
		return flagValue, "--sourcePassword", nil
	}
	if p := env.Getenv(sourcePasswordEnv); p != "" {
		return p, "environment variable " + sourcePasswordEnv, nil
	}
	if env.StdinIsPiped {
		data, err := readAllBounded(cmd.Context(), env.Stdin)
		if err != nil {
			return "", "", fmt.Errorf("reading the source password from standard input: %w", err)
		}
		line, _, _ := strings.Cut(string(data), "\n")
		if line = strings.TrimRight(line, "\r"); line != "" {
			return line, "standard input", nil
		}
		return "", "", errors.New("standard input holds no source password on its first line")
	}
	if env.Prompt != nil {
		p, err := env.Prompt(cmd.Context(), "Source password: ", true)
		if err != nil {
			return "", "", err
		}
		if p != "" {
			return p, "the prompt", nil
		}
	}
	return "", "", errors.New("no source password: set " + sourcePasswordEnv + ", pipe it on standard input, run in a terminal to be prompted, or pass --sourceManagedAuthentication")
}

// watchFlags are --watch, --watch-timeout and --watch-interval.
type watchFlags struct {
	watch             bool
	timeout, interval time.Duration
}

func (w *watchFlags) add(cmd *cobra.Command, until string) {
	cmd.Flags().BoolVarP(&w.watch, "watch", "w", false, "poll until "+until+", showing progress on standard error; exit 1 if the job failed")
	cmd.Flags().DurationVar(&w.timeout, "watch-timeout", 0, "stop watching after this long (exit 1); 0: until done or interrupted")
	cmd.Flags().DurationVar(&w.interval, "watch-interval", atlas.DefaultPollInterval, "first wait between polls; later waits grow by half, up to 15s")
	cmd.PreRunE = func(*cobra.Command, []string) error { return w.check() }
}

// check refuses negative durations before anything is sent: -5m is not "no timeout".
func (w *watchFlags) check() error {
	switch {
	case w.timeout < 0:
		return fmt.Errorf("--watch-timeout %v is negative: write a positive duration such as 10m, or 0 (the default) for no timeout", w.timeout)
	case w.interval < 0:
		return fmt.Errorf("--watch-interval %v is negative: write a positive duration such as 2s", w.interval)
	}
	return nil
}

// context bounds a watch by --watch-timeout.
func (w *watchFlags) context(ctx context.Context) (context.Context, context.CancelFunc) {
	if w.timeout > 0 {
		return context.WithTimeout(ctx, w.timeout)
	}
	return context.WithCancel(ctx)
}

// finish turns a watch's outcome into the command's: the last state on stdout in any case, then exit 1 for a
// failed job or a timeout.
func (h *handCommand) finish(ctx context.Context, operationID string, last any, err error, w *watchFlags) error {
	if last != nil {
		if perr := h.print(operationID, last); perr != nil {
			return perr
		}
	}
	switch {
	case err == nil:
		return nil
	case errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil:
		return failure{&watchTimedOut{w.timeout}}
	}
	return after(err)
}

// watchTimedOut is a watch --watch-timeout ended (exit 1): the job goes on.
type watchTimedOut struct{ after time.Duration }

func (w *watchTimedOut) Error() string {
	return fmt.Sprintf("stopped watching after --watch-timeout %v: the job goes on; describe it again later", w.after)
}

func validationDescribeCommand(env Environment, state *runState) *cobra.Command {
	h := &handCommand{env: env, state: state}
	var projectID, validationID string
	w := &watchFlags{}
	cmd := &cobra.Command{
		Use:     "describe",
		Aliases: []string{"get"},
		Short:   "Return one validation job.",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := h.setup(cmd, "getMigrationValidateStatus", validationTable); err != nil {
				return err
			}
			groupID, err := h.id(cmd, "projectId", projectID, "project_id")
			if err != nil {
				return err
			}
			id, err := h.id(cmd, "validationId", validationID, "")
			if err != nil {
				return err
			}
			if !w.watch {
				v, err := h.client.MigrationValidation(cmd.Context(), groupID, id)
				if err != nil {
					return after(err)
				}
				return h.print("getMigrationValidateStatus", v)
			}
			ctx, cancel := w.context(cmd.Context())
			defer cancel()
			p := newProgress(env)
			v, err := h.client.WaitForValidation(ctx, groupID, id, atlas.WithPollInterval(w.interval, atlas.DefaultMaxPollInterval),
				atlas.WithValidationProgress(func(v *atlas.LiveImportValidation) { p.show("validation " + id + ": " + statusOf(v.Status)) }))
			p.done()
			if v == nil {
				return after(err)
			}
			return h.finish(cmd.Context(), "getMigrationValidateStatus", v, err, w)
		},
	}
	cmd.Flags().StringVar(&projectID, "projectId", "", projectIDHelp)
	cmd.Flags().StringVar(&validationID, "validationId", "", "Unique 24-hexadecimal digit string that identifies the validation job.")
	_ = cmd.MarkFlagRequired("validationId")
	w.add(cmd, "the validation ends (SUCCESS or FAILED)")
	h.addOutputFlag(cmd)
	return cmd
}

func migrationDescribeCommand(env Environment, state *runState) *cobra.Command {
	h := &handCommand{env: env, state: state}
	var projectID, liveMigrationID string
	w := &watchFlags{}
	cmd := &cobra.Command{
		Use:     "describe",
		Aliases: []string{"get"},
		Short:   "Return a push live migration job.",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := h.setup(cmd, "getGroupLiveMigration", migrationTable); err != nil {
				return err
			}
			groupID, id, err := h.migrationIDs(cmd, projectID, liveMigrationID)
			if err != nil {
				return err
			}
			if !w.watch {
				m, err := h.client.Migration(cmd.Context(), groupID, id)
				if err != nil {
					return after(err)
				}
				return h.print("getGroupLiveMigration", m)
			}
			return h.watchMigration(cmd, groupID, id, w, func(m *atlas.LiveMigrationResponse) bool {
				return atlas.ReadyForCutover(m) || atlas.MigrationDone(m)
			})
		},
	}
	cmd.Flags().StringVar(&projectID, "projectId", "", projectIDHelp)
	cmd.Flags().StringVar(&liveMigrationID, "liveMigrationId", "", "Unique 24-hexadecimal digit string that identifies the migration.")
	_ = cmd.MarkFlagRequired("liveMigrationId")
	w.add(cmd, "the migration is ready for cutover or has ended")
	h.addOutputFlag(cmd)
	return cmd
}

func cutoverCommand(env Environment, state *runState) *cobra.Command {
	h := &handCommand{env: env, state: state}
	var projectID, liveMigrationID string
	w := &watchFlags{}
	cmd := &cobra.Command{
		Use:   "cutover",
		Short: "Start the cutover for a push live migration and confirm when the cutover completes.",
		Long:  "Start the cutover for a push live migration. With --watch, wait until it completes. The default output is the official CLI's message; -o json or a template formats the migration's state read after the cutover started.",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := h.setup(cmd, "getGroupLiveMigration", migrationTable); err != nil {
				return err
			}
			groupID, id, err := h.migrationIDs(cmd, projectID, liveMigrationID)
			if err != nil {
				return err
			}
			if err := h.client.Cutover(cmd.Context(), groupID, id); err != nil {
				return after(err)
			}
			if h.output == "" {
				fmt.Fprint(env.Stdout, "Cutover process successfully started.\n")
			}
			var err2 error
			if !w.watch {
				if h.output == "" {
					return nil
				}
				m, err := h.client.Migration(cmd.Context(), groupID, id)
				if err != nil {
					return cutoverStarted(id, after(err))
				}
				err2 = h.print("getGroupLiveMigration", m)
			} else {
				err2 = h.watchMigration(cmd, groupID, id, w, atlas.MigrationDone)
			}
			if err2 != nil && !errors.Is(err2, atlas.ErrJobFailed) && !errors.As(err2, new(*watchTimedOut)) {
				return cutoverStarted(id, err2)
			}
			return err2
		},
	}
	cmd.Flags().StringVar(&projectID, "projectId", "", projectIDHelp)
	cmd.Flags().StringVar(&liveMigrationID, "liveMigrationId", "", "Unique 24-hexadecimal digit string that identifies the migration.")
	_ = cmd.MarkFlagRequired("liveMigrationId")
	w.add(cmd, "the migration is COMPLETE")
	h.addOutputFlag(cmd)
	return cmd
}

func (h *handCommand) migrationIDs(cmd *cobra.Command, projectID, liveMigrationID string) (string, string, error) {
	groupID, err := h.id(cmd, "projectId", projectID, "project_id")
	if err != nil {
		return "", "", err
	}
	id, err := h.id(cmd, "liveMigrationId", liveMigrationID, "")
	return groupID, id, err
}

// watchMigration polls until until holds, showing progress, then prints the last state.
func (h *handCommand) watchMigration(cmd *cobra.Command, groupID, id string, w *watchFlags, until atlas.MigrationCondition) error {
	ctx, cancel := w.context(cmd.Context())
	defer cancel()
	p := newProgress(h.env)
	m, err := h.client.WaitForMigration(ctx, groupID, id, until, atlas.WithPollInterval(w.interval, atlas.DefaultMaxPollInterval),
		atlas.WithMigrationProgress(func(m *atlas.LiveMigrationResponse) {
			line := "migration " + id + ": " + statusOf(m.Status)
			if m.LagTimeSeconds != nil {
				line += fmt.Sprintf(", lag %d s", *m.LagTimeSeconds)
			}
			line += fmt.Sprintf(", ready for cutover: %t", atlas.ReadyForCutover(m))
			p.show(line)
		}))
	p.done()
	if m == nil {
		return after(err)
	}
	return h.finish(cmd.Context(), "getGroupLiveMigration", m, err, w)
}

func statusOf[S ~string](s *S) string {
	if s == nil {
		return "(no status)"
	}
	return string(*s)
}

// progress shows a watch's states on stderr: one line rewritten in place on a terminal, a line per change
// otherwise.
type progress struct {
	env  Environment
	last string
}

func newProgress(env Environment) *progress { return &progress{env: env} }

func (p *progress) show(line string) {
	if line == p.last {
		return
	}
	p.last = line
	if p.env.StderrIsTerminal {
		fmt.Fprint(p.env.Stderr, "\r\033[K"+harmless(line)) // our control sequence, then the server's text made harmless
		return
	}
	fmt.Fprintln(p.env.Stderr, line)
}

func (p *progress) done() {
	if p.env.StderrIsTerminal && p.last != "" {
		fmt.Fprintln(p.env.Stderr)
	}
}

// cutoverStarted says, before err, that the cutover of migration id started (Atlas answered 202): whatever failed
// afterwards, Atlas acted, so the command exits ExitUnwritten and must not simply be run again.
func cutoverStarted(id string, err error) error {
	return &actedThen{what: "the cutover of migration " + id + " started (Atlas answered 202 Accepted)", err: err}
}

// actedThen is a failure after Atlas acted: Run says what Atlas did, then what failed, and exits ExitUnwritten.
type actedThen struct {
	what string
	err  error
}

func (a *actedThen) Error() string {
	return a.what + ", but what followed failed: " + a.err.Error() + "; check its state before running the command again"
}

func (a *actedThen) Unwrap() error { return a.err }
