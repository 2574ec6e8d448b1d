package vision

import (
	"testing"

	"photoaudit/internal/fixture"
)

// The object detector finds the generated room's monitor, its box on the
// screen as drawn, and nothing sure on a face or a poster.
func TestObjects(t *testing.T) {
	face, err := fixture.LoadFace(fixture.FacePath())
	if err != nil {
		t.Fatal(err)
	}
	d, err := NewDetector(DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if !d.FindsObjects() {
		t.Fatal("the object detector did not load: run photoaudit models install")
	}
	for _, s := range fixture.Scenes(face) {
		obs, err := d.Objects(s.Image)
		if err != nil {
			t.Fatal(err)
		}
		switch s.Name {
		case "screen.jpg":
			best := 0.0
			for _, o := range obs {
				if o.Kind == "screen" {
					best = max(best, IoU(o.Box, s.Regions[0].Box))
				}
			}
			if best < 0.6 {
				t.Errorf("screen.jpg: the monitor %v not found (best IoU %.2f): %+v", s.Regions[0].Box, best, obs)
			}
		case "face.jpg", "poster.jpg":
			for _, o := range obs {
				if o.Confidence >= 0.5 {
					t.Errorf("%s: a %s at %.2f: %+v", s.Name, o.Name, o.Confidence, o)
				}
			}
		}
	}
}
