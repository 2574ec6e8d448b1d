// Package review is the compliance officer's step after a scan: approve a
// photo, keeping a face or a name visible only against a consent
// reference, dropping a false finding, adding a box a detector missed;
// or reject it with a reason. An approval renders the safe copy again
// from the original with those choices, looks at it again, and writes it
// to approved/; both are lines of the folder's audit log (package watch's
// format, chained), which never holds the identifying text.
package review

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"image"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"photoaudit/blur"
	"photoaudit/detect"
	"photoaudit/photo"
	"photoaudit/pipeline"
	"photoaudit/report"
	"photoaudit/risk"
	"photoaudit/watch"
)

// Choices are what the reviewer decided about one photo's findings,
// which are numbered from 1 in the report's order.
type Choices struct {
	By string
	// Keep maps a finding's number to the consent or authorization
	// reference under which it stays visible (faces and names only).
	Keep map[int]string
	// Drop are findings the reviewer judged false.
	Drop []int
	// Add are boxes the detectors missed, in upright pixels.
	Add []image.Rectangle
}

// Options are what an approval runs with.
type Options struct {
	Detect        detect.Options
	Photo         photo.Options
	Redact        blur.Options
	ToolVersion   string
	PolicyVersion string
}

// ErrStillRisky says the safe copy rendered with the reviewer's choices
// still shows something identifying that the reviewer did not keep.
var ErrStillRisky = errors.New("the safe copy still shows something identifying")

// find returns the report's entry for source.
func find(dir, source string) (report.Image, error) {
	rep, err := loadReport(dir)
	if err != nil {
		return report.Image{}, err
	}
	for _, im := range rep.Images {
		if im.Source == source {
			return im, nil
		}
	}
	return report.Image{}, fmt.Errorf("review: no photo %q in %s/report.json", source, dir)
}

// sureConf is the confidence from which a finding is not the reviewer's
// to drop as false: a name and date read clearly, a face scored high.
// Dropping is for the unsure ones (a lone surname in a title, an
// unreadable poster); otherwise --drop would show a record number that
// --keep refuses to.
const sureConf = 0.75

// sure says a finding was found too surely to be dropped as false.
func sure(f report.Finding) bool { return len(f.Identifiers) > 0 && f.Confidence >= sureConf }

// droppable says whether a finding may be dropped as false: it covers
// something (one judged harmless or kept on a roster's consent covers
// nothing, so there is nothing to drop) and was not found surely.
func droppable(f report.Finding) bool { return !f.LeftVisible() && !sure(f) }

// keepable says whether a finding may be kept visible with consent: a
// face, or text that names someone, and nothing else (a record number
// or a date of birth is never the patient's to waive here).
func keepable(f report.Finding) bool {
	if f.Kind == risk.KindFace {
		return true
	}
	return f.Kind == risk.KindText && len(f.Identifiers) == 1 && f.Identifiers[0] == risk.IDName
}

