package vision

import (
	"image"
	"testing"

	"photoaudit/internal/fixture"
)

func newTestDetector(t testing.TB) *Detector {
	t.Helper()
	d, err := NewDetector(DefaultOptions())
	if err != nil {
		t.Fatalf("NewDetector: %v (run scripts/setup.sh test)", err)
	}
	t.Cleanup(func() {
		if err := d.Close(); err != nil {
			t.Error(err)
		}
	})
	return d
}

func scenes(t testing.TB) map[string]fixture.Scene {
	t.Helper()
	face, err := fixture.LoadFace(fixture.FacePath())
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]fixture.Scene{}
	for _, s := range fixture.Scenes(face) {
		out[s.Name] = s
	}
	return out
}

// The PhotoPrism pattern: expected face counts per scene.
func TestFaces(t *testing.T) {
	d := newTestDetector(t)
	all := scenes(t)
	for name, want := range map[string]int{"face.jpg": 1, "poster.jpg": 0, "screen.jpg": 0, "document.jpg": 0} {
		t.Run(name, func(t *testing.T) {
			s := all[name]
			got, err := d.Faces(s.Image)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != want {
				t.Fatalf("found %d faces %v, want %d", len(got), got, want)
			}
			for _, r := range s.Regions {
				if r.Kind != "face" {
					continue
				}
				if iou := IoU(got[0].Box, r.Box); iou < 0.3 {
					t.Errorf("face box %v, labelled %v: IoU %.2f", got[0].Box, r.Box, iou)
				}
			}
		})
	}
}

// A small face, about 30 px wide in a 2 MP photo, is still found: small
// photos are enlarged for the cascade.
func TestSmallFace(t *testing.T) {
	face, err := fixture.LoadFace(fixture.FacePath())
	if err != nil {
		t.Fatal(err)
	}
	img := image.NewNRGBA(image.Rect(0, 0, 1600, 1200))
	for i := range img.Pix {
		img.Pix[i] = 190
	}
	r := fixture.Face(img, face, 800, 500, 52) // the face itself is about 30 px wide
	got, err := newTestDetector(t).Faces(img)
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range got {
		if IoU(g.Box, r.Box) >= 0.3 {
			return
		}
	}
	t.Errorf("face %v (%d px) not found; found %v", r.Box, r.Box.Dx(), got)
}

func TestMergeOverlaps(t *testing.T) {
	rs := []Region{
		{Kind: "face", Box: image.Rect(0, 0, 100, 100), Confidence: 0.8},
		{Kind: "face", Box: image.Rect(10, 10, 110, 110), Confidence: 0.9},
		{Kind: "face", Box: image.Rect(500, 500, 600, 600), Confidence: 0.8},
		{Kind: "screen", Box: image.Rect(0, 0, 100, 100), Confidence: 0.5},
	}
	got := MergeOverlaps(rs, 0.3)
	if len(got) != 3 {
		t.Fatalf("got %d regions, want 3: %v", len(got), got)
	}
	if got[0].Box != image.Rect(0, 0, 110, 110) || got[0].Confidence != 0.9 {
		t.Errorf("merged = %+v", got[0])
	}
}

func BenchmarkFaces12MP(b *testing.B) {
	face, err := fixture.LoadFace(fixture.FacePath())
	if err != nil {
		b.Fatal(err)
	}
	img := image.NewNRGBA(image.Rect(0, 0, 4032, 3024))
	for i := range img.Pix {
		img.Pix[i] = 190
	}
	fixture.Face(img, face, 2000, 1500, 300)
	d := newTestDetector(b)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := d.Faces(img); err != nil {
			b.Fatal(err)
		}
	}
}
