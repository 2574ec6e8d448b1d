package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"photoaudit/eval"
	"photoaudit/report"
)

type evalOptions struct {
	auditFlags
	Labels            string
	Images            string
	Out               string
	JSON              string
	MinRecall         map[string]string
	MaxFalseAlarmRate float64
	MaxLeaks          int
	ShowMisses        bool
	Scanned           string
}

func (o *evalOptions) AddFlags(f *pflag.FlagSet) {
	o.auditFlags.AddFlags(f)
	f.StringVar(&o.Labels, "labels", "", "labels.json (required)")
	f.StringVar(&o.Images, "images", "", "folder of the labelled photos (default: the labels file's folder)")
	f.StringVarP(&o.Out, "out", "o", "", "where the scan writes safe copies and reports (default: a temporary folder, removed after)")
	f.StringVar(&o.JSON, "json", "", "also write the figures as JSON to this file (- for stdout)")
	f.StringToStringVar(&o.MinRecall, "min-recall", nil, "fail when a kind's recall is below this, e.g. face40+=0.9,screen=0.95")
	f.Float64Var(&o.MaxFalseAlarmRate, "max-false-alarm-rate", 1, "fail when more than this share of pass photos are flagged")
	f.IntVar(&o.MaxLeaks, "max-leaks", -1, "fail when the safe copies leak more than this many faces, phi strings and GPS tags (-1: never)")
	f.BoolVar(&o.ShowMisses, "misses", false, "list every miss, false alarm and leak")
	f.StringVar(&o.Scanned, "scanned", "", "score an earlier scan's output folder (its report.json and safe/) instead of scanning again")
}

func newEvalCommand() *cobra.Command {
	var opts evalOptions
	cmd := &cobra.Command{
		Use:   "eval --labels labels.json [--images DIR]",
		Short: "Measure recall, false alarms, leaks and speed on labelled photos",
		Long: `Scan a labelled set of photos and print how good the audit is: recall per kind
(faces split at 40 px), false alarms on photos that should pass, decision accuracy,
leaks found by reading each written safe copy back from disk and detecting again
(a labelled face still detected, a labelled phi string still readable by OCR in
its region, a GPS tag), and seconds per photo and per megapixel.
Label format: see shared/eval-dev/README.md. Exits 1 when a figure is past a
threshold given with --min-recall, --max-false-alarm-rate or --max-leaks.`,
		Example: `  photoaudit eval --labels ../shared/eval-dev/composites/labels.json
  photoaudit eval --labels testdata/generated/labels.json --min-recall 'face40+=1,screen=1' --max-leaks 0`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runEval(cmd, opts) },
	}
	opts.AddFlags(cmd.Flags())
	return cmd
}

func runEval(cmd *cobra.Command, opts evalOptions) error {
	if opts.Labels == "" {
		return fmt.Errorf("--labels is required")
	}
	if opts.Images == "" {
		opts.Images = filepath.Dir(opts.Labels)
	}
	out := opts.Out
	if out == "" {
		tmp, err := os.MkdirTemp("", "photoaudit-eval-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		out = tmp
	}
	popts, err := opts.pipelineOptions(out)
	if err != nil {
		return err
	}
	popts.Formats = []string{"json"}
	var res *eval.Result
	if opts.Scanned != "" {
		popts.Out = opts.Scanned
		res, err = eval.ScoreScanned(opts.Labels, popts)
	} else {
		res, _, err = eval.Run(cmd.Context(), eval.Options{Labels: opts.Labels, Images: opts.Images, Pipeline: popts},
			newProgress(cmd.ErrOrStderr(), -1, opts.Quiet))
	}
	if err != nil {
		return err
	}
	printTable(cmd.OutOrStdout(), res, opts.ShowMisses)
	if opts.JSON != "" {
		w := cmd.OutOrStdout()
		if opts.JSON != "-" {
			err := report.WriteFileAtomic(opts.JSON, func(f *os.File) error { return writeJSON(f, res) })
			if err != nil {
				return err
			}
		} else if err := writeJSON(w, res); err != nil {
			return err
		}
	}
	if fails := thresholds(res, opts); len(fails) > 0 {
		fmt.Fprintln(cmd.ErrOrStderr(), "photoaudit eval: below thresholds:\n  "+strings.Join(fails, "\n  "))
		return errRisky
	}
	return nil
}

func writeJSON(w io.Writer, res *eval.Result) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(res)
}

func printTable(w io.Writer, r *eval.Result, misses bool) {
	fmt.Fprintf(w, "%-14s %6s %9s %7s\n", "kind", "found", "labelled", "recall")
	for _, k := range r.Kinds() {
		kr := r.Recall[k]
		fmt.Fprintf(w, "%-14s %6d %9d %7.2f\n", k, kr.Found, kr.Labelled, kr.Recall)
	}
	fmt.Fprintf(w, "false alarms        %d of %d pass photos\n", r.FalseAlarms, r.PassPhotos)
	fmt.Fprintf(w, "false surfaces      %d of %d photos (a surface where none is labelled)\n", r.FalseSurfaces, r.Images)
	fmt.Fprintf(w, "redacted outside    %.2f of the redacted area lies outside labelled regions\n", r.RedactedOutside)
	fmt.Fprintf(w, "decisions right     %d of %d\n", r.DecisionCorrect, r.Images)
	fmt.Fprintf(w, "errors              %d\n", r.Errors)
	fmt.Fprintf(w, "leaks               %d faces, %d of %d phi strings, %d GPS, %d unchecked\n", r.Leaks.Faces, r.Leaks.PHI, r.Leaks.PHIChecked, r.Leaks.GPS, r.Leaks.Unchecked)
	fmt.Fprintf(w, "seconds per photo   %.1f (%.2f per megapixel)\n", r.SecondsPerPhoto, r.SecondsPerMP)
	if misses {
		for _, m := range append(r.Misses, r.Leaks.Details...) {
			fmt.Fprintln(w, "  ", m)
		}
	}
}

func thresholds(r *eval.Result, o evalOptions) []string {
	var fails []string
	kinds := make([]string, 0, len(o.MinRecall))
	for k := range o.MinRecall {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	for _, k := range kinds {
		var min float64
		if _, err := fmt.Sscan(o.MinRecall[k], &min); err != nil {
			fails = append(fails, fmt.Sprintf("--min-recall %s=%q: not a number", k, o.MinRecall[k]))
			continue
		}
		kr, ok := r.Recall[k]
		if !ok {
			fails = append(fails, fmt.Sprintf("recall %s: no labelled regions of that kind", k))
		} else if kr.Recall < min {
			fails = append(fails, fmt.Sprintf("recall %s %.2f < %.2f", k, kr.Recall, min))
		}
	}
	if r.PassPhotos > 0 {
		if rate := float64(r.FalseAlarms) / float64(r.PassPhotos); rate > o.MaxFalseAlarmRate {
			fails = append(fails, fmt.Sprintf("false alarm rate %.2f > %.2f", rate, o.MaxFalseAlarmRate))
		}
	}
	if o.MaxLeaks >= 0 && r.Leaks.Total() > o.MaxLeaks {
		fails = append(fails, fmt.Sprintf("leaks %d > %d", r.Leaks.Total(), o.MaxLeaks))
	}
	if r.Errors > 0 {
		fails = append(fails, fmt.Sprintf("%d photos failed", r.Errors))
	}
	return fails
}
