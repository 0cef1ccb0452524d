// Command cobramin is the smallest cobra program with a version subcommand. bench/startup.sh compares the CPU time
// of `atlas version` with `cobramin version`: what the atlas CLI spends before it runs any command (package
// initialisation, building its command tree) against cobra's own floor.
package main

import (
	"fmt"
	"os"
	"runtime"

	"github.com/spf13/cobra"
)

func main() {
	root := &cobra.Command{Use: "cobramin", Short: "A minimal cobra program", SilenceUsage: true}
	root.AddCommand(&cobra.Command{
		Use:   "version",
		Short: "Print the version",
		Args:  cobra.NoArgs,
		Run: func(cmd *cobra.Command, _ []string) {
			fmt.Fprintf(cmd.OutOrStdout(), "cobramin version: devel\nGo version: %s\n", runtime.Version())
		},
	})
	if err := root.Execute(); err != nil {
		os.Exit(1)
	}
}
