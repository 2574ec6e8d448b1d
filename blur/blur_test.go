package blur

import (
	"image"
	"image/color"
	"testing"

	"github.com/disintegration/imaging"
)

// striped makes a high-contrast image whose every pixel differs from its
// neighbour, like text.
func striped(w, h int) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			v := uint8(0)
			if (x/2+y/3)%2 == 0 {
				v = 255
			}
			img.SetNRGBA(x, y, color.NRGBA{v, v, v, 255})
		}
	}
	return img
}

func variance(img *image.NRGBA, r image.Rectangle) float64 {
	var sum, sq, n float64
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			v := float64(img.NRGBAAt(x, y).R)
			sum += v
			sq += v * v
			n++
		}
	}
	m := sum / n
	return sq/n - m*m
}

func TestRedactMethods(t *testing.T) {
	src := striped(200, 200)
	box := image.Rect(50, 50, 150, 110)
	for _, m := range []Method{Solid, Pixelate, Blur} {
		t.Run(string(m), func(t *testing.T) {
			opts := DefaultOptions()
			opts.Method = m
			before := imaging.Clone(src)
			out := Redact(src, []Region{{Box: box}}, opts)
			if !equal(src, before) {
				t.Fatal("Redact modified its input")
			}
			// Inside the box, no stripe survives: a cell is at least 8 px
			// and the stripes are 2-3 px, so every cell is near grey.
			inner := box.Inset(2)
			if v := variance(out, inner); m == Solid && v != 0 {
				t.Errorf("solid region has variance %.1f", v)
			} else if v > 0.1*variance(src, inner) {
				t.Errorf("%s region keeps variance %.1f of %.1f", m, v, variance(src, inner))
			}
			// The margin is covered too: 15%% of 60 px is 9 px.
			if v := variance(out, image.Rect(box.Min.X-8, box.Min.Y-8, box.Min.X, box.Min.Y)); v > 0.1*variance(src, box) {
				t.Errorf("margin not redacted (variance %.1f)", v)
			}
			// Far outside the box nothing changed.
			far := image.Rect(0, 0, 30, 30)
			for y := far.Min.Y; y < far.Max.Y; y++ {
				for x := far.Min.X; x < far.Max.X; x++ {
					if out.NRGBAAt(x, y) != src.NRGBAAt(x, y) {
						t.Fatalf("pixel (%d,%d) outside the region changed", x, y)
					}
				}
			}
		})
	}
}

func TestEllipseLeavesCorners(t *testing.T) {
	src := striped(100, 100)
	out := Redact(src, []Region{{Box: image.Rect(20, 20, 80, 80), Shape: Ellipse}}, Options{Method: Solid, MinMargin: 0, Color: color.NRGBA{255, 0, 0, 255}})
	if c := out.NRGBAAt(50, 50); c != (color.NRGBA{255, 0, 0, 255}) {
		t.Errorf("centre = %v, want the fill colour", c)
	}
	if out.NRGBAAt(12, 12) != src.NRGBAAt(12, 12) {
		t.Error("corner of the box outside the ellipse was filled")
	}
}

func TestParseMethod(t *testing.T) {
	if _, err := ParseMethod("smudge"); err == nil {
		t.Error("ParseMethod accepted an unknown method")
	}
	if m, err := ParseMethod("pixelate"); err != nil || m != Pixelate {
		t.Errorf("ParseMethod(pixelate) = %q, %v", m, err)
	}
}

func equal(a, b *image.NRGBA) bool {
	if a.Bounds() != b.Bounds() {
		return false
	}
	for i := range a.Pix {
		if a.Pix[i] != b.Pix[i] {
			return false
		}
	}
	return true
}

func BenchmarkRedact(b *testing.B) {
	src := striped(4032, 3024)
	regions := []Region{{Box: image.Rect(100, 100, 900, 700)}, {Box: image.Rect(2000, 1000, 2600, 1800), Shape: Ellipse}}
	for _, m := range []Method{Solid, Pixelate, Blur} {
		b.Run(string(m), func(b *testing.B) {
			opts := DefaultOptions()
			opts.Method = m
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				Redact(src, regions, opts)
			}
		})
	}
}

// Pixelate and blur cover the grown box whole and fade out over a ring as
// wide as the margin beyond it; solid keeps a hard edge.
func TestSoftEdges(t *testing.T) {
	box := image.Rect(40, 40, 80, 80) // a 40 px finding: margin 6 px
	grown := image.Rect(34, 34, 86, 86)
	for _, shape := range []Shape{Rect, Ellipse} {
		m := softMask(grown, 6, grown.Inset(-6), shape)
		// On the horizontal axis through the centre: covered to x = 34,
		// half faded at 31, gone at 28.
		for _, c := range []struct {
			x    int
			want uint8
		}{{60, 255}, {34, 255}, {31, 128}, {27, 0}} {
			if a := m.AlphaAt(c.x, 60).A; int(a) < int(c.want)-30 || int(a) > int(c.want)+30 {
				t.Errorf("shape %d: alpha at x=%d is %d, want about %d", shape, c.x, a, c.want)
			}
		}
	}
	src := striped(120, 120)
	for _, method := range []Method{Solid, Pixelate, Blur} {
		opts := DefaultOptions()
		opts.Method = method
		out := Redact(src, []Region{{Box: box}}, opts)
		changed := out.NRGBAAt(31, 60) != src.NRGBAAt(31, 60) || out.NRGBAAt(31, 61) != src.NRGBAAt(31, 61)
		if soft := method != Solid; changed != soft {
			t.Errorf("%s: 3 px beyond the margin changed %v, want %v", method, changed, soft)
		}
		if out.NRGBAAt(26, 60) != src.NRGBAAt(26, 60) {
			t.Errorf("%s: changed beyond its soft ring", method)
		}
	}
}

// Touched holds every pixel Redact changes, for each method: the look at
// a safe copy takes everything outside it for the original.
func TestTouched(t *testing.T) {
	img := striped(300, 200)
	box := image.Rect(100, 60, 180, 120)
	for _, m := range []Method{Solid, Pixelate, Blur} {
		opts := DefaultOptions()
		opts.Method = m
		out := Redact(img, []Region{{Box: box}}, opts)
		touched := opts.Touched(box, img.Bounds())
		changed := 0
		for y := 0; y < 200; y++ {
			for x := 0; x < 300; x++ {
				if out.NRGBAAt(x, y) != img.NRGBAAt(x, y) {
					changed++
					if !image.Pt(x, y).In(touched) {
						t.Fatalf("%s: pixel %d,%d changed outside Touched %v", m, x, y, touched)
					}
				}
			}
		}
		if changed < box.Dx()*box.Dy()/2 {
			t.Errorf("%s: only %d pixels changed", m, changed)
		}
	}
}
