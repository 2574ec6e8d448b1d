package pipeline

import (
	"image"
	"testing"

	"photoaudit/risk"
)

// A page read and judged harmless is reported for a person to check and
// never covered, nor looked for again in the safe copy; everything else
// with a box is covered.
func TestHarmlessNotCovered(t *testing.T) {
	face := risk.Finding{Kind: risk.KindFace, Box: image.Rect(0, 0, 40, 40), Identifiers: []risk.Identifier{risk.IDFullFace}}
	page := risk.Finding{Kind: risk.KindDocument, Box: image.Rect(100, 0, 300, 200), Harmless: true, Identifiers: []risk.Identifier{}}
	unread := risk.Finding{Kind: risk.KindScreen, Box: image.Rect(0, 300, 200, 400), Identifiers: []risk.Identifier{risk.IDName}}
	regions := Regions([]risk.Finding{face, page, unread})
	if len(regions) != 2 || regions[0].Box != face.Box || regions[1].Box != unread.Box {
		t.Errorf("Regions = %+v, want the face and the screen only", regions)
	}
	if left := StillRisky([]risk.Finding{page}); len(left) != 0 {
		t.Errorf("StillRisky kept a harmless page: %+v", left)
	}
}
