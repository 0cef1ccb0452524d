package cli

import (
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/atlas-linktoken/atlas-linktoken/internal/textdist"
)

// rejectUnknownCommands makes every command that only groups others (api, cloudMigrationService, completion, …)
// fail on an argument that names no subcommand, with cobra's "did you mean" suggestions, instead of printing help
// and exiting 0; and reports "createLinkTokn --orgId X" as the unknown command it is rather than blaming the flag.
func rejectUnknownCommands(root *cobra.Command) {
	root.InitDefaultCompletionCmd()
	var walk func(*cobra.Command)
	walk = func(cmd *cobra.Command) {
		if cmd.HasSubCommands() && !cmd.Runnable() && cmd != root {
			cmd.Args = cobra.ArbitraryArgs
			cmd.RunE = func(cmd *cobra.Command, args []string) error {
				if len(args) == 0 {
					return cmd.Help()
				}
				return unknownCommand(cmd, args[0])
			}
		}
		for _, sub := range cmd.Commands() {
			walk(sub)
		}
	}
	walk(root)
	next := root.FlagErrorFunc()
	root.SetFlagErrorFunc(func(cmd *cobra.Command, err error) error {
		if args := cmd.Flags().Args(); cmd.HasSubCommands() && len(args) > 0 {
			return unknownCommand(cmd, args[0])
		}
		return next(cmd, err)
	})
}

func unknownCommand(cmd *cobra.Command, name string) error {
	msg := fmt.Sprintf("unknown command %q for %q", name, cmd.CommandPath())
	if cmd.SuggestionsMinimumDistance <= 0 {
		cmd.SuggestionsMinimumDistance = 2 // cobra sets this only on the root
	}
	suggestions := cmd.SuggestionsFor(name)
	// cobra suggests names only: an alias near what was typed (an operation's upstream name, a renamed tag's old
	// group) is suggested too.
	for _, sub := range cmd.Commands() {
		for _, alias := range sub.Aliases {
			if !sub.Hidden && textdist.Levenshtein(strings.ToLower(name), strings.ToLower(alias)) <= cmd.SuggestionsMinimumDistance &&
				!slices.Contains(suggestions, alias) {
				suggestions = append(suggestions, alias)
			}
		}
	}
	if len(suggestions) > 0 {
		msg += "\n\nDid you mean this?\n\t" + strings.Join(suggestions, "\n\t")
	}
	return fmt.Errorf("%s\n\nRun '%s --help' for usage.", msg, cmd.CommandPath())
}

// suggestFlag adds "Did you mean --orgId?" to an unknown-flag error (--orgid, --org-id, --ordId …).
func suggestFlag(cmd *cobra.Command, err error) string {
	name, ok := strings.CutPrefix(err.Error(), "unknown flag: --")
	if !ok {
		return ""
	}
	norm := func(s string) string {
		return strings.ToLower(strings.ReplaceAll(strings.ReplaceAll(s, "-", ""), "_", ""))
	}
	best, bestDist := "", 3
	cmd.Flags().VisitAll(func(f *pflag.Flag) {
		if f.Hidden {
			return
		}
		if d := textdist.Levenshtein(norm(name), norm(f.Name)); d < bestDist {
			best, bestDist = f.Name, d
		}
	})
	if best == "" {
		return ""
	}
	return "\nDid you mean --" + best + "?"
}