// Approve renders source's safe copy again from its original with the
// reviewer's choices, checks it, writes it to dir/approved/, and logs
// who approved it and on what consent. It returns the path written.
func Approve(dir, source string, c Choices, opts Options) (string, error) {
	if strings.TrimSpace(c.By) == "" {
		return "", errors.New("review: say who approves (--by)")
	}
	im, err := find(dir, source)
	if err != nil {
		return "", err
	}
	if im.Error != "" || im.Path == "" {
		return "", fmt.Errorf("review: %s has no audited original to render from", source)
	}
	n := len(im.Findings)
	var kept, dropped []image.Rectangle
	var consent []string
	for id, ref := range c.Keep {
		if id < 1 || id > n {
			return "", fmt.Errorf("review: no finding %d (the photo has %d)", id, n)
		}
		f := im.Findings[id-1]
		if !keepable(f) {
			return "", fmt.Errorf("review: finding %d (%s) cannot be kept: only faces and names, with consent", id, report.Describe(f))
		}
		if strings.TrimSpace(ref) == "" {
			return "", fmt.Errorf("review: finding %d is kept without a consent reference", id)
		}
		kept = append(kept, f.Rect())
		consent = append(consent, ref)
	}
	for _, id := range c.Drop {
		if id < 1 || id > n {
			return "", fmt.Errorf("review: no finding %d (the photo has %d)", id, n)
		}
		if _, ok := c.Keep[id]; ok {
			return "", fmt.Errorf("review: finding %d is both kept and dropped", id)
		}
		f := im.Findings[id-1]
		if f.LeftVisible() {
			return "", fmt.Errorf("review: finding %d (%s) covers nothing: it is left visible already", id, report.Describe(f))
		}
		if sure(f) {
			return "", fmt.Errorf("review: finding %d (%s) was found at %.2f: not a false finding to drop; keep a face or a name with consent instead", id, report.Describe(f), f.Confidence)
		}
		dropped = append(dropped, f.Rect())
	}
	p, err := pipeline.Codec().Load(im.Path, opts.Photo)
	if err != nil {
		return "", fmt.Errorf("review: original: %w", err)
	}
	if b := p.Image.Bounds(); b.Dx() != im.Width || b.Dy() != im.Height {
		return "", fmt.Errorf("review: original %s is %dx%d, the report says %dx%d: not the photo audited", im.Path, b.Dx(), b.Dy(), im.Width, im.Height)
	}
	var cover []risk.Finding
	for i, f := range im.Findings {
		if _, ok := c.Keep[i+1]; ok || slices.Contains(c.Drop, i+1) || f.LeftVisible() {
			continue
		}
		cover = append(cover, risk.Finding{Kind: f.Kind, Box: f.Rect()})
	}
	for _, r := range c.Add {
		cover = append(cover, risk.Finding{Kind: risk.KindDocument, Box: r.Intersect(p.Image.Bounds())})
	}
	safe := blur.Redact(p.Image, pipeline.Regions(cover), opts.Redact)
	name := photo.SafeName(filepath.Base(filepath.FromSlash(source)))
	encoded, err := photo.EncodeBytes(safe, name)
	if err != nil {
		return "", fmt.Errorf("review: %w", err)
	}
	// The look again: what it finds must be covered, or be what the
	// reviewer kept with consent or judged false.
	d, err := detect.New(opts.Detect)
	if err != nil {
		return "", err
	}
	defer d.Close()
	back, err := photo.Decode(encoded, photo.Options{})
	if err != nil {
		return "", fmt.Errorf("review: re-read safe copy: %w", err)
	}
	left, _, err := d.Look(back.Image, nil)
	if err != nil {
		return "", err
	}
	for _, f := range pipeline.StillRisky(left) {
		if overlapsAny(f.Box, kept) || overlapsAny(f.Box, dropped) {
			continue
		}
		return "", fmt.Errorf("%w: %s at %v; add a box for it or drop it", ErrStillRisky, report.Describe(report.FromRisk(f)), f.Box)
	}
	rel := filepath.ToSlash(filepath.Join(watch.DirApproved, name))
	out := filepath.Join(dir, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return "", fmt.Errorf("review: %w", err)
	}
	if err := report.WriteFileAtomic(out, func(f *os.File) error {
		_, err := f.Write(encoded)
		return err
	}); err != nil {
		return "", err
	}
	slices.Sort(consent)
	e := entry(p.SHA256, source, "approve", c.By, opts)
	e.Decision, e.Consent, e.Outputs = "approved", consent, []string{rel}
	e.OutputSHA256 = map[string]string{rel: sha(encoded)}
	e.Findings = map[string]int{"kept": len(c.Keep), "dropped": len(c.Drop), "added": len(c.Add)}
	if err := watch.AppendLog(dir, e); err != nil {
		return "", err
	}
	return out, rewriteCSV(dir)
}

// Reject logs that source is not to be posted, by whom and why.
func Reject(dir, source, by, reason string, opts Options) error {
	if strings.TrimSpace(by) == "" || strings.TrimSpace(reason) == "" {
		return errors.New("review: say who rejects (--by) and why (--reason)")
	}
	im, err := find(dir, source)
	if err != nil {
		return err
	}
	// The original may be gone; the rejection still counts, without its
	// hash.
	sum, _ := pipeline.HashFile(im.Path)
	e := entry(sum, source, "reject", by, opts)
	e.Decision, e.Reason = "rejected", reason
	if err := watch.AppendLog(dir, e); err != nil {
		return err
	}
	return rewriteCSV(dir)
}

// rewriteCSV writes the folder's report.csv again, when the scan wrote
// one, with each photo's last sign-off from the audit log in its last
// columns: the spreadsheet a compliance officer keeps says who approved
// what.
func rewriteCSV(dir string) error {
	path := filepath.Join(dir, "report.csv")
	if _, err := os.Stat(path); err != nil {
		return nil
	}
	rep, err := loadReport(dir)
	if err != nil {
		return err
	}
	so := map[string]report.SignOff{}
	for src, s := range signOffs(dir) {
		so[src] = report.SignOff{Decision: s.Action, By: s.By, Time: s.Time}
	}
	return report.WriteFileAtomic(path, func(f *os.File) error { return rep.WriteCSVWith(f, so) })
}

func entry(originalSHA256, source, action, by string, opts Options) *watch.LogEntry {
	return &watch.LogEntry{Time: time.Now().UTC(), SHA256: originalSHA256, Source: source, Action: action, By: by,
		Findings: map[string]int{}, Outputs: []string{}, ToolVersion: opts.ToolVersion, PolicyVersion: opts.PolicyVersion}
}

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func overlapsAny(r image.Rectangle, boxes []image.Rectangle) bool {
	for _, b := range boxes {
		in := r.Intersect(b)
		if a := r.Dx() * r.Dy(); a > 0 && 2*in.Dx()*in.Dy() >= a {
			return true
		}
	}
	return false
}
