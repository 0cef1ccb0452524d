// Command atlas-emulator runs the pkg/atlastest Atlas emulator as a process, so the CLI, curl or any Atlas client
// can create link-tokens and run a whole push live migration without an Atlas account.
//
//	atlas-emulator [--addr 127.0.0.1:8080] [--org-id ID] [--public-key KEY] [--private-key KEY]
//	               [--client-id ID] [--client-secret SECRET] [--group-id ID] [--cluster-name NAME ...]
//	               [--source-org-id ID] [--source-public-key KEY] [--source-private-key KEY]
//	               [--phase-duration 1s] [--seed FILE] [--control-token TOKEN | --no-control]
//
// Like cloud.mongodb.com, it plays both sides of a push live migration: Atlas under /api/atlas/v2 and Cloud
// Manager under /api/public/v1.0. The destination is one project (--group-id, default atlastest.DefaultGroupID) of
// the Atlas org holding the clusters named by --cluster-name (repeatable or comma-separated; default
// atlastest.DefaultClusterName). The source is one Cloud Manager org (--source-org-id, default
// atlastest.DefaultSourceOrgID) holding atlastest.DemoSourceProjects, whose API key (--source-public-key,
// --source-private-key; default atlastest.DefaultSourcePublicKey and its private key) is its Organization Owner:
// once it connects with a link-token the Atlas org created, Atlas' listAvailableProjects lists its projects. Each
// phase of a validation or migration lasts --phase-duration: with the default 1s a migration is ready for cutover
// 4 s after it is created.
//
// --seed FILE adds the organizations, keys, service accounts and projects of a seed document, JSON or YAML
// (atlastest.Seed), to that state, on both sides (its sourceOrgs are Cloud Manager organizations whose keys
// authenticate under /api/public/v1.0): it is the state the control plane's reset returns to. The control plane, under
// /_emulator/ (health, reset, seed, clock, jobs, faults, the request journal; described by api/emulator/openapi.yaml,
// served at /_emulator/openapi.yaml), answers loopback clients only; with --control-token (or the environment's
// ATLAS_EMULATOR_CONTROL_TOKEN) every control request needs "Authorization: Bearer TOKEN"; --no-control turns it off.
//
// The first line on stdout is "listening on http://HOST:PORT" once connections are accepted; then one line per
// request goes to stderr (method, path, status, auth outcome; never credentials or tokens). SIGINT or SIGTERM stops
// it cleanly. The defaults are the emulator's documented demo identities (atlastest.DefaultOrgID,
// atlastest.DefaultSourceOrgID and friends): on Atlas an API key and a service account, both Organization Owner of the
// org; on Cloud Manager an API key, Organization Owner of the source org.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/atlas-linktoken/atlas-linktoken/pkg/atlastest"
)

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "atlas-emulator:", err)
		os.Exit(2)
	}
}

