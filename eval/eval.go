// Package eval owns measuring an audit against labelled photos: recall per
// kind, false alarms, decision accuracy, leaks in the written safe copies
// and speed. The leak check trusts nothing the pipeline recorded: it reads
// each safe copy back from disk and looks again with its own detectors.
package eval

import (
	"context"
	"fmt"
	"image"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"unicode"

	"photoaudit/detect"
	"photoaudit/eval/labels"
	"photoaudit/photo"
	"photoaudit/pipeline"
	"photoaudit/report"
	"photoaudit/risk"
	"photoaudit/vision"
)

// Result holds a run's figures.
type Result struct {
	Images int `json:"images"`
	// Recall per kind: found / labelled. Faces are split into "face<40"
	// (20-39 px wide) and "face40+" (40 px and wider; the key has no "=" so
	// that --min-recall can name it); faces under 20 px are not counted.
	Recall map[string]KindRecall `json:"recall"`
	// FalseAlarms counts expect:pass photos that did not pass.
	FalseAlarms int `json:"false_alarms"`
	PassPhotos  int `json:"pass_photos"`
	// DecisionCorrect counts photos whose decision matches expect (flag:
	// review or block; pass: pass).
	DecisionCorrect int   `json:"decision_correct"`
	Errors          int   `json:"errors"`
	Leaks           Leaks `json:"leaks"`
	// RedactedOutside is the share of the redacted area (the findings'
	// boxes, summed over photos) that lies outside every labelled region
	// other than posters: the price of recall, in harmless pixels covered.
	RedactedOutside float64 `json:"redacted_outside"`
	// FalseSurfaces counts photos with a surface finding (screen, paper,
	// board, sheet, badge, wristband, barcode, plate) that overlaps no
	// labelled region other than a face or a poster.
	FalseSurfaces   int     `json:"false_surfaces"`
	SecondsPerPhoto float64 `json:"seconds_per_photo"`
	SecondsPerMP    float64 `json:"seconds_per_megapixel"`
	// Misses lists what was not found, for people tuning detectors.
	Misses []string `json:"misses,omitempty"`
}

// KindRecall is one kind's count.
type KindRecall struct {
	Found    int     `json:"found"`
	Labelled int     `json:"labelled"`
	Recall   float64 `json:"recall"`
}

// Leaks are identifiers still present in written safe copies.
type Leaks struct {
	Faces int `json:"faces"`
	PHI   int `json:"phi"`
	GPS   int `json:"gps"`
	// Unchecked counts safe copies, or parts of them, that could not be
	// checked (unreadable, a detector failed): counted as leaks, since
	// nothing says they are clean.
	Unchecked int `json:"unchecked"`
	// PHIChecked is how many phi strings had a safe copy to check.
	PHIChecked int      `json:"phi_checked"`
	Details    []string `json:"details,omitempty"`
}

// Total is all leaks.
func (l Leaks) Total() int { return l.Faces + l.PHI + l.GPS + l.Unchecked }

// Options configure an eval run.
type Options struct {
	Labels string
	Images string
	// Pipeline runs the scan; its Out is where safe copies are written.
	Pipeline pipeline.Options
}

// Run scans the labelled photos and measures the result.
func Run(ctx context.Context, opts Options, progress pipeline.Progress) (*Result, *report.Report, error) {
	set, err := labels.Read(opts.Labels)
	if err != nil {
		return nil, nil, err
	}
	var inputs []pipeline.Input
	for _, im := range set.Images {
		inputs = append(inputs, pipeline.Input{Path: filepath.Join(opts.Images, im.File), Rel: im.File})
	}
	rep, err := pipeline.Run(ctx, inputs, nil, opts.Pipeline, progress)
	if err != nil {
		return nil, rep, err
	}
	res, err := Score(set, rep, opts.Pipeline)
	return res, rep, err
}

// ScoreScanned measures an earlier scan's output folder, opts.Out.
func ScoreScanned(labelsPath string, opts pipeline.Options) (*Result, error) {
	set, err := labels.Read(labelsPath)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(filepath.Join(opts.Out, "report.json"))
	if err != nil {
		return nil, fmt.Errorf("eval: %w", err)
	}
	defer f.Close()
	rep, err := report.ReadJSON(f)
	if err != nil {
		return nil, err
	}
	return Score(set, rep, opts)
}

