package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/atlas-linktoken/atlas-linktoken/gen"
	"github.com/atlas-linktoken/atlas-linktoken/gen/help"
	"github.com/atlas-linktoken/atlas-linktoken/internal/bodycheck"
	"github.com/atlas-linktoken/atlas-linktoken/pkg/atlas"
)

// The `atlas api` tree is built from the generated operation table (gen.Operations and gen/help, compiled from
// api/openapi.yaml by `go generate`), like the official CLI's generated one: `atlas api <tag in lowerCamel>
// <operationId>` for every operation, with the spec's other names as aliases, a flag per path and query parameter,
// --file for a body, --version from the operation's versions, and the shared output flags. Nothing is parsed at run
// time, so a new operation in api/operations.txt gets its command from `make update-spec` alone.

// profileParams are the path parameters a profile or the environment may supply, as in the official CLI.
var profileParams = map[string]string{"orgId": "org_id", "groupId": "project_id"}

// addAPICommands adds a group per tag and a command per operation of ops (the generated table) to apiCmd.
func addAPICommands(apiCmd *cobra.Command, env Environment, state *runState, ops []gen.Operation) {
	groups := map[string]*cobra.Command{}
	for i := range ops {
		op := &ops[i]
		if op.API != "atlas" {
			continue // the source side's commands are under atlas cloud-manager and atlas ops-manager
		}
		group, ok := groups[op.Tag]
		if !ok {
			description := help.TagDescription(op.Tag)
			group = &cobra.Command{Use: lowerCamel(op.Tag), Short: firstSentence(description), Long: description}
			groups[op.Tag] = group
			apiCmd.AddCommand(group)
		}
		group.AddCommand(newOperationCommand(env, state, describeOperation(op)))
	}
	// A tag upstream renamed keeps its group as an alias of the new one (gen.Operation.PreviousTags), unless a group
	// of that name exists still: `atlas api cloudMigrationService …` goes on working after a rename.
	for i := range ops {
		op := &ops[i]
		group := groups[op.Tag]
		if op.API != "atlas" || group == nil {
			continue
		}
		for _, previous := range op.PreviousTags {
			alias := lowerCamel(previous)
			if groups[previous] == nil && alias != group.Name() && !slices.Contains(group.Aliases, alias) {
				group.Aliases = append(group.Aliases, alias)
			}
		}
	}
}

// apiFlags are one operation command's flags.
type apiFlags struct {
	params     map[string]*string // path and query parameters as typed (booleans and numbers too)
	file       string
	output     string
	outputFile string
	version    string
}

func newOperationCommand(env Environment, state *runState, op *operation) *cobra.Command {
	f := &apiFlags{params: map[string]*string{}}
	long := strings.TrimSpace(op.description) + "\n\nThis command is invoking the endpoint with OperationID: '" + op.id + "'."
	if op.hasBody {
		long += "\n\nThe request body comes from --file PATH, or from standard input when it is piped (or --file -)."
		if op.id == "createLinkToken" {
			long += ` For example {"accessListIps": ["203.0.113.7"]}.`
		}
	}
	cmd := &cobra.Command{
		Use:     op.id,
		Aliases: op.aliases,
		Short:   firstSentence(op.summaryOrDescription()),
		Long:    long + "\n\n" + settingsHelp,
		Example: "  atlas api " + lowerCamel(op.tag) + " " + op.id + op.exampleFlags(),
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runOperation(cmd, env, state, op, f)
		},
	}
	flags := cmd.Flags()
	for _, p := range op.params {
		usage := flagHelp(op.help.ParamDescription(p.Name))
		if p.Schema != nil && p.Schema.Type == "boolean" {
			flags.Var(newBoolParam(f, p.Name), p.Name, usage)
			flags.Lookup(p.Name).NoOptDefVal = "true"
			continue
		}
		f.params[p.Name] = flags.String(p.Name, "", usage)
	}
	if op.hasBody {
		flags.StringVar(&f.file, "file", "", "path to the file which contains the api request contents")
	}
	flags.StringVarP(&f.output, "output", "o", "json", `preferred api format, can be ["json", go-template]`)
	flags.StringVar(&f.outputFile, "output-file", "", "file to write the api output to. This flag is required when the output of an endpoint is binary (ex: gzip) and the command is not piped (ex: atlas command > out.zip)")
	flags.StringVar(&f.outputFile, "outputFile", "", "alias of --output-file (the official Atlas CLI's spelling)")
	_ = flags.MarkHidden("outputFile")
	flags.StringVar(&f.version, "version", op.versions[len(op.versions)-1], fmt.Sprintf(
		"api version to use when calling the api call [options: %s], defaults to the latest version or the profiles api_version config value if set",
		quoteAll(op.versions)))
	_ = cmd.RegisterFlagCompletionFunc("version", cobra.FixedCompletions(op.versions, cobra.ShellCompDirectiveNoFileComp))
	_ = cmd.RegisterFlagCompletionFunc("output", cobra.FixedCompletions([]string{"json", "go-template=", "go-template-file="}, cobra.ShellCompDirectiveNoSpace))
	return cmd
}

// boolParam is a boolean query parameter's flag: --envelope, --envelope=false.
type boolParam struct{ value *string }

func newBoolParam(f *apiFlags, name string) *boolParam {
	v := "false"
	f.params[name] = &v
	return &boolParam{&v}
}