func run(args []string, stdout, stderr io.Writer) error {
	flags := flag.NewFlagSet("atlas-emulator", flag.ContinueOnError)
	flags.SetOutput(stderr)
	addr := flags.String("addr", "127.0.0.1:8080", "loopback `address` to listen on; port 0 picks a free port")
	orgID := flags.String("org-id", atlastest.DefaultOrgID, "`ID` of the organization the API key owns")
	publicKey := flags.String("public-key", atlastest.DefaultPublicKey, "public API `key` (digest user name)")
	privateKey := flags.String("private-key", atlastest.DefaultPrivateKey, "private API `key` (digest password)")
	clientID := flags.String("client-id", atlastest.DefaultClientID, "service account client `ID`")
	clientSecret := flags.String("client-secret", atlastest.DefaultClientSecret, "service account client `secret`")
	readTimeout := flags.Duration("read-timeout", atlastest.DefaultReadTimeout, "longest `duration` to read one request, headers and body")
	idleTimeout := flags.Duration("idle-timeout", atlastest.DefaultIdleTimeout, "close keep-alive connections idle this `long`")
	groupID := flags.String("group-id", atlastest.DefaultGroupID, "`ID` of the destination project (group) the org owns")
	var clusters clusterNames
	flags.Var(&clusters, "cluster-name", "`name` of a destination cluster in the project; repeat or separate with commas (default "+atlastest.DefaultClusterName+")")
	sourceOrgID := flags.String("source-org-id", atlastest.DefaultSourceOrgID, "`ID` of the Cloud Manager organization the source API key owns (holding the demo source projects)")
	sourcePublicKey := flags.String("source-public-key", atlastest.DefaultSourcePublicKey, "public API `key` of the source organization (digest user name)")
	sourcePrivateKey := flags.String("source-private-key", atlastest.DefaultSourcePrivateKey, "private API `key` of the source organization (digest password)")
	phase := flags.Duration("phase-duration", atlastest.DefaultPhaseDuration, "how `long` each phase of a validation or migration lasts (a migration is ready for cutover after 4)")
	seedFile := flags.String("seed", "", "add the organizations, keys and projects of seed document `FILE` (JSON or YAML) at start-up; reset returns to them")
	controlToken := flags.String("control-token", "", "bearer `token` every /_emulator/ control request needs (default $ATLAS_EMULATOR_CONTROL_TOKEN; without one, loopback clients only)")
	noControl := flags.Bool("no-control", false, "turn the /_emulator/ control plane off")
	if err := flags.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil // -h: the usage went to stderr; asking for help is not an error
		}
		return err
	}
	if flags.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", flags.Args())
	}
	if *controlToken == "" {
		*controlToken = os.Getenv("ATLAS_EMULATOR_CONTROL_TOKEN") // not the flag's default: -h would print it
	}
	control, err := controlOptions(*seedFile, *controlToken, *noControl)
	if err != nil {
		return err
	}
	logger := log.New(stderr, "", log.LstdFlags)
	srv, err := atlastest.NewServer(append([]atlastest.Option{
		atlastest.WithAddr(*addr),
		atlastest.WithAPIKey(*publicKey, *privateKey, *orgID),
		atlastest.WithServiceAccount(*clientID, *clientSecret, *orgID),
		atlastest.WithGroup(*orgID, *groupID, clusters.orDefault()...),
		atlastest.WithSourceOrg(*sourceOrgID, atlastest.DemoSourceProjects()...),
		atlastest.WithSourceAPIKey(*sourcePublicKey, *sourcePrivateKey, *sourceOrgID),
		atlastest.WithPhaseDuration(*phase),
		atlastest.WithReadTimeout(*readTimeout),
		atlastest.WithIdleTimeout(*idleTimeout),
		atlastest.WithRequestHook(func(r atlastest.Request) { logger.Print(logLine(r)) }),
	}, control...)...)
	if err != nil {
		if ve := (*atlastest.ValueError)(nil); *seedFile != "" && errors.As(err, &ve) {
			return fmt.Errorf("--seed %s: %w", *seedFile, ve)
		}
		return err
	}
	fmt.Fprintln(stdout, "listening on", srv.URL)
	if skipped := srv.SkippedPatterns(); len(skipped) > 0 {
		logger.Printf("warning: these schema patterns are not checked (Go's regexp cannot compile them): %q", skipped)
	}
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, os.Interrupt, syscall.SIGTERM)
	sig := <-stop
	logger.Printf("received %v, shutting down", sig)
	srv.Close()
	return nil
}

// controlOptions are the options of --seed, --control-token and --no-control.
func controlOptions(seedFile, token string, off bool) ([]atlastest.Option, error) {
	var opts []atlastest.Option
	if seedFile != "" {
		data, err := os.ReadFile(seedFile)
		if err != nil {
			return nil, fmt.Errorf("--seed: %w", err)
		}
		seed, err := atlastest.ParseSeed(data)
		if err != nil {
			return nil, fmt.Errorf("--seed %s: %w", seedFile, err)
		}
		opts = append(opts, atlastest.WithSeed(seed))
	}
	switch {
	case off && token != "":
		return nil, errors.New("--no-control and --control-token (or ATLAS_EMULATOR_CONTROL_TOKEN) contradict each other")
	case off:
		opts = append(opts, atlastest.WithoutControl())
	case token != "":
		opts = append(opts, atlastest.WithControlToken(token))
	}
	return opts, nil
}

// logLine is one request's log line. The path is logged escaped, as it travelled: a decoded %0A would otherwise
// start a forged line of its own.
func logLine(r atlastest.Request) string {
	auth := string(r.Auth)
	if auth == "" {
		auth = "-"
	}
	return fmt.Sprintf("%s %s %d auth=%s", r.Method, (&url.URL{Path: r.Path}).EscapedPath(), r.Status, auth)
}

// clusterNames is --cluster-name: repeatable, each value comma-separated.
type clusterNames []string

func (c *clusterNames) String() string { return strings.Join(*c, ",") }

func (c *clusterNames) Set(v string) error {
	for _, name := range strings.Split(v, ",") {
		if name = strings.TrimSpace(name); name == "" {
			return fmt.Errorf("empty cluster name in %q", v)
		}
		*c = append(*c, name)
	}
	return nil
}

func (c clusterNames) orDefault() []string {
	if len(c) == 0 {
		return []string{atlastest.DefaultClusterName}
	}
	return c
}
