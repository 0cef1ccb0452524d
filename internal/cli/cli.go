// Package cli implements the atlas command: `atlas api cloudMigrationService createLinkToken`, compatible with the
// official Atlas CLI's flags, profiles and environment variables, built on pkg/atlas.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/spf13/cobra"

	"github.com/atlas-linktoken/atlas-linktoken/gen"
	"github.com/atlas-linktoken/atlas-linktoken/internal/redact"
	"github.com/atlas-linktoken/atlas-linktoken/pkg/atlas"
)

// Exit codes, stable for scripts.
const (
	ExitOK      = 0 // the request succeeded and its answer was written
	ExitFailure = 1 // Atlas answered with an error or an unusable answer, or the network failed
	ExitUsage   = 2 // bad flags, input, configuration or credentials: nothing was sent
	// ExitUnwritten: Atlas acted (a 2xx answer, e.g. a link-token was created) but the answer could not be written
	// as asked (--output-file, --output template): it is on stdout verbatim instead. Do not simply run again.
	ExitUnwritten = 3
	// ExitInterrupted: SIGINT or SIGTERM; stderr says whether a request was in flight (Atlas may have acted).
	ExitInterrupted = 130
)

// Environment is everything the command touches outside itself, so tests can run it in-process.
type Environment struct {
	Stdin            io.Reader
	Stdout, Stderr   io.Writer
	Getenv           func(string) string
	ConfigDir        string // directory holding atlascli/config.toml; empty: none
	CacheDir         string // directory for the service-account token cache (atlas-linktoken/tokens); empty: none
	StdinIsPiped     bool   // stdin is a pipe or a redirected file, so it may hold the request body
	StdoutIsTerminal bool
	StderrIsTerminal bool              // progress of --watch is one line rewritten in place
	Transport        http.RoundTripper // nil: http.DefaultTransport
	// Prompt asks a question on the terminal and returns the answer, without echo when secret; nil when stdin is
	// not a terminal (then nothing is asked: a source password must come from elsewhere, --force is needed). When
	// ctx ends (Ctrl-C) it must return at once with ctx's error, the terminal as it found it: the command then ends
	// as interrupted.
	Prompt func(ctx context.Context, question string, secret bool) (string, error)
}

// failure is an error after the request may have been sent (exit 1); every other error is a usage error (exit 2).
type failure struct{ err error }

func (f failure) Error() string { return f.err.Error() }
func (f failure) Unwrap() error { return f.err }

// runState is what one invocation learns while it runs: whether a request has left the process.
type runState struct {
	sent  atomic.Bool // any request left the process
	wrote atomic.Bool // a request that may change something (not GET or HEAD) left the process
	tree  atomic.Bool // a command of the hand-written trees runs: Atlas' error documents go to stderr only
}

// Run executes the command line args and returns the exit code. When ctx ends (the binary cancels it on SIGINT and
// SIGTERM) the command stops at once, reading stdin included, and Run returns ExitInterrupted.
func Run(ctx context.Context, args []string, env Environment) int {
	state := &runState{}
	root := newRootCommand(env, state)
	root.SetArgs(args)
	root.SetIn(env.Stdin)
	root.SetOut(env.Stdout)
	root.SetErr(env.Stderr)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return ExitOK
	}
	if ctx.Err() != nil && !errors.As(err, new(*unwritten)) {
		switch {
		case state.wrote.Load():
			fmt.Fprintln(env.Stderr, "Error: interrupted while a request was in flight: Atlas may have acted on it; check before running the command again")
		case state.sent.Load():
			fmt.Fprintln(env.Stderr, "Error: interrupted; only reads were sent, so Atlas changed nothing")
		default:
			fmt.Fprintln(env.Stderr, "Error: interrupted; nothing was sent to Atlas")
		}
		return ExitInterrupted
	}
	var (
		apiErr *atlas.APIError
		uw     *unwritten
		bad    *unusable
		lost   *lostOutput
		acted  *actedThen
	)
	// What came from the server is shown harmless on a terminal, byte for byte on a pipe or in a file.
	errorLine := func(msg string) { fmt.Fprintf(env.Stderr, "Error: %s\n", shown([]byte(msg), env.StderrIsTerminal)) }
	switch {
	case errors.As(err, &lost):
		path, keepErr := keepAnswer(env, lost.op.id, lost.body)
		if keepErr != nil {
			errorLine(lost.Error() + "; keeping it in a file failed too (" + keepErr.Error() + "), so it follows on standard error: keep it")
			_, _ = env.Stderr.Write(shown(lost.body, env.StderrIsTerminal))
			fmt.Fprintln(env.Stderr)
			return ExitUnwritten
		}
		errorLine(lost.Error() + ". The answer, exactly as Atlas sent it, is kept in " + path + " (mode 0600): keep it, and do not run the command again to get another")
		return ExitUnwritten
	case errors.As(err, &acted):
		errorLine(acted.Error())
		return ExitUnwritten
	case errors.As(err, &uw):
		_, _ = env.Stdout.Write(shown(uw.body, env.StdoutIsTerminal))
		errorLine(uw.Error())
		return ExitUnwritten
	case errors.As(err, &bad):
		_, _ = env.Stdout.Write(shown(bad.body, env.StdoutIsTerminal))
		errorLine(bad.Error())
		if bad.acted() {
			return ExitUnwritten
		}
		return ExitFailure
	case errors.As(err, &apiErr):
		// As the official CLI: for `atlas api`, the error document on stdout for scripts and a readable line on
		// stderr; for the hand-written trees, the line on stderr only.
		if len(apiErr.Body) > 0 && !state.tree.Load() {
			_, _ = env.Stdout.Write(shown(apiErr.Body, env.StdoutIsTerminal))
			if env.StdoutIsTerminal {
				_, _ = io.WriteString(env.Stdout, "\n")
			}
		}
		errorLine(describeAPIError(apiErr))
		return ExitFailure
	case errors.As(err, new(failure)):
		errorLine(err.Error())
		return ExitFailure
	default:
		errorLine(err.Error())
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

func newRootCommand(env Environment, state *runState) *cobra.Command {
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
		return fmt.Errorf("%w%s\nRun '%s --help' for usage.", err, suggestFlag(cmd, err), cmd.CommandPath())
	})
	_ = root.RegisterFlagCompletionFunc("profile", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return profileNames(env.ConfigDir), cobra.ShellCompDirectiveNoFileComp
	})
	root.Version = atlas.Version()
	root.SetVersionTemplate(versionText())
	root.AddCommand(&cobra.Command{
		Use:   "version",
		Short: "Print the version of this CLI, the Go version and the platform",
		Args:  cobra.NoArgs,
		Run:   func(cmd *cobra.Command, _ []string) { _, _ = io.WriteString(cmd.OutOrStdout(), versionText()) },
	})

	apiCmd := &cobra.Command{Use: "api", Short: "Access all features of the Atlas Administration API by using the Atlas CLI"}
	root.AddCommand(apiCmd)
	addAPICommands(apiCmd, env, state, gen.Operations)
	addLiveMigrationCommands(root, env, state)
	addSourceCommands(root, env, state)
	rejectUnknownCommands(root)
	return root
}

