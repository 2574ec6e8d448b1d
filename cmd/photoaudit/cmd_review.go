package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/spf13/cobra"

	"photoaudit/review"
)

// reviewOptions are the review package's options from the flags and
// the config file, as scan would use them.
func reviewOptions(af *auditFlags) (review.Options, error) {
	popts, err := af.pipelineOptions("")
	if err != nil {
		return review.Options{}, err
	}
	return review.Options{Detect: popts.Detect, Photo: popts.Photo, Redact: popts.Redact,
		ToolVersion: version, PolicyVersion: policyVersion(popts.Config)}, nil
}

func newApproveCommand() *cobra.Command {
	var (
		af      auditFlags
		by      string
		keep    []int
		consent []string
		drop    []int
		add     []string
	)
	cmd := &cobra.Command{
		Use:   "approve DIR PHOTO --by NAME [--keep ID --consent REF]... [--drop ID]... [--add x,y,w,h]...",
		Short: "Sign off a scanned photo: render its safe copy with your choices into DIR/approved/",
		Long: `approve is the compliance officer's sign-off on one photo of a scan's --out folder DIR.
PHOTO is the photo's source as in the report; findings are numbered from 1 in the
report's order. The safe copy is rendered again from the original with your choices:
  --keep ID --consent REF   leave a face or a name visible, under the consent or
                            authorization reference REF (one --consent per --keep)
  --drop ID                 a finding that is false: leave that place as it is
  --add x,y,w,h             a place the detectors missed: cover it too
then looked at again (anything identifying that you did not keep or drop refuses the
approval), written to DIR/approved/, and logged in DIR/audit.log with your name and
the consent references (never the identifying text). Check the log with
"photoaudit audit verify DIR".`,
		Example: `  photoaudit approve out staff/team.jpg --by "A. Rivera, Privacy Officer" --keep 1 --consent AUTH-2026-114 --keep 2 --consent AUTH-2026-115
  photoaudit approve out lobby.jpg --by "A. Rivera" --drop 3 --add 40,60,200,120`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(keep) != len(consent) {
				return fmt.Errorf("%d --keep and %d --consent: give one consent reference for each finding kept", len(keep), len(consent))
			}
			c := review.Choices{By: by, Keep: map[int]string{}, Drop: drop}
			for i, id := range keep {
				c.Keep[id] = consent[i]
			}
			for _, a := range add {
				r, err := review.ParseBox(a)
				if err != nil {
					return err
				}
				c.Add = append(c.Add, r)
			}
			opts, err := reviewOptions(&af)
			if err != nil {
				return err
			}
			out, err := review.Approve(args[0], args[1], c, opts)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "photoaudit: %s approved by %s: %s\n", args[1], by, out)
			return nil
		},
	}
	af.AddFlags(cmd.Flags())
	f := cmd.Flags()
	f.StringVar(&by, "by", "", "who signs off (required)")
	f.IntSliceVar(&keep, "keep", nil, "finding number to leave visible (a face or a name), with --consent")
	f.StringArrayVar(&consent, "consent", nil, "consent or authorization reference for the matching --keep")
	f.IntSliceVar(&drop, "drop", nil, "finding number judged false")
	f.StringArrayVar(&add, "add", nil, "box x,y,w,h (upright pixels) to cover as well")
	return cmd
}

func newRejectCommand() *cobra.Command {
	var af auditFlags
	var by, reason string
	cmd := &cobra.Command{
		Use:   "reject DIR PHOTO --by NAME --reason TEXT",
		Short: "Record that a scanned photo must not be posted, and why",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts, err := reviewOptions(&af)
			if err != nil {
				return err
			}
			if err := review.Reject(args[0], args[1], by, reason, opts); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "photoaudit: %s rejected by %s\n", args[1], by)
			return nil
		},
	}
	af.AddFlags(cmd.Flags())
	cmd.Flags().StringVar(&by, "by", "", "who rejects (required)")
	cmd.Flags().StringVar(&reason, "reason", "", "why (required; no patient's name, please)")
	return cmd
}

func newReviewCommand() *cobra.Command {
	var af auditFlags
	var listen string
	cmd := &cobra.Command{
		Use:   "review DIR",
		Short: "Review a scan's photos in a browser: keep with consent, drop, add boxes, approve or reject",
		Long: `review serves a page over a scan's --out folder DIR: the photos riskiest first, each
original beside its safe copy with the findings in words; keep a face or a name visible
with a consent reference, drop a false finding, drag a box over something missed, then
approve (the safe copy is rendered again from the original, looked at again and written
to DIR/approved/) or reject with a reason. It is approve and reject, in a browser; every
step goes to DIR/audit.log.

The page listens on this machine only (127.0.0.1) unless --listen says otherwise, and
serves nothing without the token in the address printed at start. Stop it with Ctrl-C.`,
		Example: `  photoaudit review out
  photoaudit review out --listen 127.0.0.1:8765`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts, err := reviewOptions(&af)
			if err != nil {
				return err
			}
			srv, err := review.NewServer(args[0], opts)
			if err != nil {
				return err
			}
			ln, err := net.Listen("tcp", listen)
			if err != nil {
				return fmt.Errorf("review: %w", err)
			}
			hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second}
			fmt.Fprintf(cmd.OutOrStdout(), "photoaudit review: open %s\n(Ctrl-C to stop)\n", srv.URL(ln.Addr().String()))
			done := make(chan error, 1)
			go func() { done <- hs.Serve(ln) }()
			select {
			case err := <-done:
				return err
			case <-cmd.Context().Done():
				ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
				defer cancel()
				// An approval under way finishes first.
				if err := hs.Shutdown(ctx); err != nil {
					return err
				}
				if err := <-done; !errors.Is(err, http.ErrServerClosed) {
					return err
				}
				return nil
			}
		},
	}
	af.AddFlags(cmd.Flags())
	cmd.Flags().StringVar(&listen, "listen", "127.0.0.1:0", "address to listen on (port 0: any free one); anything but 127.0.0.1 lets other machines try the token")
	return cmd
}
