package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"photoaudit/watch"
)

// errUnhealthy maps to exit 1.
var errUnhealthy = watch.ErrUnhealthy

func newHealthCommand() *cobra.Command {
	var (
		out             string
		maxAge, maxBusy time.Duration
	)
	cmd := &cobra.Command{
		Use:   "health --out DIR",
		Short: "Say whether the watch writing to DIR is alive (for liveness probes)",
		Long: `health reads the health file (health.json) a running watch rewrites under its --out
folder every 10 s, and exits 0 when it was rewritten within --max-age and no photo
has been in hand longer than --max-busy; else it prints why and exits 1. Meant for
a container's liveness probe:
  livenessProbe: {exec: {command: [photoaudit, health, --out, /out]}}`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if out == "" {
				return fmt.Errorf("--out is required")
			}
			h, err := watch.CheckHealth(out, maxAge, maxBusy, time.Now())
			if err != nil {
				fmt.Fprintln(cmd.ErrOrStderr(), "photoaudit:", err)
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "photoaudit: watch alive (pid %d, %d photos done, seen %s ago)\n",
				h.PID, h.Done, time.Since(h.Time).Round(time.Second))
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVarP(&out, "out", "o", "", "the watch's --out folder (required)")
	f.DurationVar(&maxAge, "max-age", time.Minute, "how old the health file may be")
	f.DurationVar(&maxBusy, "max-busy", 15*time.Minute, "how long one photo may be in hand (0: no limit)")
	return cmd
}
