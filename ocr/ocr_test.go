package ocr

import (
	"bytes"
	"image"
	"image/color"
	"image/draw"
	"strings"
	"testing"

	"golang.org/x/image/bmp"

	"photoaudit/internal/fixture"
	"photoaudit/risk"
)

func newTestReader(t testing.TB) *Reader {
	t.Helper()
	r, err := NewReader(DefaultOptions())
	if err != nil {
		t.Fatalf("NewReader: %v (is tesseract-ocr-eng installed? run scripts/setup.sh test)", err)
	}
	t.Cleanup(func() {
		if err := r.Close(); err != nil {
			t.Error(err)
		}
	})
	return r
}

// TestReadRenderedText reads lines drawn with the Go font, as a screen in
// a photo shows them, and checks words, their boxes and the classifier.
func TestReadRenderedText(t *testing.T) {
	img := image.NewNRGBA(image.Rect(0, 0, 1200, 500))
	draw.Draw(img, img.Bounds(), image.White, image.Point{}, draw.Src)
	nameBox := fixture.Text(img, 100, 100, 24, color.Black, "Patient: Robert Taylor")
	fixture.Text(img, 100, 160, 24, color.Black, "DOB: 06/19/1974")
	fixture.Text(img, 100, 300, 24, color.Black, "Wash your hands")

	lines, err := newTestReader(t).Read(img)
	if err != nil {
		t.Fatal(err)
	}
	var texts []string
	var found *Line
	for i, l := range lines {
		texts = append(texts, l.Text())
		if strings.Contains(l.Text(), "Taylor") {
			found = &lines[i]
		}
	}
	if found == nil {
		t.Fatalf("no line with the name; read %q", texts)
	}
	if in := found.Box.Intersect(nameBox); in.Dx()*in.Dy() < nameBox.Dx()*nameBox.Dy()/2 {
		t.Errorf("line box %v does not cover the drawn text %v", found.Box, nameBox)
	}
	matches := NewClassifier(Lists{}).Classify(lines)
	ids := map[risk.Identifier]bool{}
	for _, m := range matches {
		for _, id := range m.Identifiers {
			ids[id] = true
		}
		if strings.Contains(strings.ToLower(m.Text), "wash") {
			t.Errorf("harmless line flagged: %q %v", m.Text, m.Identifiers)
		}
	}
	if !ids[risk.IDName] || !ids[risk.IDDate] {
		t.Errorf("identifiers %v, want name and date; read %q", ids, texts)
	}
}

// Small photos are enlarged before reading; boxes must come back in the
// photo's own coordinates.
func TestReadSmallImageBoxes(t *testing.T) {
	img := image.NewNRGBA(image.Rect(0, 0, 600, 200))
	draw.Draw(img, img.Bounds(), image.White, image.Point{}, draw.Src)
	drawn := fixture.Text(img, 40, 60, 22, color.Black, "MRN: 84341540")
	lines, err := newTestReader(t).Read(img)
	if err != nil {
		t.Fatal(err)
	}
	if len(lines) == 0 {
		t.Fatal("read nothing")
	}
	got := lines[0].Box
	if got.Min.X < drawn.Min.X-10 || got.Max.X > drawn.Max.X+10 || got.Min.Y < drawn.Min.Y-10 || got.Max.Y > drawn.Max.Y+10 {
		t.Errorf("box %v, drawn at %v", got, drawn)
	}
}

func BenchmarkRead12MP(b *testing.B) {
	img := image.NewNRGBA(image.Rect(0, 0, 4032, 3024))
	draw.Draw(img, img.Bounds(), image.NewUniform(color.NRGBA{200, 196, 186, 255}), image.Point{}, draw.Src)
	fixture.Screen(img, 1200, 900)
	r := newTestReader(b)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := r.Read(img); err != nil {
			b.Fatal(err)
		}
	}
}

// A sliver holds no legible text: it is not handed to Tesseract, whose
// layout would make Leptonica print errors scaling it down.
func TestReadSliver(t *testing.T) {
	r, err := NewReader(DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	for _, b := range []image.Rectangle{image.Rect(0, 0, 400, 3), image.Rect(0, 0, 2, 2)} {
		lines, err := r.ReadAsIs(image.NewNRGBA(b))
		if err != nil || len(lines) != 0 {
			t.Errorf("%v: %d lines, %v; want none and no error", b, len(lines), err)
		}
	}
}

// What Tesseract is given is the grey image as it is: rows in order, the
// padding of widths that are not a multiple of four left out.
func TestGreyBMP(t *testing.T) {
	for _, w := range []int{1, 5, 8, 13} {
		g := image.NewNRGBA(image.Rect(0, 0, w, 7))
		for y := 0; y < 7; y++ {
			for x := 0; x < w; x++ {
				v := uint8(x*17 + y*29)
				g.SetNRGBA(x, y, color.NRGBA{v, v, v, 255})
			}
		}
		got, err := bmp.Decode(bytes.NewReader(greyBMP(g)))
		if err != nil {
			t.Fatalf("width %d: %v", w, err)
		}
		if got.Bounds() != g.Bounds() {
			t.Fatalf("width %d: decoded %v", w, got.Bounds())
		}
		for y := 0; y < 7; y++ {
			for x := 0; x < w; x++ {
				if r, _, _, _ := got.At(x, y).RGBA(); uint8(r>>8) != g.Pix[g.PixOffset(x, y)] {
					t.Fatalf("width %d: pixel %d,%d is %d, want %d", w, x, y, r>>8, g.Pix[g.PixOffset(x, y)])
				}
			}
		}
	}
}

// ReadUpright reads light text on dark as it stands, and Read afterwards
// still reads it inverted: the switch holds for one read only.
func TestReadUpright(t *testing.T) {
	img := image.NewNRGBA(image.Rect(0, 0, 1200, 500))
	draw.Draw(img, img.Bounds(), image.White, image.Point{}, draw.Src)
	fixture.Text(img, 100, 80, 28, color.Black, "Patient Robert Taylor")
	dark := image.Rect(60, 260, 1140, 400)
	draw.Draw(img, dark, image.NewUniform(color.NRGBA{30, 34, 40, 255}), image.Point{}, draw.Src)
	fixture.Text(img, 100, 300, 28, color.White, "Surgeon Helen Okafor")
	r := newTestReader(t)
	reads := func(read func(image.Image) ([]Line, error)) string {
		t.Helper()
		lines, err := read(img)
		if err != nil {
			t.Fatal(err)
		}
		var texts []string
		for _, l := range lines {
			texts = append(texts, l.Text())
		}
		return strings.Join(texts, " | ")
	}
	for i, c := range []struct {
		name        string
		read        func(image.Image) ([]Line, error)
		readsOkafor bool
	}{
		{"Read", r.Read, true},
		{"ReadUpright", r.ReadUpright, false},
		{"Read after ReadUpright", r.Read, true},
	} {
		got := reads(c.read)
		if !strings.Contains(got, "Taylor") {
			t.Errorf("%d %s: dark on light unread: %q", i, c.name, got)
		}
		if strings.Contains(got, "Okafor") != c.readsOkafor {
			t.Errorf("%d %s: light on dark read %v, want %v: %q", i, c.name, !c.readsOkafor, c.readsOkafor, got)
		}
	}
}
