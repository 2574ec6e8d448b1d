// Package pipeline owns one audit run: it hands inputs to a pool of
// workers, each with its own detectors (package detect: what is in one
// photo), and for each photo decodes once, detects, scores, redacts,
// verifies the encoded safe copy by looking at it again, and writes it;
// then it writes the reports.
// A photo that fails gets an error entry and the run goes on. Inputs are
// only ever read.
package pipeline

import (
	"context"
	"errors"
	"fmt"
	"image"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"

	"photoaudit/blur"
	"photoaudit/detect"
	"photoaudit/photo"
	"photoaudit/report"
	"photoaudit/risk"
	"photoaudit/vision"
)

// Options configure a run.
type Options struct {
	// Out is the output folder: safe/ and the reports go there.
	Out string
	// Workers is how many photos are audited at once (default: CPUs).
	Workers int
	// Formats are the reports to write: json, html, csv (default all).
	Formats []string
	Photo   photo.Options
	Detect  detect.Options
	Policy  risk.Policy
	Redact  blur.Options
	// Shard, when set, says this run is one share of a larger one: the
	// reports are named report.shard-I-of-N.* (see ReportName) and carry
	// the spec, for report merge.
	Shard report.ShardSpec
	// ToolVersion and Config are echoed into the report.
	ToolVersion string
	Config      any
	// Probe, when set, is read at the end of each stage of a photo's
	// audit (Result.Stages): photoaudit bench's memory reading.
	Probe func() int64
}

// ErrVerify marks a safe copy that still showed risk after redaction.
var ErrVerify = errors.New("safe copy still shows identifiers after redaction")

// Progress is told about each photo as it finishes.
type Progress func(done, total int, im report.Image)

// Run audits inputs and writes the reports. The returned report holds
// every input, done or failed; an error means the run itself could not go
// on (no detectors, output not writable) or was cancelled.
func Run(ctx context.Context, inputs []Input, skipped []report.Skip, opts Options, progress Progress) (*report.Report, error) {
	rep := &report.Report{
		Schema: report.Schema, ToolVersion: opts.ToolVersion,
		Started: time.Now().Format(time.RFC3339), Config: opts.Config,
		Images: []report.Image{}, Skipped: skipped,
	}
	if opts.Shard.N > 1 {
		rep.Shard = opts.Shard.String()
	}
	rep.Detectors, rep.Warnings = detect.Names(opts.Detect.Vision)
	if err := os.MkdirAll(opts.Out, 0o755); err != nil {
		return rep, fmt.Errorf("pipeline: output folder: %w", err)
	}
	workers := opts.Workers
	if workers <= 0 {
		workers = runtime.NumCPU()
	}
	if workers > len(inputs) {
		workers = max(1, len(inputs))
	}

	jobs := make(chan Input)
	results := make(chan report.Image)
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		defer close(jobs)
		for _, in := range inputs {
			select {
			case jobs <- in:
			case <-gctx.Done():
				return gctx.Err()
			}
		}
		return nil
	})
	for i := 0; i < workers; i++ {
		g.Go(func() error {
			w, err := newWorker(opts)
			if err != nil {
				return err
			}
			defer w.Close()
			for in := range jobs {
				// No new photo once cancelled; the photo in hand is
				// finished and always handed over (the loop below reads
				// until every worker is done): its safe copy is written, so
				// its entry must be in the report.
				if err := gctx.Err(); err != nil {
					return err
				}
				results <- w.audit(in)
			}
			return nil
		})
	}
	go func() {
		g.Wait()
		close(results)
	}()
	for im := range results {
		rep.Images = append(rep.Images, im)
		if progress != nil {
			progress(len(rep.Images), len(inputs), im)
		}
	}
	runErr := g.Wait()
	rep.Finished = time.Now().Format(time.RFC3339)
	rep.Summarize()
	if err := rep.WriteFiles(opts.Out, ReportName(opts.Shard), opts.Formats); err != nil {
		return rep, err
	}
	return rep, runErr
}

// ReportName is the base name of a run's reports: "report", or
// "report.shard-I-of-N" for a share.
func ReportName(s report.ShardSpec) string {
	if s.N <= 1 {
		return "report"
	}
	return fmt.Sprintf("report.shard-%d-of-%d", s.I, s.N)
}

