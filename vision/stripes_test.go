package vision

import (
	"image"
	"image/color"
	"image/draw"
	"testing"

	"github.com/disintegration/imaging"

	"photoaudit/internal/fixture"
)

// A wristband's code is found however the band lies, on a background as
// light as the band (where the surface detector cannot part them), and
// the region is carried over the printed name beside it.
func TestBarcodeStripes(t *testing.T) {
	for _, angle := range []float64{0, 8, -20, 90} {
		img := image.NewNRGBA(image.Rect(0, 0, 1600, 1200))
		draw.Draw(img, img.Bounds(), image.NewUniform(color.NRGBA{235, 235, 232, 255}), image.Point{}, draw.Src)
		band := fixture.Wristband(img, 480, 560)
		turned := imaging.Rotate(img, angle, color.NRGBA{235, 235, 232, 255})
		got, err := BarcodeStripes(turned)
		if err != nil {
			t.Fatal(err)
		}
		want := fixture.TurnedBox(band.Box, img.Bounds(), turned.Bounds(), angle)
		if len(got) != 1 {
			t.Errorf("band at %v degrees: %d regions %v, want 1 over %v", angle, len(got), got, want)
			continue
		}
		in := got[0].Box.Intersect(want)
		if share := float64(in.Dx()*in.Dy()) / float64(want.Dx()*want.Dy()); share < 0.6 {
			t.Errorf("band at %v degrees: found %v covers %.2f of %v, want 0.6", angle, got[0].Box, share, want)
		}
	}
}

// Things striped but not codes: a fence or blinds (bars of one width),
// printed text, ruled lines, and the generated scenes' screen, document
// and poster.
func TestBarcodeStripesNotCodes(t *testing.T) {
	fence := image.NewNRGBA(image.Rect(0, 0, 1600, 1200))
	draw.Draw(fence, fence.Bounds(), image.NewUniform(color.NRGBA{120, 160, 90, 255}), image.Point{}, draw.Src)
	for x := 300; x < 1300; x += 40 {
		draw.Draw(fence, image.Rect(x, 400, x+22, 800), image.NewUniform(color.NRGBA{245, 245, 240, 255}), image.Point{}, draw.Src)
	}
	text := image.NewNRGBA(image.Rect(0, 0, 1600, 1200))
	draw.Draw(text, text.Bounds(), image.NewUniform(color.White), image.Point{}, draw.Src)
	for i, l := range []string{"Robert Taylor 06/19/1974 MRN 84341540", "Illinois Illuminated III 1111 lllll", "WASH YOUR HANDS"} {
		fixture.Text(text, 100, 200+120*i, 40, color.Black, l)
	}
	cases := map[string]image.Image{"fence": fence, "text": text}
	for _, name := range []string{"screen.jpg", "document.jpg", "poster.jpg"} {
		cases[name] = scenes(t)[name].Image
	}
	for name, img := range cases {
		got, err := BarcodeStripes(img)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 0 {
			t.Errorf("%s: %v taken for barcodes", name, got)
		}
	}
}

// BenchmarkBarcodeStripes12MP times the stripe search on the badge and
// wristband scene enlarged to 12 MP. Run with taskset -c 0 for one core.
func BenchmarkBarcodeStripes12MP(b *testing.B) {
	img := imaging.Resize(scenes(b)["badge_wristband.jpg"].Image, 4032, 3024, imaging.Linear)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := BarcodeStripes(img); err != nil {
			b.Fatal(err)
		}
	}
}
