package pipeline

import (
	"image"
	"os"
	"path/filepath"
	"testing"

	"github.com/disintegration/imaging"

	"photoaudit/internal/fixture"
)

// BenchmarkAudit12MP is the whole pipeline on one 12 MP photo with a
// screen, a face and a sign-in sheet: decode, detect, score, redact,
// encode, verify, write. One worker.
func BenchmarkAudit12MP(b *testing.B) {
	face, err := fixture.LoadFace(fixture.FacePath())
	if err != nil {
		b.Fatal(err)
	}
	scenes := fixture.Scenes(face)
	img := imaging.New(4032, 3024, imaging.Clone(scenes[0].Image).At(5, 5))
	img = imaging.Paste(img, scenes[0].Image, image.Pt(0, 0))
	fixture.SigninSheet(img, 2400, 1200)
	fixture.Face(img, face, 2000, 400, 400)
	dir := b.TempDir()
	s := fixture.Scene{Name: "big.jpg", Image: img, Orientation: 1}
	if err := fixture.Write(dir, []fixture.Scene{s}); err != nil {
		b.Fatal(err)
	}
	w, err := newWorker(testOptions(filepath.Join(dir, "out")))
	if err != nil {
		b.Fatal(err)
	}
	defer w.Close()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := w.Audit(filepath.Join(dir, "big.jpg"), "big.jpg"); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	os.RemoveAll(dir)
}