const settingsHelp = `Settings come from flags, then MONGODB_ATLAS_* (or legacy MCLI_*) environment variables, then the Atlas CLI profile (-P, MONGODB_ATLAS_PROFILE, "default", or the file's only profile) in the Atlas CLI's config.toml.

Exit codes: 0 success; 1 Atlas answered with an error (its JSON on stdout) or the network failed; 2 usage, input or configuration error (nothing was sent); 3 Atlas acted but the answer could not be written as asked (it is on stdout: keep it); 130 interrupted.`

// settings are one invocation's checked settings: nothing has been sent yet.
type settings struct {
	cfg        *config
	op         *operation
	version    string
	format     *formatter
	outputFile string
	enveloped  bool
	debug      bool
}

// resolve checks configuration, orgId, version and output before anything is sent: the output file can be written
// and the output template works on a sample of the operation's answer, so nothing fails after Atlas has acted.
func resolve(cmd *cobra.Command, env Environment, f *apiFlags, op *operation) (*settings, error) {
	profileFlag, _ := cmd.Flags().GetString("profile")
	debug, _ := cmd.Flags().GetBool("debug")
	cfg, err := loadConfig(env.ConfigDir, profileFlag, env.Getenv)
	if err != nil {
		return nil, err
	}
	for _, w := range cfg.warnings {
		fmt.Fprintln(env.Stderr, "Warning:", w)
	}

	// An explicit --version the operation lacks is an error; api_version from the profile or the environment is a
	// global setting meant for other commands too: the official CLI warns and uses the operation's default.
	if cmd.Flags().Changed("version") {
		if !slices.Contains(op.versions, f.version) {
			return nil, fmt.Errorf("unknown --version %q: %s has versions %s", f.version, op.id, strings.Join(op.versions, ", "))
		}
	} else if v, from := cfg.lookup("api_version"); v != "" {
		if slices.Contains(op.versions, v) {
			f.version = v
		} else {
			fmt.Fprintf(env.Stderr, "Warning: api_version %q (from %s) is not a version of %s (it has %s): using %s\n",
				v, from, op.id, strings.Join(op.versions, ", "), f.version)
		}
	}

	warnSunset(env, op, f.version, time.Now())

	// Only an explicit -o counts: a profile's or environment's output (such as "plaintext", which atlas auth login
	// writes, or a go-template meant for the liveMigrations tree) is for other commands; the official api commands
	// ignore it, and print JSON.
	output := f.output
	format, err := newFormatter(output)
	if err != nil {
		return nil, err
	}
	enveloped := false
	if v, ok := f.params["envelope"]; ok {
		enveloped = *v == "true"
	}
	if err := format.check(op.sample(f.version, enveloped)); err != nil {
		return nil, err
	}
	if f.outputFile != "" {
		if err := checkOutputFile(f.outputFile); err != nil {
			return nil, err
		}
	}
	return &settings{cfg: cfg, op: op, version: f.version, format: format, outputFile: f.outputFile, enveloped: enveloped, debug: debug}, nil
}

