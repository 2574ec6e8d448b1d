package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"golang.org/x/term"

	"photoaudit/blur"
	"photoaudit/config"
	"photoaudit/detect"
	"photoaudit/pipeline"
	"photoaudit/report"
	"photoaudit/risk"
	"photoaudit/watch"
)

// auditFlags are the flags every command that runs the pipeline takes.
type auditFlags struct {
	ConfigFile string
	Workers    int
	Redact     string
	Quiet      bool
}

func (o *auditFlags) AddFlags(f *pflag.FlagSet) {
	f.StringVarP(&o.ConfigFile, "config", "c", "", "YAML config file ($PHOTOAUDIT_CONFIG); flags override it")
	f.IntVarP(&o.Workers, "workers", "j", 0, "photos audited at once (default: config, else one per CPU); each needs up to 1.7 GB at the 100 MP pixel limit, 0.8 GB at 12 MP")
	f.StringVar(&o.Redact, "redact", "", "redaction: solid, pixelate or blur (default: config, else solid)")
	f.BoolVarP(&o.Quiet, "quiet", "q", false, "no progress output")
}

// scanOptions are the scan command's flags.
type scanOptions struct {
	auditFlags
	Out     string
	FailOn  string
	Formats string
	Shard   string
	shard   report.ShardSpec
}

func (o *scanOptions) AddFlags(f *pflag.FlagSet) {
	o.auditFlags.AddFlags(f)
	f.StringVarP(&o.Out, "out", "o", "", "output folder for safe/ and the reports (required; $PHOTOAUDIT_OUT)")
	f.StringVar(&o.FailOn, "fail-on", "block", "exit 1 when a photo's decision is at or above this: review, block or never")
	f.StringVar(&o.Formats, "format", "json,html,csv", "reports to write, comma-separated: json, html, csv")
	f.StringVar(&o.Shard, "shard", "", "audit only share I of N of the inputs (by content hash), e.g. 2/8; reports are named report.shard-I-of-N.*; join them with 'photoaudit report merge'")
}

// Finalize applies environment fallbacks and checks values.
func (o *scanOptions) Finalize() error {
	if o.Out == "" {
		o.Out = os.Getenv("PHOTOAUDIT_OUT")
	}
	if o.Out == "" {
		return fmt.Errorf("--out is required")
	}
	if o.FailOn != "never" {
		if _, ok := risk.ParseDecision(o.FailOn); !ok || o.FailOn == "pass" {
			return fmt.Errorf("--fail-on %q: want review, block or never", o.FailOn)
		}
	}
	if o.Shard != "" {
		var err error
		if o.shard, err = report.ParseShard(o.Shard); err != nil {
			return fmt.Errorf("--%w", err)
		}
	}
	for _, f := range strings.Split(o.Formats, ",") {
		switch f {
		case "json", "html", "csv":
		default:
			return fmt.Errorf("--format %q: want json, html or csv", f)
		}
	}
	return nil
}

// config loads the config file (or defaults) and lays the flags over it.
func (o *auditFlags) config() (config.Config, error) {
	if o.ConfigFile == "" {
		o.ConfigFile = os.Getenv("PHOTOAUDIT_CONFIG")
	}
	c := config.Default()
	if o.ConfigFile != "" {
		var err error
		if c, err = config.Load(o.ConfigFile); err != nil {
			return c, err
		}
	}
	if o.Workers > 0 {
		c.Workers = o.Workers
	}
	if o.Redact != "" {
		m, err := blur.ParseMethod(o.Redact)
		if err != nil {
			return c, err
		}
		c.Redact.Method = m
	}
	return c, c.Validate()
}

