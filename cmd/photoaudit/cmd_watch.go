package main

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"photoaudit/detect"
	"photoaudit/watch"
)

func newWatchCommand() *cobra.Command {
	var (
		af             auditFlags
		inbox, out     string
		keep           bool
		settle, rescan time.Duration
	)
	cmd := &cobra.Command{
		Use:   "watch --inbox DIR --out DIR",
		Short: "Audit photos as they are dropped into a folder",
		Long: `watch audits each photo dropped into the inbox once it is complete (size and time
unchanged for --settle), and files the result under --out:
  approved/    safe copies of photos that pass: post the safe copy
  review/      safe copy, annotated preview and report entry of photos to review:
               post the safe copy only after a person has looked at it and agrees
  blocked/     the same for photos blocked: do not post, safe copy included, without
               the compliance officer's sign-off
  quarantine/  files that could not be read, each with a .reason.txt
  originals/   the dropped files, moved there after their outputs are durably written
               (--keep-originals leaves them in the inbox)
  audit.log    one JSON line per decision (time, file hash, decision, findings, outputs
               and their hashes, tool and policy version), numbered without gaps, each
               carrying the SHA-256 of the line before it: "photoaudit audit verify DIR"
  state.db     what was done with each content hash: a restart, a duplicate drop or a
               renamed file is not audited again
Filesystem events are the fast path; the inbox is also listed every --rescan for
shares that lose events. SIGINT or SIGTERM: the photo in hand is finished, then it
stops (exit 0). Only one watch may use an --out folder at a time.`,
		Example: `  photoaudit watch --inbox /srv/share/inbox --out /srv/photoaudit
  photoaudit watch --inbox inbox --out out --keep-originals --rescan 10s -c practice.yaml`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if inbox == "" || out == "" {
				return fmt.Errorf("--inbox and --out are required")
			}
			popts, err := af.pipelineOptions(out)
			if err != nil {
				return err
			}
			workers := 1 // one photo at a time unless asked: a watcher shares its machine
			if cmd.Flags().Changed("workers") {
				workers = af.Workers
			}
			stderr := cmd.ErrOrStderr()
			_, warnings := detect.Names(popts.Detect.Vision)
			for _, w := range warnings {
				fmt.Fprintln(stderr, "photoaudit: warning:", w)
			}
			var log io.Writer = stderr
			if af.Quiet {
				log = io.Discard
			}
			setMemoryBudget(workers)
			return watch.Run(cmd.Context(), watch.Options{
				Inbox: inbox, Out: out, KeepOriginals: keep, Settle: settle, Rescan: rescan,
				Workers: workers, Pipeline: popts, PolicyVersion: policyVersion(popts.Config), Log: log,
			})
		},
	}
	af.AddFlags(cmd.Flags())
	f := cmd.Flags()
	f.StringVar(&inbox, "inbox", "", "folder staff drop photos into (required)")
	f.StringVarP(&out, "out", "o", "", "folder for approved/, review/, quarantine/, originals/, audit.log (required)")
	f.BoolVar(&keep, "keep-originals", false, "leave dropped files in the inbox instead of moving them to originals/")
	f.DurationVar(&settle, "settle", 2*time.Second, "how long a file must stay unchanged before it is read")
	f.DurationVar(&rescan, "rescan", 30*time.Second, "how often the inbox is listed in full, for shares that lose events")
	return cmd
}

// policyVersion names the configuration in force: the first 12 hex digits
// of the SHA-256 of its JSON, so the audit log tells which settings made
// each decision.
func policyVersion(cfg any) string {
	data, err := json.Marshal(cfg)
	if err != nil {
		return "unknown"
	}
	return fmt.Sprintf("sha256:%x", sha256.Sum256(data))[:19]
}
