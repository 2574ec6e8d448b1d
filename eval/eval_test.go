package eval

import (
	"image"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"photoaudit/detect"
	"photoaudit/eval/labels"
	"photoaudit/report"
	"photoaudit/risk"
)

func TestCovered(t *testing.T) {
	region := image.Rect(0, 0, 100, 100)
	tests := []struct {
		name     string
		findings []image.Rectangle
		want     bool
	}{
		{"none", nil, false},
		{"one overlapping with IoU 0.36", []image.Rectangle{image.Rect(40, 40, 100, 100)}, true},
		{"one small inside", []image.Rectangle{image.Rect(10, 10, 40, 40)}, false},
		{"text lines covering half together", []image.Rectangle{
			image.Rect(0, 0, 100, 20), image.Rect(0, 25, 100, 45), image.Rect(0, 50, 100, 62)}, true},
		{"overlapping lines counted once", []image.Rectangle{
			image.Rect(0, 0, 100, 28), image.Rect(0, 0, 100, 28), image.Rect(0, 10, 100, 38)}, false},
	}
	for _, tt := range tests {
		if got := Covered(region, tt.findings); got != tt.want {
			t.Errorf("%s: Covered = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestContainsFuzzy(t *testing.T) {
	tests := []struct {
		hay, needle string
		want        bool
	}{
		{"pt robertaylor dob", "roberttaylor", true}, // one letter lost
		{"xx09191974yy", "06191974", true},           // one digit misread
		{"xx09181974yy", "06191974", false},          // two in 8 characters
		{"nothing here", "jamesbrown", false},
		{"", "a", false},
	}
	for _, tt := range tests {
		if got := ContainsFuzzy(tt.hay, tt.needle); got != tt.want {
			t.Errorf("ContainsFuzzy(%q, %q) = %v, want %v", tt.hay, tt.needle, got, tt.want)
		}
	}
}

func TestCountedKind(t *testing.T) {
	for want, r := range map[string]labels.Region{
		"":        {Kind: "poster", Box: [4]int{0, 0, 500, 500}},
		"face<40": {Kind: "face", Box: [4]int{0, 0, 25, 30}},
		"face40+": {Kind: "face", Box: [4]int{0, 0, 40, 50}},
		"screen":  {Kind: "screen", Box: [4]int{0, 0, 400, 300}},
	} {
		if got := countedKind(r); got != want {
			t.Errorf("countedKind(%+v) = %q, want %q", r, got, want)
		}
	}
	if got := countedKind(labels.Region{Kind: "face", Box: [4]int{0, 0, 15, 20}}); got != "" {
		t.Errorf("a 15 px face counted as %q", got)
	}
}

// A safe copy that cannot be checked counts against the leak gate: it
// is not known to be clean.
func TestUncheckedIsALeak(t *testing.T) {
	det, err := detect.New(detect.DefaultOptions())
	if err != nil {
		t.Fatalf("detect.New: %v (run scripts/setup.sh test)", err)
	}
	defer det.Close()
	bad := filepath.Join(t.TempDir(), "safe.jpg")
	if err := os.WriteFile(bad, []byte("not a jpeg"), 0o644); err != nil {
		t.Fatal(err)
	}
	var l Leaks
	li := labels.Image{File: "a.jpg", Regions: []labels.Region{{Kind: "face", Box: [4]int{0, 0, 40, 40}}}}
	checkLeaks(&l, li, bad, det)
	if l.Unchecked != 1 || l.Total() != 1 {
		t.Errorf("unreadable safe copy: unchecked %d, total %d; want 1 and 1 (%v)", l.Unchecked, l.Total(), l.Details)
	}
}

// The precision figures: redacted area outside the labels (posters do not
// count as labels), and surfaces found where nothing is labelled.
func TestPrecisionFigures(t *testing.T) {
	li := labels.Image{File: "a.jpg", Width: 400, Height: 400, Regions: []labels.Region{
		{Kind: "document", Box: [4]int{0, 0, 80, 80}},
		{Kind: "poster", Box: [4]int{200, 200, 80, 80}},
	}}
	// One box on the document, one on the poster, as large.
	in, out := redactedArea(li, []image.Rectangle{image.Rect(0, 0, 80, 80), image.Rect(200, 200, 280, 280)})
	if in != 80*80 || out != 80*80 {
		t.Errorf("redacted area: %v inside, %v outside; want %d each", in, out, 80*80)
	}
	im := report.Image{Findings: []report.Finding{
		{Kind: risk.KindDocument, Box: []int{4, 4, 70, 70}},
		{Kind: risk.KindWristband, Box: []int{200, 210, 60, 20}}, // on the poster
		{Kind: risk.KindFace, Box: []int{300, 300, 40, 40}},      // faces are not surfaces
	}}
	if got := falseSurfaces(li, im); len(got) != 1 || !strings.Contains(got[0], "wristband") {
		t.Errorf("false surfaces %v, want the wristband on the poster alone", got)
	}
}