// Score measures a report against labels, re-reading safe copies from
// opts.Out.
func Score(set *labels.Labels, rep *report.Report, opts pipeline.Options) (*Result, error) {
	byFile := map[string]report.Image{}
	for _, im := range rep.Images {
		byFile[im.Source] = im
	}
	res := &Result{Images: len(set.Images), Recall: map[string]KindRecall{}}
	det, err := detect.New(opts.Detect)
	if err != nil {
		return nil, err
	}
	defer det.Close()

	var secs, mp, redacted, outside float64
	for _, li := range set.Images {
		im, ok := byFile[li.File]
		if !ok || im.Error != "" {
			res.Errors++
			res.Misses = append(res.Misses, fmt.Sprintf("%s: error %q", li.File, im.Error))
		}
		secs += im.Seconds
		mp += float64(li.Width*li.Height) / 1e6
		if li.Expect == "pass" {
			res.PassPhotos++
			if im.Decision != risk.Pass {
				res.FalseAlarms++
				res.Misses = append(res.Misses, fmt.Sprintf("%s: false alarm (%s, %s)", li.File, im.Decision, kindsOf(im)))
			}
		}
		if (li.Expect == "pass") == (im.Decision == risk.Pass) && im.Error == "" {
			res.DecisionCorrect++
		}
		var boxes, covered []image.Rectangle
		for _, f := range im.Findings {
			if r := f.Rect(); !r.Empty() {
				boxes = append(boxes, r)
				if !f.LeftVisible() {
					covered = append(covered, r)
				}
			}
		}
		in, out := redactedArea(li, covered)
		redacted += in + out
		outside += out
		if fs := falseSurfaces(li, im); len(fs) > 0 {
			res.FalseSurfaces++
			res.Misses = append(res.Misses, fmt.Sprintf("%s: surface where none is labelled: %s", li.File, strings.Join(fs, ", ")))
		}
		for _, r := range li.Regions {
			kind := countedKind(r)
			if kind == "" {
				continue
			}
			kr := res.Recall[kind]
			kr.Labelled++
			if Covered(r.Rect(), boxes) {
				kr.Found++
			} else {
				res.Misses = append(res.Misses, fmt.Sprintf("%s: missed %s %v", li.File, kind, r.Box))
			}
			res.Recall[kind] = kr
		}
		if im.SafeCopy != "" {
			checkLeaks(&res.Leaks, li, filepath.Join(opts.Out, filepath.FromSlash(im.SafeCopy)), det)
		}
	}
	for k, kr := range res.Recall {
		if kr.Labelled > 0 {
			kr.Recall = float64(kr.Found) / float64(kr.Labelled)
		}
		res.Recall[k] = kr
	}
	if n := float64(len(set.Images)); n > 0 {
		res.SecondsPerPhoto = secs / n
	}
	if redacted > 0 {
		res.RedactedOutside = outside / redacted
	}
	if mp > 0 {
		res.SecondsPerMP = secs / mp
	}
	return res, nil
}

// areaCell is the side, in px, of the grid redactedArea counts on: exact
// enough for a share, and a 12 MP photo is 190,000 cells.
const areaCell = 8

// redactedArea returns how much of the union of boxes lies inside and
// outside the labelled regions of li that should be covered (every kind
// but posters), in px, counted on a grid of areaCell px.
func redactedArea(li labels.Image, boxes []image.Rectangle) (in, out float64) {
	if len(boxes) == 0 {
		return 0, 0
	}
	w, h := li.Width/areaCell+1, li.Height/areaCell+1
	mark := func(grid []bool, r image.Rectangle) {
		r = image.Rect(r.Min.X/areaCell, r.Min.Y/areaCell, (r.Max.X+areaCell-1)/areaCell, (r.Max.Y+areaCell-1)/areaCell).Intersect(image.Rect(0, 0, w, h))
		for y := r.Min.Y; y < r.Max.Y; y++ {
			for x := r.Min.X; x < r.Max.X; x++ {
				grid[y*w+x] = true
			}
		}
	}
	covered, labelled := make([]bool, w*h), make([]bool, w*h)
	for _, b := range boxes {
		mark(covered, b)
	}
	for _, r := range li.Regions {
		if r.Kind != "poster" {
			mark(labelled, r.Rect())
		}
	}
	for i, c := range covered {
		switch {
		case !c:
		case labelled[i]:
			in++
		default:
			out++
		}
	}
	return in * areaCell * areaCell, out * areaCell * areaCell
}

// falseSurfaces lists the surface findings of im that are covered in the
// safe copy and overlap no labelled region of li but faces and posters.
func falseSurfaces(li labels.Image, im report.Image) []string {
	var out []string
	for _, f := range im.Findings {
		switch {
		case f.Kind == risk.KindFace, f.Kind == risk.KindText, f.Kind == risk.KindMetadata:
			continue
		case f.LeftVisible():
			continue // reported, not covered: no damage to the photo
		}
		r := f.Rect()
		if r.Empty() {
			continue
		}
		labelled := false
		for _, lr := range li.Regions {
			if lr.Kind == "face" || lr.Kind == "poster" {
				continue
			}
			if in := r.Intersect(lr.Rect()); !in.Empty() && (vision.IoU(r, lr.Rect()) >= 0.1 || 2*in.Dx()*in.Dy() >= r.Dx()*r.Dy()) {
				labelled = true
				break
			}
		}
		if !labelled {
			out = append(out, fmt.Sprintf("%s %v", f.Kind, f.Box))
		}
	}
	return out
}

