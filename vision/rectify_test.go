package vision

import (
	"image"
	"image/color"
	"image/draw"
	"math"
	"testing"

	"github.com/disintegration/imaging"

	"photoaudit/internal/fixture"
)

// A card turned 25 degrees comes back upright: its red corner top-left,
// its blue corner bottom-right, its size kept, and the map back lands on
// the corner it came from.
func TestRectify(t *testing.T) {
	img := image.NewNRGBA(image.Rect(0, 0, 800, 600))
	draw.Draw(img, img.Bounds(), image.NewUniform(color.NRGBA{40, 40, 40, 255}), image.Point{}, draw.Src)
	card := image.Rect(250, 200, 550, 400)
	draw.Draw(img, card, image.NewUniform(color.NRGBA{250, 250, 250, 255}), image.Point{}, draw.Src)
	draw.Draw(img, image.Rect(250, 200, 310, 240), image.NewUniform(color.NRGBA{220, 20, 20, 255}), image.Point{}, draw.Src)
	draw.Draw(img, image.Rect(490, 360, 550, 400), image.NewUniform(color.NRGBA{20, 20, 220, 255}), image.Point{}, draw.Src)
	const deg = 25
	turned := imaging.Rotate(img, deg, color.Black)
	q := fixture.TurnedCorners(card, img.Bounds(), turned.Bounds(), deg)
	if !Skewed(q) || Skewed([]image.Point{{0, 0}, {300, 0}, {300, 200}, {0, 200}}) {
		t.Errorf("Skewed: turned %v, upright rectangle reported wrongly", q)
	}
	out, back, err := Rectify(turned, q)
	if err != nil {
		t.Fatal(err)
	}
	if b := out.Bounds(); math.Abs(float64(b.Dx()-300)) > 3 || math.Abs(float64(b.Dy()-200)) > 3 {
		t.Errorf("rectified to %v, want about 300x200", b)
	}
	at := func(x, y int) color.NRGBA { return out.NRGBAAt(x, y) }
	if p := at(20, 15); p.R < 150 || p.B > 100 {
		t.Errorf("top-left %v, want red", p)
	}
	if p := at(out.Bounds().Dx()-20, out.Bounds().Dy()-15); p.B < 150 || p.R > 100 {
		t.Errorf("bottom-right %v, want blue", p)
	}
	if p := at(150, 100); p.R < 200 || p.G < 200 || p.B < 200 {
		t.Errorf("middle %v, want white", p)
	}
	if x, y := back(0, 0); math.Hypot(x-float64(q[0].X), y-float64(q[0].Y)) > 2 {
		t.Errorf("back(0,0) = %.0f,%.0f, want %v", x, y, q[0])
	}
}
