package vision

import (
	"image"
	"image/color"
	"image/draw"
	"testing"

	"github.com/disintegration/imaging"
	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"
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

// A display inside its dark bezel, on a bright carpet, seen close up (the
// bezel too large a share of the photo to be a surface itself): the
// display's outline lies in the hole of the carpet's, where outermost
// outlines alone never look (an e-reader on a rug was missed so).
func TestSurfacesNested(t *testing.T) {
	img := image.NewNRGBA(image.Rect(0, 0, 400, 300))
	panel := image.Rect(60, 40, 340, 250)
	paint(img, []patch{
		{img.Bounds(), color.NRGBA{225, 214, 192, 255}}, // carpet
		{image.Rect(20, 10, 380, 295), color.NRGBA{20, 20, 22, 255}},
		{panel, color.NRGBA{214, 214, 210, 255}},
	})
	write(img, panel.Min.Add(image.Pt(10, 22)), 24, "Sun 14  69F", "1 mph NW wind", "10AM 12PM 2PM", "72  80  83", "Mon 09/15 84", "Tue 09/16 79", "Wed 09/17 79")
	big := imaging.Resize(img, 1200, 900, imaging.Linear)
	findScreen(t, big, image.Rect(panel.Min.X*3, panel.Min.Y*3, panel.Max.X*3, panel.Max.Y*3), 0.8)
}

// An e-paper display is grey, darker than any bright level a sheet is
// looked for at, but lighter than the black frame round it: it is found
// as the frame's inside, even where the frame runs into other dark
// things.
func TestSurfacesInDarkFrame(t *testing.T) {
	img := image.NewNRGBA(image.Rect(0, 0, 400, 240))
	panel := image.Rect(74, 34, 286, 196)
	paint(img, []patch{
		{img.Bounds(), color.NRGBA{128, 126, 122, 255}},                 // a steel door
		{image.Rect(30, 10, 330, 230), color.NRGBA{104, 104, 106, 255}}, // bezel
		{image.Rect(70, 30, 290, 200), color.NRGBA{12, 12, 14, 255}},    // frame
		// A dark gap down the side and a black button joining it to the
		// frame: the frame's outline is not a quad of its own.
		{image.Rect(0, 0, 24, 240), color.NRGBA{10, 10, 10, 255}},
		{image.Rect(24, 90, 70, 130), color.NRGBA{14, 14, 14, 255}},
		{panel, color.NRGBA{140, 140, 136, 255}},
	})
	write(img, panel.Min.Add(image.Pt(12, 22)), 22, "Agenda:", "19:00 Drinks", "Wed", "09:00 PJ Hobbs", "11:00 Centre 454", "Thu 13:00 Hr")
	big := imaging.Resize(img, 2000, 1200, imaging.Linear)
	findScreen(t, big, image.Rect(panel.Min.X*5, panel.Min.Y*5, panel.Max.X*5, panel.Max.Y*5), 0.8)
}

// A bright band across the top of a street photo (a facade above a bus)
// runs off three sides: a backdrop. A board seen whole, or cut by one or
// two edges of the photo, is a surface.
func TestBackdrop(t *testing.T) {
	photo := image.Rect(0, 0, 810, 1080)
	for _, c := range []struct {
		box  image.Rectangle
		want bool
	}{
		{image.Rect(0, 0, 810, 395), true},
		{image.Rect(3, 2, 808, 395), true}, // within a hundredth of the edges
		{image.Rect(0, 0, 810, 1080), true},
		{image.Rect(24, 58, 810, 652), false}, // a whiteboard off the right edge
		{image.Rect(0, 0, 400, 300), false},   // a corner
		{image.Rect(100, 100, 700, 900), false},
	} {
		if got := backdrop(c.box, photo); got != c.want {
			t.Errorf("backdrop(%v) = %v, want %v", c.box, got, c.want)
		}
	}
}

// A phone held up against the sky, its bezel thinned by perspective to a
// few pixels at the working size down one side: its frame must still
// close round the display. Broken there, the display was no hole of the
// dark mask, and the bright levels' closing joined it to the sky.
func TestSurfacesThinBezel(t *testing.T) {
	img := image.NewNRGBA(image.Rect(0, 0, 800, 600))
	panel := image.Rect(340, 130, 467, 390) // the right side of the frame 3 px
	paint(img, []patch{
		{img.Bounds(), color.NRGBA{196, 214, 238, 255}}, // sky
		{image.Rect(330, 100, 470, 420), color.NRGBA{22, 22, 26, 255}},
		{panel, color.NRGBA{245, 245, 248, 255}},
	})
	write(img, panel.Min.Add(image.Pt(8, 24)), 22, phoneMessage...)
	big := imaging.Resize(img, 2400, 1800, imaging.Linear)
	findScreen(t, big, image.Rect(panel.Min.X*3, panel.Min.Y*3, panel.Max.X*3, panel.Max.Y*3), 0.7)
}

// The same phone held up in a band of sky across the photo: the band is
// an outline of its own, with the display bridged into it, but no rows of
// text at its size. An outline without rows hides no display inside it.
func TestSurfacesInRowlessBand(t *testing.T) {
	img := image.NewNRGBA(image.Rect(0, 0, 4800, 1800))
	panel := image.Rect(2220, 360, 2510, 840) // a frame 14-20 px wide
	paint(img, []patch{
		{img.Bounds(), color.NRGBA{62, 112, 52, 255}},                     // hills
		{image.Rect(0, 200, 4800, 1000), color.NRGBA{196, 214, 238, 255}}, // sky
		{image.Rect(2200, 344, 2524, 856), color.NRGBA{22, 22, 26, 255}},
		{panel, color.NRGBA{245, 245, 248, 255}},
	})
	write(img, panel.Min.Add(image.Pt(12, 40)), 60, phoneMessage...)
	findScreen(t, img, panel, 0.7)
}

// phoneMessage is what the phones of the tests above show.
var phoneMessage = []string{"Front desk", "Reminder for", "Maria Gonzalez", "visit Tue 10:30", "MRN 77120934"}

// patch is a rectangle of one colour.
type patch struct {
	r image.Rectangle
	c color.NRGBA
}

// paint draws patches on img, in order.
func paint(img *image.NRGBA, patches []patch) {
	for _, f := range patches {
		draw.Draw(img, f.r, image.NewUniform(f.c), image.Point{}, draw.Src)
	}
}

// write draws lines of dark text on img, the first with its baseline
// starting at at, each next one step lower.
func write(img *image.NRGBA, at image.Point, step int, lines ...string) {
	d := font.Drawer{Dst: img, Src: image.NewUniform(color.NRGBA{28, 28, 28, 255}), Face: basicfont.Face7x13}
	for i, s := range lines {
		d.Dot = fixed.P(at.X, at.Y+step*i)
		d.DrawString(s)
	}
}

// findScreen checks that Surfaces finds a screen whose box overlaps want
// with an IoU of at least minIoU.
func findScreen(t *testing.T, img image.Image, want image.Rectangle, minIoU float64) {
	t.Helper()
	got, err := Surfaces(img, DefaultSurfaceOptions())
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range got {
		if IoU(s.Box, want) >= minIoU {
			if s.Kind != "screen" {
				t.Errorf("the display %v was found as a %s", want, s.Kind)
			}
			return
		}
	}
	t.Errorf("the display %v was not found: %+v", want, got)
}