func (b *boolParam) String() string { return *b.value }
func (b *boolParam) Type() string   { return "bool" }
func (b *boolParam) IsBoolFlag() bool {
	return true
}
func (b *boolParam) Set(s string) error {
	v, err := strconv.ParseBool(s)
	if err != nil {
		return err
	}
	*b.value = strconv.FormatBool(v)
	return nil
}

var _ pflag.Value = (*boolParam)(nil)

// runOperation checks everything, sends once, and writes the answer.
func runOperation(cmd *cobra.Command, env Environment, state *runState, op *operation, f *apiFlags) error {
	s, err := resolve(cmd, env, f, op)
	if err != nil {
		return err
	}
	target, err := s.target(cmd, f)
	if err != nil {
		return err
	}
	var body []byte
	if op.hasBody {
		if body, err = readBody(cmd.Context(), env, f.file, op, s.version); err != nil {
			return err
		}
	}
	client, err := s.client(env, state)
	if err != nil {
		return err
	}
	var reader io.Reader
	if body != nil {
		reader = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(cmd.Context(), op.method, client.BaseURL()+target, reader)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", mediaType(s.version))
	if body != nil {
		req.Header.Set("Content-Type", mediaType(s.version))
	}
	resp, err := send(cmd.Context(), client, req, s.enveloped)
	return s.write(env, resp, err)
}

// target is the request's path and query: path parameters from their flags (or, for orgId and groupId, the
// profile or environment), each checked against its schema and escaped; query parameters only when set.
func (s *settings) target(cmd *cobra.Command, f *apiFlags) (string, error) {
	path := s.op.path
	query := url.Values{}
	for _, p := range s.op.params {
		value, from := *f.params[p.Name], "--"+p.Name
		set := cmd.Flags().Changed(p.Name)
		if !set && p.In == "path" {
			if key, ok := profileParams[p.Name]; ok {
				value, from = s.cfg.lookup(key)
			}
			if value == "" {
				where := ""
				if key, ok := profileParams[p.Name]; ok {
					where = " (nor " + s.cfg.where(key) + ")"
				}
				return "", fmt.Errorf("required flag %q not set%s", p.Name, where)
			}
			set = true
		}
		if !set {
			continue
		}
		if err := checkParam(p, value); err != nil {
			what := fmt.Sprintf("--%s %q", p.Name, value)
			if from != "--"+p.Name {
				what = fmt.Sprintf("%s %q (from %s)", paramNoun(p.Name), value, from)
			}
			return "", fmt.Errorf("%s: %s", what, err)
		}
		if p.In == "path" {
			path = strings.ReplaceAll(path, "{"+p.Name+"}", url.PathEscape(value))
		} else {
			query.Set(p.Name, value)
		}
	}
	if len(query) > 0 {
		path += "?" + query.Encode()
	}
	return path, nil
}

func paramNoun(name string) string {
	switch name {
	case "orgId":
		return "organization ID"
	case "groupId":
		return "project ID"
	}
	return name
}

// checkParam validates a parameter value against its schema, with the messages users know for IDs.
func checkParam(p gen.Param, value string) error {
	schema := p.Schema
	if schema == nil {
		return nil
	}
	var doc []byte
	switch schema.Type {
	case "integer":
		if _, err := strconv.ParseInt(value, 10, 64); err != nil {
			return fmt.Errorf("must be a whole number")
		}
		doc = []byte(value)
	case "boolean":
		return nil
	default:
		doc, _ = json.Marshal(value)
	}
	if problem := bodycheck.Check(doc, schema, bodycheck.Request); problem != nil {
		if schema.Pattern == atlas.OrgIDPattern {
			return fmt.Errorf("must be 24 lower-case hexadecimal digits (%s), as in 4888442a3354817a7320eb61", atlas.OrgIDPattern)
		}
		return fmt.Errorf("%s", problem.Reason)
	}
	return nil
}

var markdownLink = regexp.MustCompile(`\[([^\]]*)\]\([^)]*\)`)

// flagHelp is a parameter description as the official CLI shows it: its first sentence, markdown removed, first
// letter lower-cased.
func flagHelp(description string) string {
	s := markdownLink.ReplaceAllString(firstSentence(description), "$1")
	s = strings.TrimSuffix(strings.ReplaceAll(s, "`", ""), ".")
	if s == "" {
		return s
	}
	r := []rune(s)
	r[0] = unicode.ToLower(r[0])
	return string(r)
}

func firstSentence(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	if i := strings.Index(s, ". "); i >= 0 {
		return s[:i+1]
	}
	return s
}

// lowerCamel turns a tag ("Cloud Migration Service") into a command name ("cloudMigrationService").
func lowerCamel(tag string) string {
	var b strings.Builder
	for i, word := range strings.FieldsFunc(tag, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
		r := []rune(word)
		if i == 0 {
			r[0] = unicode.ToLower(r[0])
		} else {
			r[0] = unicode.ToUpper(r[0])
		}
		b.WriteString(string(r))
	}
	return b.String()
}

// exampleFlags is the example's required flags, for --help.
func (o *operation) exampleFlags() string {
	var b strings.Builder
	for _, p := range o.params {
		if p.In == "path" {
			example := "<" + p.Name + ">"
			if p.Name == "orgId" {
				example = "4888442a3354817a7320eb61"
			}
			b.WriteString(" --" + p.Name + " " + example)
		}
	}
	if o.hasBody {
		b.WriteString(" --file body.json")
	}
	return b.String()
}