func newScanCommand() *cobra.Command {
	var opts scanOptions
	cmd := &cobra.Command{
		Use:   "scan PATH... --out DIR",
		Short: "Audit photos and write safe copies and reports",
		Long: `Audit every photo in the given files and folders (JPEG, PNG, TIFF, WebP, GIF, BMP).
For each photo: find faces and identifying text, score the risk, write a safe copy
with every finding covered and all metadata removed to DIR/safe/<path>, and check
the safe copy again. Reports go to DIR/report.json, report.html and report.csv.
Inputs are never changed. Files in folders without a photo extension are listed as
skipped; hidden files and folders are not read.

` + exitHelp,
		Example: `  photoaudit scan ~/Pictures/clinic --out /tmp/audit
  photoaudit scan a.jpg b.png --out out --fail-on review --redact pixelate
  photoaudit scan inbox/ --out out --config practice.yaml --workers 2 --format json
  photoaudit scan /library --out /out --shard 3/8   # one of 8 parallel jobs`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := opts.Finalize(); err != nil {
				return err
			}
			return runScan(cmd, opts, args)
		},
	}
	opts.AddFlags(cmd.Flags())
	return cmd
}

func runScan(cmd *cobra.Command, opts scanOptions, args []string) error {
	// The output folder is never walked; as the folder scanned it would
	// leave nothing to audit, and a later scan of it would audit the safe
	// copies.
	out, _ := filepath.Abs(opts.Out)
	for _, a := range args {
		if abs, _ := filepath.Abs(a); abs == out {
			return fmt.Errorf("--out %s is the folder being scanned: give the safe copies and reports a folder of their own", opts.Out)
		}
	}
	popts, err := opts.pipelineOptions(opts.Out)
	if err != nil {
		return err
	}
	popts.Formats = strings.Split(opts.Formats, ",")
	popts.Shard = opts.shard
	inputs, skipped := pipeline.Collect(args, opts.Out)
	inputs = pipeline.Shard(inputs, opts.shard)
	stderr := cmd.ErrOrStderr()
	progress := newProgress(stderr, len(inputs), opts.Quiet)
	setMemoryBudget(popts.Workers)
	rep, err := pipeline.Run(cmd.Context(), inputs, skipped, popts, progress)
	if rep != nil && opts.shard.N <= 1 {
		// Shares of one library write to one folder at once: one chain
		// cannot take their lines; their reports are merged instead.
		if lerr := logScan(opts.Out, rep, policyVersion(popts.Config)); lerr != nil && err == nil {
			err = lerr
		}
	}
	if err != nil {
		return err
	}
	for _, w := range rep.Warnings {
		fmt.Fprintln(stderr, "photoaudit: warning:", w)
	}
	s := rep.Summary
	if !opts.Quiet {
		fmt.Fprintf(stderr, "photoaudit: %d photos: %d pass, %d review, %d block, %d errors; report in %s\n",
			s.Images, s.Pass, s.Review, s.Block, s.Errors, opts.Out)
	}
	if opts.FailOn != "never" {
		failOn, _ := risk.ParseDecision(opts.FailOn)
		for _, im := range rep.Images {
			if im.Error == "" && im.Decision.Severity() >= failOn.Severity() {
				return errRisky
			}
		}
	}
	if s.Errors > 0 {
		return errUnreadable
	}
	return nil
}

// pipelineOptions is the configuration as the pipeline takes it.
func (o *auditFlags) pipelineOptions(out string) (pipeline.Options, error) {
	cfg, err := o.config()
	if err != nil {
		return pipeline.Options{}, err
	}
	return pipeline.Options{
		Out: out, Workers: cfg.Workers,
		Photo:  cfg.Photo,
		Detect: detect.Options{Vision: cfg.Faces, Surfaces: cfg.Surfaces, OCR: cfg.OCR, Lists: cfg.Lists()},
		Policy: cfg.Policy, Redact: cfg.Redact, ToolVersion: version, Config: cfg,
	}, nil
}

