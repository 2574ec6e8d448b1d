package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"photoaudit/report"
)

func newReportCommand() *cobra.Command {
	root := &cobra.Command{
		Use:   "report",
		Short: "Work with reports",
		Args:  cobra.NoArgs,
	}
	var out, formats string
	merge := &cobra.Command{
		Use:   "merge REPORT.json... [--out DIR]",
		Short: "Join the reports of a sharded scan (scan --shard I/N) into one",
		Long: `merge reads the report.shard-I-of-N.json of every share of a sharded scan and writes
the report one unsharded scan would have written (report.json, .html, .csv) to --out,
by default the folder of the first report. Every share 1..N must be given once.
The HTML report has no previews: they are not kept in the JSON.`,
		Example: `  photoaudit report merge /out/report.shard-*-of-8.json`,
		Args:    cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var shards []*report.Report
			for _, path := range args {
				r, err := readReport(path)
				if err != nil {
					return err
				}
				shards = append(shards, r)
			}
			merged, err := report.Merge(shards)
			if err != nil {
				return err
			}
			dir := out
			if dir == "" {
				dir = filepath.Dir(args[0])
			}
			if err := merged.WriteFiles(dir, "report", strings.Split(formats, ",")); err != nil {
				return err
			}
			s := merged.Summary
			fmt.Fprintf(cmd.ErrOrStderr(), "photoaudit: merged %d shards: %d photos: %d pass, %d review, %d block, %d errors; report in %s\n",
				len(shards), s.Images, s.Pass, s.Review, s.Block, s.Errors, dir)
			return nil
		},
	}
	merge.Flags().StringVarP(&out, "out", "o", "", "folder for the merged reports (default: the first report's folder)")
	merge.Flags().StringVar(&formats, "format", "json,html,csv", "reports to write, comma-separated: json, html, csv")
	root.AddCommand(merge)
	return root
}

func readReport(path string) (*report.Report, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r, err := report.ReadJSON(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return r, nil
}
