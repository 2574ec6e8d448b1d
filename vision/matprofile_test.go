//go:build matprofile

package vision

import (
	"image"
	"testing"

	"github.com/disintegration/imaging"

	"gocv.io/x/gocv"
)

// Run with -tags matprofile: every Mat the detectors make is closed.
func TestNoMatLeak(t *testing.T) {
	d := newTestDetector(t)
	before := gocv.MatProfile.Count()
	// A face upside down takes the turned look and its confirmation.
	turned, _ := turnedFace(t, 170, 180)
	if _, err := d.Faces(turned); err != nil {
		t.Fatal(err)
	}
	for _, s := range scenes(t) {
		if _, err := d.Faces(s.Image); err != nil {
			t.Fatal(err)
		}
		if _, err := d.RecheckFaces(s.Image, []image.Rectangle{s.Image.Bounds().Inset(s.Image.Bounds().Dx() / 4)}); err != nil {
			t.Fatal(err)
		}
		if _, err := d.TextLines(s.Image); err != nil {
			t.Fatal(err)
		}
		lying, err := d.LyingTextLines(s.Image)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := d.StandingTextLines(s.Image, lying); err != nil {
			t.Fatal(err)
		}
		surfaces, err := Surfaces(s.Image, DefaultSurfaceOptions())
		if err != nil {
			t.Fatal(err)
		}
		for _, sf := range surfaces {
			Carrier(s.Image, sf.Box.Inset(sf.Box.Dx()/4))
			PhotoSquare(s.Image, sf.Box, sf.Box.Inset(sf.Box.Dx()/4), 20)
			if len(sf.Quad) == 4 {
				if _, _, err := Rectify(s.Image, sf.Quad); err != nil {
					t.Fatal(err)
				}
			}
		}
		lines, err := d.TextLines(s.Image)
		if err != nil {
			t.Fatal(err)
		}
		if d.ReadsTextLines() {
			if _, err := d.ReadLines(s.Image, lines); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := BarcodeStripes(s.Image); err != nil {
			t.Fatal(err)
		}
		if d.FindsObjects() {
			if _, err := d.Objects(s.Image); err != nil {
				t.Fatal(err)
			}
		}
		data, err := JPEG{}.EncodeJPEG(imaging.Clone(s.Image), 92)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := (JPEG{}).DecodeJPEG(data); err != nil {
			t.Fatal(err)
		}
	}
	if n := gocv.MatProfile.Count() - before; n != 0 {
		var b []byte
		gocv.MatProfile.WriteTo(&sbuf{&b}, 1)
		t.Fatalf("%d Mats not closed:\n%s", n, b)
	}
}

type sbuf struct{ b *[]byte }

func (s *sbuf) Write(p []byte) (int, error) { *s.b = append(*s.b, p...); return len(p), nil }
