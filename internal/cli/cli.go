// Package cli implements the atlas command: `atlas api cloudMigrationService createLinkToken`, compatible with the
// official Atlas CLI's flags, profiles and environment variables, built on pkg/atlas.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/atlas-linktoken/atlas-linktoken/pkg/atlas"
)

// Exit codes, stable for scripts.
const (
	ExitOK      = 0 // the link-token was created and written
	ExitFailure = 1 // Atlas answered with an error, or the network failed
	ExitUsage   = 2 // bad flags, input, configuration or credentials: nothing was sent
)

// maxInputBytes bounds a request body read from a file or stdin.
const maxInputBytes = 1 << 20

// Environment is everything the command touches outside itself, so tests can run it in-process.
type Environment struct {
	Stdin            io.Reader
	Stdout, Stderr   io.Writer
	Getenv           func(string) string
	ConfigDir        string // directory holding atlascli/config.toml; empty: none
	StdinIsPiped     bool   // stdin is a pipe or a redirected file, so it may hold the request body
	StdoutIsTerminal bool
	Transport        http.RoundTripper // nil: http.DefaultTransport
}

// failure is an error after the request may have been sent (exit 1); every other error is a usage error (exit 2).
type failure struct{ err error }

func (f failure) Error() string { return f.err.Error() }
func (f failure) Unwrap() error { return f.err }

// Run executes the command line args and returns the exit code.
func Run(ctx context.Context, args []string, env Environment) int {
	root := newRootCommand(env)
	root.SetArgs(args)
	root.SetIn(env.Stdin)
	root.SetOut(env.Stdout)
	root.SetErr(env.Stderr)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return ExitOK
	}
	var apiErr *atlas.APIError
	switch {
	case errors.As(err, &apiErr):
		// As the official CLI: the error document on stdout for scripts, a readable line on stderr.
		if len(apiErr.Body) > 0 {
			_, _ = env.Stdout.Write(apiErr.Body)
			if env.StdoutIsTerminal {
				_, _ = io.WriteString(env.Stdout, "\n")
			}
		}
		fmt.Fprintf(env.Stderr, "Error: %s\n", describeAPIError(apiErr))
		return ExitFailure
	case errors.As(err, new(failure)):
		fmt.Fprintf(env.Stderr, "Error: %v\n", err)
		return ExitFailure
	default:
		fmt.Fprintf(env.Stderr, "Error: %v\n", err)
		return ExitUsage
	}
}

// describeAPIError is "<status> <errorCode>: <detail>", falling back to the HTTP status text.
func describeAPIError(e *atlas.APIError) string {
	code := e.ErrorCode
	if code == "" {
		code = http.StatusText(e.StatusCode)
	}
	msg := fmt.Sprintf("%d %s", e.StatusCode, code)
	if e.Detail != "" {
		msg += ": " + e.Detail
	}
	return msg
}

