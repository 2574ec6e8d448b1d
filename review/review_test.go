package review

import (
	"errors"
	"image"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/disintegration/imaging"

	"photoaudit/internal/fixture"
	"photoaudit/report"
	"photoaudit/risk"
	"photoaudit/watch"
)

// A scan's folder, then the compliance officer's steps on it: a face
// kept with consent stays visible in the approved copy; a face kept
// without consent, a record number kept, or a document with its findings
// dropped is refused; a rejection is logged; and the log verifies.
func TestApproveAndReject(t *testing.T) {
	out, opts, rep := scanFolder(t)
	byName := map[string]report.Image{}
	for _, im := range rep.Images {
		byName[im.Source] = im
	}
	faceIm := byName["face.jpg"]
	if len(faceIm.Findings) == 0 || faceIm.Findings[0].Kind != risk.KindFace {
		t.Fatalf("face.jpg findings %+v, want the face first", faceIm.Findings)
	}

	if _, err := Approve(out, "face.jpg", Choices{By: "A. Rivera", Keep: map[int]string{1: " "}}, opts); err == nil {
		t.Error("a face kept without a consent reference was approved")
	}
	path, err := Approve(out, "face.jpg", Choices{By: "A. Rivera", Keep: map[int]string{1: "AUTH-2026-114"}}, opts)
	if err != nil {
		t.Fatal(err)
	}
	if path != filepath.Join(out, watch.DirApproved, "face.jpg") {
		t.Errorf("approved copy at %s", path)
	}
	// The face is there, as in the original: not covered.
	orig, _ := imaging.Open(faceIm.Path)
	got, err := imaging.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	box := faceIm.Findings[0]
	if d := meanDiff(orig, got, box.Box); d > 8 {
		t.Errorf("kept face differs from the original by %.1f a channel: it was covered", d)
	}

	doc := byName["document.jpg"]
	var all []int
	record := 0
	for i, f := range doc.Findings {
		all = append(all, i+1)
		for _, id := range f.Identifiers {
			if id == risk.IDRecord && f.Kind == risk.KindText {
				record = i + 1
			}
		}
	}
	if record > 0 {
		if _, err := Approve(out, "document.jpg", Choices{By: "A. Rivera", Keep: map[int]string{record: "AUTH-1"}}, opts); err == nil {
			t.Error("a record number was kept visible")
		}
	}
	if _, err := Approve(out, "document.jpg", Choices{By: "A. Rivera", Drop: all}, opts); err == nil {
		t.Error("a patient's form approved with its findings dropped")
	}
	// The look again catches what the report lacks: the form's findings
	// taken out of the report, as if the scan had missed them.
	saved, _ := os.ReadFile(filepath.Join(out, "report.json"))
	r, _ := report.ReadJSON(strings.NewReader(string(saved)))
	for i := range r.Images {
		if r.Images[i].Source == "document.jpg" {
			r.Images[i].Findings = nil
		}
	}
	f, _ := os.Create(filepath.Join(out, "report.json"))
	r.WriteJSON(f)
	f.Close()
	if _, err := Approve(out, "document.jpg", Choices{By: "A. Rivera"}, opts); !errors.Is(err, ErrStillRisky) {
		t.Errorf("a form the report missed: %v, want ErrStillRisky", err)
	}
	os.WriteFile(filepath.Join(out, "report.json"), saved, 0o644)
	if err := Reject(out, "document.jpg", "A. Rivera", "chart on the desk", opts); err != nil {
		t.Fatal(err)
	}

	n, problems, err := watch.VerifyLog(out)
	if err != nil || n != 2 {
		t.Errorf("audit log: %d lines, %v, %v; want 2 that verify", n, problems, err)
	}
	log, _ := os.ReadFile(filepath.Join(out, "audit.log"))
	if !strings.Contains(string(log), `"consent":["AUTH-2026-114"]`) || !strings.Contains(string(log), `"action":"reject"`) {
		t.Errorf("audit log lacks the consent or the rejection:\n%s", log)
	}
	if strings.Contains(string(log), fixture.Patients[2].Name) {
		t.Error("the audit log holds a patient's name")
	}
}

// meanDiff is the mean absolute difference per channel of a and b over
// box (x, y, w, h).
func meanDiff(a, b image.Image, box []int) float64 {
	sum, n := 0.0, 0
	for y := box[1]; y < box[1]+box[3]; y++ {
		for x := box[0]; x < box[0]+box[2]; x++ {
			r1, g1, b1, _ := a.At(x, y).RGBA()
			r2, g2, b2, _ := b.At(x, y).RGBA()
			for _, d := range []int{int(r1>>8) - int(r2>>8), int(g1>>8) - int(g2>>8), int(b1>>8) - int(b2>>8)} {
				sum += math.Abs(float64(d))
				n++
			}
		}
	}
	return sum / float64(max(n, 1))
}

// Only a finding that covers something, found unsurely, is offered (and
// taken) to drop: one left visible, as harmless or on a roster's
// consent, covers nothing.
func TestDroppable(t *testing.T) {
	name := []risk.Identifier{risk.IDName}
	for _, c := range []struct {
		what string
		f    report.Finding
		want bool
	}{
		{"a name read surely", report.Finding{Kind: risk.KindText, Identifiers: name, Confidence: 0.9}, false},
		{"a lone surname read weakly", report.Finding{Kind: risk.KindText, Identifiers: name, Confidence: 0.5}, true},
		{"an unreadable surface", report.Finding{Kind: risk.KindDocument, Confidence: 0.9}, true},
		{"a poster judged harmless", report.Finding{Kind: risk.KindText, Harmless: true, Confidence: 0.5}, false},
		{"a badge kept on the roster", report.Finding{Kind: risk.KindBadge, Identifiers: []risk.Identifier{}, Confidence: 0.5, Consent: "AUTH-1"}, false},
	} {
		if got := droppable(c.f); got != c.want {
			t.Errorf("%s: droppable %v, want %v", c.what, got, c.want)
		}
	}
}
