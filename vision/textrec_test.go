package vision

import (
	"image"
	"image/color"
	"image/draw"
	"strings"
	"testing"

	"github.com/disintegration/imaging"

	"photoaudit/internal/fixture"
)

// The recogniser reads the lines the detector finds, in fonts and at
// angles Tesseract's page layout reads badly: a monospace name, italic
// clinical values, a line standing on its end.
func TestReadLines(t *testing.T) {
	d, err := NewDetector(DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if !d.ReadsTextLines() {
		t.Fatal("the recogniser is not installed (run scripts/setup.sh test)")
	}
	img := image.NewNRGBA(image.Rect(0, 0, 900, 600))
	draw.Draw(img, img.Bounds(), image.NewUniform(color.NRGBA{235, 232, 225, 255}), image.Point{}, draw.Src)
	want := map[string]image.Rectangle{
		"Karen Mitchell": fixture.TextIn(img, fixture.FontMono, 60, 60, 30, color.Black, "Karen Mitchell"),
		"HbA1c 7.9":      fixture.TextIn(img, fixture.FontItalic, 60, 200, 30, color.NRGBA{20, 30, 120, 255}, "HbA1c 7.9"),
	}
	standing := image.NewNRGBA(image.Rect(0, 0, 400, 60))
	draw.Draw(standing, standing.Bounds(), image.NewUniform(color.NRGBA{235, 232, 225, 255}), image.Point{}, draw.Src)
	fixture.TextIn(standing, fixture.FontBold, 10, 10, 30, color.Black, "EXIT HALL")
	// Turned a quarter counter-clockwise: it reads bottom to top.
	up := imaging.Rotate90(standing)
	draw.Draw(img, up.Bounds().Add(image.Pt(700, 100)), up, image.Point{}, draw.Src)
	want["EXIT HALL"] = up.Bounds().Add(image.Pt(700, 100))
	lines, err := d.TextLines(img)
	if err != nil {
		t.Fatal(err)
	}
	readings, err := d.ReadLines(img, lines)
	if err != nil {
		t.Fatal(err)
	}
	for text, box := range want {
		ok := false
		for _, r := range readings {
			if r.Box.Overlaps(box) && strings.Contains(strings.ReplaceAll(r.Text, " ", ""), strings.ReplaceAll(text, " ", "")) && r.Conf >= 0.8 {
				ok = true
			}
		}
		if !ok {
			t.Errorf("%q at %v not read; readings %+v", text, box, readings)
		}
	}
}