// newProgress draws a bar on a terminal and prints a plain line a photo
// otherwise, so container logs stay readable. Both say the rate, what is
// left and the running count of decisions; the bar shows from the start,
// and the plain lines start with one that says how many photos there are.
// total is -1 when it is not known yet (it then comes with each photo).
func newProgress(w io.Writer, total int, quiet bool) pipeline.Progress {
	if quiet {
		return nil
	}
	var tally progressTally
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		bar := progressbar.NewOptions(total, progressbar.OptionSetWriter(w),
			progressbar.OptionSetDescription("auditing"), progressbar.OptionShowCount(),
			progressbar.OptionShowIts(), progressbar.OptionSetItsString("photos"),
			progressbar.OptionSetPredictTime(true), progressbar.OptionClearOnFinish())
		bar.RenderBlank()
		return func(done, total int, im report.Image) {
			tally.add(im)
			bar.Describe(fmt.Sprintf("%s · last %s", tally, printable(im.Source, 30)))
			bar.Add(1)
		}
	}
	start := time.Now()
	if total >= 0 {
		fmt.Fprintf(w, "photoaudit: auditing %d photos\n", total)
	}
	return func(done, total int, im report.Image) {
		tally.add(im)
		status := string(im.Decision)
		if im.Error != "" {
			status = "error: " + printable(im.Error, 200)
		}
		took := time.Since(start)
		rate := float64(done) / max(took.Seconds(), 1e-3)
		left := time.Duration(float64(total-done) / rate * float64(time.Second)).Round(time.Second)
		fmt.Fprintf(w, "[%d/%d %s, %.2f photos/s, %s left] %s: %s (%s)\n", done, total, took.Round(time.Second),
			rate, left, printable(im.Source, 0), status, tally)
	}
}

// progressTally counts decisions as photos finish.
type progressTally struct{ pass, review, block, errors int }

func (t *progressTally) add(im report.Image) {
	switch {
	case im.Error != "":
		t.errors++
	case im.Decision == risk.Pass:
		t.pass++
	case im.Decision == risk.Review:
		t.review++
	default:
		t.block++
	}
}

func (t progressTally) String() string {
	return fmt.Sprintf("pass %d, review %d, block %d, errors %d", t.pass, t.review, t.block, t.errors)
}

// printable keeps a file name (or a message) on one line: a name with a
// newline or another control character is quoted, Go-style; with limit,
// a longer one is cut to its last limit runes.
func printable(s string, limit int) string {
	for _, r := range s {
		if !unicode.IsPrint(r) {
			s = strconv.Quote(s)
			break
		}
	}
	if r := []rune(s); limit > 0 && len(r) > limit {
		s = "…" + string(r[len(r)-limit+1:])
	}
	return s
}

// logScan appends a line a photo to out's audit.log: the original's and
// the safe copy's SHA-256, the decision and what was found, by kind and
// identifier, never the text.
func logScan(out string, rep *report.Report, policy string) error {
	a, err := watch.OpenAppender(out)
	if err != nil {
		return err
	}
	for _, im := range rep.Images {
		e := &watch.LogEntry{Time: time.Now().UTC(), SHA256: im.SHA256, Source: im.Source, Action: "scan",
			Decision: string(im.Decision), Score: im.Score, Level: string(im.Level), Verified: im.Verified,
			Findings: map[string]int{}, Outputs: []string{}, Reason: im.Error,
			ToolVersion: rep.ToolVersion, PolicyVersion: policy}
		if im.Error != "" {
			e.Decision = "error"
		}
		e.AddFindings(im.Findings)
		for _, f := range im.Findings {
			if f.Consent != "" && !slices.Contains(e.Consent, f.Consent) {
				e.Consent = append(e.Consent, f.Consent) // a roster entry kept visible
			}
		}
		if im.SafeCopy != "" {
			if sum, err := pipeline.HashFile(filepath.Join(out, filepath.FromSlash(im.SafeCopy))); err == nil {
				e.Outputs = []string{im.SafeCopy}
				e.OutputSHA256 = map[string]string{im.SafeCopy: sum}
			}
		}
		if err := a.Append(e); err != nil {
			a.Close()
			return err
		}
	}
	return a.Close()
}
