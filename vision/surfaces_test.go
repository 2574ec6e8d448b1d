package vision

import (
	"testing"

	"github.com/disintegration/imaging"
)

func TestSurfaces(t *testing.T) {
	// Kinds whose geometry is distinctive must be named; the rest only
	// found (the pipeline reads them to decide).
	wantKind := map[string]string{"signin_sheet": "signin_sheet", "wristband": "wristband", "screen": "screen"}
	for name, s := range scenes(t) {
		t.Run(name, func(t *testing.T) {
			got, err := Surfaces(s.Image, DefaultSurfaceOptions())
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range s.Regions {
				// Posters may or may not be surfaces (a saturated yellow
				// sign is not paper-like); the pipeline test checks they
				// pass.
				if r.Kind == "face" || r.Kind == "poster" {
					continue
				}
				var best Surface
				bestIoU := 0.0
				for _, g := range got {
					if iou := IoU(g.Box, r.Box); iou > bestIoU {
						best, bestIoU = g, iou
					}
				}
				if bestIoU < 0.5 {
					t.Errorf("%s %v not found (best IoU %.2f); found %+v", r.Kind, r.Box, bestIoU, got)
					continue
				}
				if k, ok := wantKind[r.Kind]; ok && best.Kind != k {
					t.Errorf("%s found as %s", r.Kind, best.Kind)
				}
			}
		})
	}
}

func BenchmarkSurfaces12MP(b *testing.B) {
	img := imaging.Resize(scenes(b)["signin.jpg"].Image, 4032, 3024, imaging.Linear)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := Surfaces(img, DefaultSurfaceOptions()); err != nil {
			b.Fatal(err)
		}
	}
}