func kindsOf(im report.Image) string {
	var ks []string
	for _, f := range im.Findings {
		if f.Kind != risk.KindMetadata {
			ks = append(ks, string(f.Kind)+"/"+f.Detector)
		}
	}
	return strings.Join(ks, ",")
}

// countedKind is the recall bucket of a region, or "" when it does not
// count: posters must not be flagged, and faces under 20 px are beyond
// what the labels promise.
func countedKind(r labels.Region) string {
	switch {
	case r.Kind == "poster":
		return ""
	case r.Kind == "face" && r.Box[2] < 20:
		return ""
	case r.Kind == "face" && r.Box[2] < 40:
		return "face<40"
	case r.Kind == "face":
		return "face40+"
	}
	return r.Kind
}

// Covered applies the eval rule: the findings together cover at least half
// of the region, or one of them overlaps it with IoU >= 0.3.
func Covered(region image.Rectangle, findings []image.Rectangle) bool {
	if region.Empty() {
		return false
	}
	for _, f := range findings {
		if vision.IoU(region, f) >= 0.3 {
			return true
		}
	}
	w, h := region.Dx(), region.Dy()
	mask := make([]bool, w*h)
	covered := 0
	for _, f := range findings {
		in := f.Intersect(region)
		for y := in.Min.Y; y < in.Max.Y; y++ {
			row := (y - region.Min.Y) * w
			for x := in.Min.X; x < in.Max.X; x++ {
				if i := row + x - region.Min.X; !mask[i] {
					mask[i] = true
					covered++
				}
			}
		}
	}
	return 2*covered >= w*h
}

// checkLeaks reads the safe copy from disk and looks for what the labels
// say was there: a face still detected on a labelled face, a phi string
// still readable inside its region, a GPS tag. What cannot be checked
// counts as Unchecked, never as clean.
func checkLeaks(l *Leaks, li labels.Image, path string, det *detect.Detector) {
	unchecked := func(what string, err error) {
		l.Unchecked++
		l.Details = append(l.Details, fmt.Sprintf("%s: %s: %v", li.File, what, err))
	}
	p, err := pipeline.Codec().Load(path, photo.DefaultOptions())
	if err != nil {
		unchecked("safe copy unreadable", err)
		return
	}
	if p.Meta.GPS != nil {
		l.GPS++
		l.Details = append(l.Details, li.File+": GPS in safe copy")
	}
	var faces []vision.Region
	facesDone := false
	for _, r := range li.Regions {
		box := r.Rect()
		if r.Kind == "face" && r.Box[2] >= 20 {
			if !facesDone {
				if faces, err = det.Faces(p.Image); err != nil {
					unchecked("faces not checked", err)
				}
				facesDone = true
			}
			for _, f := range faces {
				if vision.IoU(f.Box, box) >= 0.3 || f.Box.Intersect(box).Dx()*f.Box.Intersect(box).Dy()*2 >= f.Box.Dx()*f.Box.Dy() {
					l.Faces++
					l.Details = append(l.Details, fmt.Sprintf("%s: face %v still detected", li.File, r.Box))
					break
				}
			}
		}
		if len(r.PHI) == 0 {
			continue
		}
		crop := p.Image.SubImage(box.Inset(-box.Dx() / 20).Intersect(p.Image.Bounds()))
		lines, err := det.Read(crop)
		if err != nil {
			unchecked(r.Kind+" text not checked", err)
			continue
		}
		var text []string
		for _, ln := range lines {
			text = append(text, ln.Text())
		}
		read := normalize(strings.Join(text, " "))
		for _, s := range r.PHI {
			l.PHIChecked++
			if ContainsFuzzy(read, normalize(s)) {
				l.PHI++
				l.Details = append(l.Details, fmt.Sprintf("%s: %s %q readable", li.File, r.Kind, risk.Mask(s)))
			}
		}
	}
}

func normalize(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// ContainsFuzzy reports whether needle occurs in hay with at most one
// edit per six characters (OCR-tolerant), by Sellers' approximate
// substring matching.
func ContainsFuzzy(hay, needle string) bool {
	if needle == "" {
		return false
	}
	n := []rune(needle)
	k := len(n) / 6
	prev := make([]int, len(n)+1)
	cur := make([]int, len(n)+1)
	for i := range prev {
		prev[i] = i
	}
	if prev[len(n)] <= k {
		return true
	}
	for _, c := range hay {
		cur[0] = 0
		for i := 1; i <= len(n); i++ {
			cost := 1
			if n[i-1] == c {
				cost = 0
			}
			cur[i] = min(prev[i]+1, cur[i-1]+1, prev[i-1]+cost)
		}
		if cur[len(n)] <= k {
			return true
		}
		prev, cur = cur, prev
	}
	return false
}

// Kinds returns the recall keys in a stable order.
func (r *Result) Kinds() []string {
	var ks []string
	for k := range r.Recall {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