// Codec is how a run decodes originals, encodes safe copies and reads
// them back for the verify look: JPEG through libjpeg-turbo (vision.JPEG),
// 0.6 s -> 0.07 s to encode and 0.46 s -> 0.12 s to read back a busy
// 12 MP photo on one core. Whatever re-renders or measures a run's
// photos (review, eval) decodes them with it too.
func Codec() photo.Codec { return photo.Codec{JPEG: vision.JPEG{}} }

// worker owns one set of native detectors.
type worker struct {
	opts   Options
	detect *detect.Detector
}

func newWorker(opts Options) (*worker, error) {
	d, err := detect.New(opts.Detect)
	if err != nil {
		return nil, err
	}
	d.SetProbe(opts.Probe)
	return &worker{opts: opts, detect: d}, nil
}

func (w *worker) Close() error { return w.detect.Close() }

// absolute is path made absolute, as it is when that fails.
func absolute(path string) string {
	if abs, err := filepath.Abs(path); err == nil {
		return abs
	}
	return path
}

// probe reads Options.Probe, 0 without one.
func (w *worker) probe() int64 {
	if w.opts.Probe == nil {
		return 0
	}
	return w.opts.Probe()
}

// audit never fails the run: whatever goes wrong with one photo ends in
// its report entry.
func (w *worker) audit(in Input) (im report.Image) {
	start := time.Now()
	im = report.Image{Source: in.Rel, Findings: []report.Finding{}}
	defer func() {
		if p := recover(); p != nil {
			im.Error = fmt.Sprintf("internal error: %v", p)
			im.ErrorKind = ErrorInternal
			im.SafeCopy = ""
		}
		im.Seconds = float64(time.Since(start).Milliseconds()) / 1000
	}()
	if in.Err != nil {
		im.Error, im.ErrorKind = in.Err.Error(), ErrorKind(in.Err)
		return im
	}
	res, err := w.Audit(in.Path, in.Rel)
	if err != nil && !errors.Is(err, ErrVerify) {
		im.Error, im.ErrorKind = err.Error(), ErrorKind(err)
		return im
	}
	// A safe copy that still showed risk is no error: the photo is blocked,
	// verified is false and no safe copy is written.
	res.Image.Source = in.Rel
	return res.Image
}

// The kinds of a photo's error in the report (report.Image.ErrorKind).
const (
	ErrorNotImage   = "not_image"
	ErrorEmpty      = "empty"
	ErrorTooLarge   = "too_large"
	ErrorNoDecoder  = "no_decoder"
	ErrorPermission = "permission"
	ErrorMissing    = "missing"
	ErrorUnreadable = "unreadable"
	ErrorInternal   = "internal"
)

// ErrorKind sorts a photo's error by what it wraps: what an operator
// does about it differs (convert the file, raise the pixel limit,
// install heif-convert, fix permissions, report a bug).
func ErrorKind(err error) string {
	switch {
	case err == nil:
		return ""
	case errors.Is(err, photo.ErrNotImage):
		return ErrorNotImage
	case errors.Is(err, photo.ErrEmpty):
		return ErrorEmpty
	case errors.Is(err, photo.ErrTooLarge):
		return ErrorTooLarge
	case errors.Is(err, photo.ErrNoHEIFDecoder):
		return ErrorNoDecoder
	case errors.Is(err, fs.ErrPermission):
		return ErrorPermission
	case errors.Is(err, fs.ErrNotExist):
		return ErrorMissing
	case errors.As(err, new(*photo.Error)):
		return ErrorUnreadable
	}
	return ErrorInternal
}

// Result is one photo's audit.
type Result struct {
	Image report.Image
	// Safe is the verified safe copy (nil when the photo is blocked for
	// still showing risk), Encoded its bytes and SafeName its name.
	Safe     *photo.Photo
	Encoded  []byte
	SafeName string
	// Stages are the times of the photo's stages: decode, the looks'
	// (detect.Detector.Stages), redact, encode and re-read.
	Stages []detect.Stage
}

// Auditor audits one photo at a time with its own detectors; it is what
// a long-running caller (watch) holds. Not safe for concurrent use.
type Auditor struct{ w *worker }

// NewAuditor loads the detectors for opts.
func NewAuditor(opts Options) (*Auditor, error) {
	w, err := newWorker(opts)
	if err != nil {
		return nil, err
	}
	return &Auditor{w: w}, nil
}

