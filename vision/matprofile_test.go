//go:build matprofile

package vision

import (
	"testing"

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
		if _, err := d.RecheckFaces(s.Image); err != nil {
			t.Fatal(err)
		}
		if _, err := d.TextLines(s.Image); err != nil {
			t.Fatal(err)
		}
		if _, err := Surfaces(s.Image, DefaultSurfaceOptions()); err != nil {
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