// client builds the API client from the configuration's host and credentials. Every request it sends marks state.
func (s *settings) client(env Environment, state *runState) (*atlas.Client, error) {
	baseURL, from, err := s.cfg.baseURL()
	if err != nil {
		return nil, err
	}
	auth, clientID, err := s.cfg.authOption()
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
	transport = &markSent{base: transport, state: state}
	var tokens atlas.Option
	if store := newFileTokenStore(env.CacheDir, baseURL, clientID, s.cfg.get("client_secret"), env.Stderr); store != nil && clientID != "" {
		tokens = atlas.WithTokenStore(store)
	}
	client, err := atlas.NewClient(
		atlas.WithBaseURL(baseURL),
		auth,
		tokens,
		atlas.WithHTTPClient(&http.Client{Transport: transport}), // no Timeout: the client applies DefaultTimeout per call
		atlas.WithUserAgent(strings.Replace(atlas.DefaultUserAgent(), "atlas-linktoken/", "atlas-linktoken-cli/", 1)),
	)
	if errors.Is(err, atlas.ErrInsecureHTTP) {
		secure := strings.Replace(redact.URL(baseURL), "http://", "https://", 1)
		return nil, fmt.Errorf("base URL %s (from %s) is plain http to a host that is not loopback: API keys and tokens would cross the network unencrypted; write %s instead", redact.URL(baseURL), from, secure)
	}
	if err != nil {
		return nil, fmt.Errorf("base URL from %s: %w", from, err)
	}
	return client, nil
}

// markSent records that a request left the process, so an interrupt can say whether Atlas may have acted.
type markSent struct {
	base  http.RoundTripper
	state *runState
}

func (m *markSent) RoundTrip(req *http.Request) (*http.Response, error) {
	m.state.sent.Store(true)
	if req.Method != http.MethodGet && req.Method != http.MethodHead {
		m.state.wrote.Store(true)
	}
	return m.base.RoundTrip(req)
}

// write prints a call's answer, or classifies its error: input errors are usage errors, the rest failures. Once
// Atlas has answered 2xx, nothing is lost: an answer that cannot be written as asked goes to stdout verbatim
// (unwritten), and an answer that is not what the operation promises is an error showing the body (unusable).
func (s *settings) write(env Environment, resp *response, err error) error {
	if err != nil {
		var inputErr *atlas.InputError
		if errors.As(err, &inputErr) {
			return err
		}
		return failure{err}
	}
	if problem := s.op.checkAnswer(resp.Header, resp.Body, s.version, s.enveloped); problem != nil {
		return &unusable{op: s.op, status: resp.StatusCode, body: resp.Body, err: problem}
	}
	toTerminal := s.outputFile == "" && env.StdoutIsTerminal
	if toTerminal && !isTextual(resp.Header.Get("Content-Type")) {
		return &unwritten{op: s.op, status: resp.StatusCode, body: resp.Body,
			err: fmt.Errorf("the response is binary (%s): use --output-file, or redirect stdout", resp.Header.Get("Content-Type"))}
	}
	var out []byte
	if len(resp.Body) > 0 { // a 204 has nothing to format
		if out, err = s.format.format(resp.Body, toTerminal, s.op.isAction()); err != nil {
			return &unwritten{op: s.op, status: resp.StatusCode, body: resp.Body, err: err}
		}
	}
	if s.outputFile != "" {
		if err := writeFileAtomic(s.outputFile, out); err != nil {
			return &unwritten{op: s.op, status: resp.StatusCode, body: resp.Body, err: fmt.Errorf("writing --output-file %s: %w", s.outputFile, err)}
		}
		return nil
	}
	if _, err := env.Stdout.Write(shown(out, toTerminal)); err != nil {
		if s.op.isAction() {
			return &lostOutput{op: s.op, status: resp.StatusCode, body: resp.Body, err: err}
		}
		return failure{err}
	}
	return nil
}

// versionText is what atlas --version and atlas version print, in the official CLI's layout.
func versionText() string {
	revision := "unknown"
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, kv := range info.Settings {
			if kv.Key == "vcs.revision" {
				revision = kv.Value
			}
		}
	}
	return fmt.Sprintf("atlas-linktoken version: %s\ngit version: %s\nGo version: %s\n   os: %s\n   arch: %s\n   compiler: %s\n",
		atlas.Version(), revision, runtime.Version(), runtime.GOOS, runtime.GOARCH, runtime.Compiler)
}

func isTextual(contentType string) bool {
	return contentType == "" || strings.Contains(contentType, "json") || strings.HasPrefix(contentType, "text/")
}

func quoteAll(values []string) string {
	quoted := make([]string, len(values))
	for i, v := range values {
		quoted[i] = fmt.Sprintf("%q", v)
	}
	return strings.Join(quoted, ", ")
}
