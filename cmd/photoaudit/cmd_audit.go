package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"photoaudit/watch"
)

// errLogBroken maps to exit 1.
var errLogBroken = watch.ErrLogBroken

func newAuditCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "audit",
		Short: "Check the audit trail of a scan's or a watch's --out folder",
	}
	cmd.AddCommand(&cobra.Command{
		Use:   "verify DIR",
		Short: "Check that DIR's audit.log and approved files are as they were written",
		Long: `verify reads DIR/audit.log and checks that its lines are numbered from 1 without
gaps, that each carries the SHA-256 of the line before it (so no line was changed,
removed or inserted), and that every file in DIR/approved/ was written by a logged
line and still has the SHA-256 recorded then. It prints each problem and exits 0
only when everything holds, 1 when something does not, 2 when the log cannot be read.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			n, problems, err := watch.VerifyLog(args[0])
			for _, p := range problems {
				fmt.Fprintln(cmd.ErrOrStderr(), "photoaudit: audit:", p)
			}
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "photoaudit: audit log of %d lines verifies; approved files match it\n", n)
			return nil
		},
	})
	return cmd
}
