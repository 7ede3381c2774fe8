// Package cli defines tarn's command line: server, version, admin, bench.
// Flags live here and nowhere else; they fill a config.Config.
package cli

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"
)

// Main runs the command line and returns the exit code.
func Main(args []string) int {
	root := &cobra.Command{
		Use:           "tarn",
		Short:         "tarn: the AWS data-engineering stack (S3, Kinesis, Glue, ...) as one self-hosted program",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.AddCommand(serverCmd(), versionCmd(), adminCmd())
	for _, c := range extraCommands {
		root.AddCommand(c())
	}
	root.SetArgs(args)
	if err := root.Execute(); err != nil {
		fmt.Fprintln(os.Stderr, "tarn:", err)
		return 1
	}
	return 0
}

// extraCommands are added by other files of this package (bench).
var extraCommands []func() *cobra.Command