// Inspect audits the photo at path, named rel, and writes nothing. A
// photo whose safe copy still showed risk comes back blocked with no
// safe copy and an error wrapping ErrVerify.
func (a *Auditor) Inspect(path, rel string) (*Result, error) { return a.w.inspect(path, rel) }

// Close frees the detectors.
func (a *Auditor) Close() error { return a.w.Close() }

// Audit runs the whole pipeline on one file and writes its safe copy
// under Out/safe.
func (w *worker) Audit(path, rel string) (*Result, error) {
	res, err := w.inspect(path, rel)
	if err != nil {
		return res, err
	}
	dest := filepath.Join(w.opts.Out, "safe", filepath.FromSlash(res.SafeName))
	if err := report.WriteFileAtomic(dest, func(f *os.File) error {
		_, err := f.Write(res.Encoded)
		return err
	}); err != nil {
		return nil, err
	}
	res.Image.SafeCopy = filepath.ToSlash(filepath.Join("safe", filepath.FromSlash(res.SafeName)))
	return res, nil
}

func (w *worker) inspect(path, rel string) (*Result, error) {
	start := time.Now()
	p, err := Codec().Load(path, w.opts.Photo)
	if err != nil {
		return nil, err
	}
	stages := []detect.Stage{{Name: "decode", Time: time.Since(start), Memory: w.probe()}}
	// What redaction, encoding and reading back take over every round.
	redact, encode, reread := detect.Stage{Name: "redact"}, detect.Stage{Name: "encode"}, detect.Stage{Name: "re-read safe copy"}
	spent := func(s *detect.Stage, start time.Time) {
		s.Time += time.Since(start)
		s.Memory = max(s.Memory, w.probe())
	}
	b := p.Image.Bounds()
	im := report.Image{Source: rel, Path: absolute(path), SHA256: p.SHA256, Width: b.Dx(), Height: b.Dy(), MetadataRemoved: p.Meta.Blocks}

	findings, first, err := w.detect.Photo(p)
	if err != nil {
		return nil, err
	}

	// Redact, encode, decode what was encoded, detect again. What the
	// second look finds is redacted too; if a third look still finds
	// something, the photo is blocked and no safe copy is written.
	safeName := photo.SafeName(rel)
	img := p.Image
	var encoded []byte
	var safe *photo.Photo
	verified := false
	for round := 0; round < 3; round++ {
		t := time.Now()
		regions := Regions(findings)
		img = blur.Redact(img, regions, w.opts.Redact)
		for i := range findings {
			findings[i].Redacted = !findings[i].LeftVisible()
		}
		spent(&redact, t)
		t = time.Now()
		encoded, err = Codec().Encode(img, safeName)
		if err != nil {
			return nil, fmt.Errorf("pipeline: %w", err)
		}
		spent(&encode, t)
		t = time.Now()
		safe, err = Codec().Decode(encoded)
		if err != nil {
			return nil, fmt.Errorf("pipeline: re-read safe copy: %w", err)
		}
		spent(&reread, t)
		var changed []image.Rectangle
		for _, r := range regions {
			changed = append(changed, w.opts.Redact.Touched(r.Box, img.Bounds()))
		}
		left, _, err := w.detect.Look(safe.Image, first.Redacted(changed))
		if err != nil {
			return nil, err
		}
		left = StillRisky(left)
		if len(left) == 0 {
			verified = true
			break
		}
		findings = append(findings, left...)
		img = safe.Image
	}
	stages = append(stages, w.detect.Stages()...)
	stages = append(stages, redact, encode, reread)
	v := w.opts.Policy.Judge(findings)
	im.Score, im.Level, im.Decision, im.Verified = v.Score, v.Level, v.Decision, verified
	im.Rechecked = w.detect.Rechecked()
	for _, f := range findings {
		im.Findings = append(im.Findings, report.FromRisk(f))
	}
	if im.Findings == nil {
		im.Findings = []report.Finding{}
	}
	if !verified {
		im.Decision = risk.Block
		for i := range im.Findings {
			if strings.HasSuffix(im.Findings[i].Detector, "/verify") {
				im.Findings[i].Redacted = false
			}
		}
		return &Result{Image: im, Stages: stages}, fmt.Errorf("pipeline: %s: %w", rel, ErrVerify)
	}
	if prev, err := report.Preview(safe.Image, im.Findings); err == nil {
		im.Preview = prev
	}
	return &Result{Image: im, Safe: safe, Encoded: encoded, SafeName: safeName, Stages: stages}, nil
}