func newRootCommand(env Environment) *cobra.Command {
	root := &cobra.Command{
		Use:           "atlas",
		Short:         "Create MongoDB Atlas link-tokens (atlas-linktoken)",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.PersistentFlags().StringP("profile", "P", "", "Name of the profile to use from your configuration file. To learn about profiles for the Atlas CLI, see https://dochub.mongodb.org/core/atlas-cli-save-connection-settings.")
	root.PersistentFlags().BoolP("debug", "D", false, "dump requests and responses to stderr, secrets redacted")
	_ = root.PersistentFlags().MarkHidden("debug")
	root.SetFlagErrorFunc(func(cmd *cobra.Command, err error) error {
		return fmt.Errorf("%w\nRun '%s --help' for usage.", err, cmd.CommandPath())
	})

	apiCmd := &cobra.Command{Use: "api", Short: "Access all features of the Atlas Administration API by using the Atlas CLI"}
	service := &cobra.Command{
		Use:   "cloudMigrationService",
		Short: "Manages the Cloud Migration Service.",
		Long: "Manages the Cloud Migration Service. Source organizations, projects, and MongoDB clusters reside on Cloud " +
			"Manager or Ops Manager. Destination organizations, projects, and MongoDB clusters reside on MongoDB Cloud.",
	}
	root.AddCommand(apiCmd)
	apiCmd.AddCommand(service)
	service.AddCommand(newCreateLinkTokenCommand(env), newDeleteLinkTokensCommand(env))
	return root
}

// commonFlags are the options both operations share.
type commonFlags struct {
	envelope   bool
	orgID      string
	output     string
	outputFile string
	version    string
}

func addCommonFlags(cmd *cobra.Command, f *commonFlags) {
	flags := cmd.Flags()
	flags.BoolVar(&f.envelope, "envelope", false, "flag that indicates whether Application wraps the response in an envelope JSON object")
	flags.StringVar(&f.orgID, "orgId", "", "unique 24-hexadecimal digit string that identifies the organization that contains your projects")
	flags.StringVarP(&f.output, "output", "o", "json", `preferred api format, can be ["json", go-template]`)
	flags.StringVar(&f.outputFile, "output-file", "", "file to write the api output to. This flag is required when the output of an endpoint is binary (ex: gzip) and the command is not piped (ex: atlas command > out.zip)")
	flags.StringVar(&f.outputFile, "outputFile", "", "alias of --output-file (the official Atlas CLI's spelling)")
	_ = flags.MarkHidden("outputFile")
	flags.StringVar(&f.version, "version", atlas.APIVersion, fmt.Sprintf(
		"api version to use when calling the api call [options: %s], defaults to the latest version or the profiles api_version config value if set",
		quoteAll(atlas.SupportedVersions())))
}

const settingsHelp = `Settings come from flags, then MONGODB_ATLAS_* environment variables, then the Atlas CLI profile (-P, MONGODB_ATLAS_PROFILE or "default") in the Atlas CLI's config.toml.

Exit codes: 0 success; 1 Atlas answered with an error (its JSON on stdout) or the network failed; 2 usage, input or configuration error (nothing was sent).`

func newCreateLinkTokenCommand(env Environment) *cobra.Command {
	var (
		f      commonFlags
		file   string
		pretty bool
	)
	cmd := &cobra.Command{
		Use:   "createLinkToken",
		Short: "Create one link-token that contains all the information required to complete the link.",
		Long: `Create one link-token that contains all the information required to complete the link.

MongoDB Atlas uses the link-token for push live migrations only. Live migration (push) allows you to securely push data from Cloud Manager or Ops Manager into MongoDB Atlas. Your API Key must have the Organization Owner role to successfully call this resource. This command is invoking the endpoint with OperationID: 'createLinkToken'.

The request body comes from --file PATH, or from standard input when it is piped (or --file -), e.g. {"accessListIps": ["203.0.113.7"]}.
` + settingsHelp,
		Example: `  atlas api cloudMigrationService createLinkToken --orgId 4888442a3354817a7320eb61 --file body.json
  echo '{"accessListIps":["203.0.113.7"]}' | atlas api cloudMigrationService createLinkToken -P prod --output '{{.linkToken}}'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			s, err := resolve(cmd, env, &f)
			if err != nil {
				return err
			}
			body, err := readBody(env, file)
			if err != nil {
				return err
			}
			client, err := s.client(env)
			if err != nil {
				return err
			}
			params := &atlas.CreateLinkTokenParams{}
			if f.envelope {
				params.Envelope = &f.envelope
			}
			if pretty {
				params.Pretty = &pretty
			}
			resp, err := client.CreateLinkTokenRaw(cmd.Context(), s.orgID, body, params)
			return s.write(env, resp, err)
		},
	}
	addCommonFlags(cmd, &f)
	cmd.Flags().StringVar(&file, "file", "", "path to the file which contains the api request contents")
	cmd.Flags().BoolVar(&pretty, "pretty", false, "flag that indicates whether the response body should be in the prettyprint format")
	return cmd
}

func newDeleteLinkTokensCommand(env Environment) *cobra.Command {
	var f commonFlags
	cmd := &cobra.Command{
		Use:     "deleteLinkTokens",
		Aliases: []string{"deleteLinkToken"},
		Short:   "Remove one organization link and its associated public API key.",
		Long: `Remove one organization link and its associated public API key.

MongoDB Atlas uses the link-token for push live migrations only. Live migrations (push) let you securely push data from Cloud Manager or Ops Manager into MongoDB Atlas. Your API Key must have the Organization Owner role to successfully call this resource. This command is invoking the endpoint with OperationID: 'deleteLinkTokens'.

On success Atlas answers 204 with no body, so nothing is printed (with --envelope, the envelope is).
` + settingsHelp,
		Example: `  atlas api cloudMigrationService deleteLinkTokens --orgId 4888442a3354817a7320eb61`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			s, err := resolve(cmd, env, &f)
			if err != nil {
				return err
			}
			client, err := s.client(env)
			if err != nil {
				return err
			}
			params := &atlas.DeleteLinkTokensParams{}
			if f.envelope {
				params.Envelope = &f.envelope
			}
			resp, err := client.DeleteLinkTokenRaw(cmd.Context(), s.orgID, params)
			return s.write(env, resp, err)
		},
	}
	addCommonFlags(cmd, &f)
	return cmd
}

// settings are one invocation's checked settings: nothing has been sent yet.
type settings struct {
	cfg        *config
	orgID      string
	format     *formatter
	outputFile string
	debug      bool
}

// resolve checks configuration, orgId, version and output before anything is sent.
func resolve(cmd *cobra.Command, env Environment, f *commonFlags) (*settings, error) {
	profileFlag, _ := cmd.Flags().GetString("profile")
	debug, _ := cmd.Flags().GetBool("debug")
	cfg, err := loadConfig(env.ConfigDir, profileFlag, env.Getenv)
	if err != nil {
		return nil, err
	}
	for _, w := range cfg.warnings {
		fmt.Fprintln(env.Stderr, "Warning:", w)
	}

	orgID := f.orgID
	if !cmd.Flags().Changed("orgId") {
		orgID = cfg.get("org_id")
		if orgID == "" {
			return nil, fmt.Errorf(`required flag "orgId" not set (nor %s)`, cfg.where("org_id"))
		}
	}
	if err := atlas.ValidateOrgID(orgID); err != nil {
		return nil, fmt.Errorf("--orgId %q: must be 24 lower-case hexadecimal digits (%s)", orgID, atlas.OrgIDPattern)
	}

	version := f.version
	if !cmd.Flags().Changed("version") {
		if v := cfg.get("api_version"); v != "" {
			version = v
		}
	}
	if !slices.Contains(atlas.SupportedVersions(), version) {
		return nil, fmt.Errorf("unknown --version %q: %s has versions %s", version, cmd.Name(), strings.Join(atlas.SupportedVersions(), ", "))
	}

	output := f.output
	if !cmd.Flags().Changed("output") {
		if o := cfg.get("output"); o != "" {
			output = o
		}
	}
	format, err := newFormatter(output)
	if err != nil {
		return nil, err
	}
	return &settings{cfg: cfg, orgID: orgID, format: format, outputFile: f.outputFile, debug: debug}, nil
}

// client builds the API client from the configuration's host and credentials.
func (s *settings) client(env Environment) (*atlas.Client, error) {
	baseURL, err := s.cfg.baseURL()
	if err != nil {
		return nil, err
	}
	auth, err := s.cfg.authOption()
	if err != nil {
		return nil, err
	}
	transport := env.Transport
	if transport == nil {
		transport = http.DefaultTransport
	}
	if s.debug {
		transport = &debugTransport{base: transport, w: env.Stderr}
	}
	return atlas.NewClient(
		atlas.WithBaseURL(baseURL),
		auth,
		atlas.WithHTTPClient(&http.Client{Transport: transport}), // no Timeout: the client applies DefaultTimeout per call
		atlas.WithUserAgent(strings.Replace(atlas.DefaultUserAgent(), "atlas-linktoken/", "atlas-linktoken-cli/", 1)),
	)
}

// write prints a call's answer, or classifies its error: input errors are usage errors, the rest failures.
func (s *settings) write(env Environment, resp *atlas.Response, err error) error {
	if err != nil {
		var inputErr *atlas.InputError
		if errors.As(err, &inputErr) {
			return err
		}
		return failure{err}
	}
	toTerminal := s.outputFile == "" && env.StdoutIsTerminal
	if toTerminal && !isTextual(resp.Header.Get("Content-Type")) {
		return failure{fmt.Errorf("the response is binary (%s): use --output-file, or redirect stdout", resp.Header.Get("Content-Type"))}
	}
	var out []byte
	if len(resp.Body) > 0 { // a 204 has nothing to format
		if out, err = s.format.format(resp.Body, toTerminal); err != nil {
			return failure{err}
		}
	}
	if s.outputFile != "" {
		if err := writeFileAtomic(s.outputFile, out); err != nil {
			return failure{fmt.Errorf("--output-file: %w", err)}
		}
		return nil
	}
	if _, err := env.Stdout.Write(out); err != nil {
		return failure{err}
	}
	return nil
}

func isTextual(contentType string) bool {
	return contentType == "" || strings.Contains(contentType, "json") || strings.HasPrefix(contentType, "text/")
}

// readBody reads the request body from --file PATH, or stdin (piped, or --file -), and checks it strictly.
func readBody(env Environment, file string) ([]byte, error) {
	var (
		r      io.Reader
		source string
	)
	switch {
	case file != "" && file != "-" && env.StdinIsPiped:
		return nil, errors.New("request body given twice: both --file and piped standard input; use one (add </dev/null to ignore stdin)")
	case file == "-" || (file == "" && env.StdinIsPiped):
		r, source = env.Stdin, "standard input"
	case file != "":
		fh, err := openInput(file)
		if err != nil {
			return nil, fmt.Errorf("--file: %w", err)
		}
		defer fh.Close()
		r, source = fh, file
	default:
		return nil, errors.New(`no request body: pass --file PATH or pipe JSON to standard input, e.g. echo '{"accessListIps":["203.0.113.7"]}' | atlas api cloudMigrationService createLinkToken ...`)
	}
	body, err := io.ReadAll(io.LimitReader(r, maxInputBytes+1))
	if err != nil {
		return nil, fmt.Errorf("reading request body from %s: %w", source, err)
	}
	if len(body) > maxInputBytes {
		return nil, fmt.Errorf("request body from %s exceeds %d bytes", source, maxInputBytes)
	}
	if _, err := atlas.ParseTargetOrgRequest(body); err != nil {
		return nil, fmt.Errorf("%s: %w", source, err)
	}
	return body, nil
}

func quoteAll(values []string) string {
	quoted := make([]string, len(values))
	for i, v := range values {
		quoted[i] = fmt.Sprintf("%q", v)
	}
	return strings.Join(quoted, ", ")
}
