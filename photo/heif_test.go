package photo

import (
	"errors"
	"image"
	"image/color"
	"image/draw"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"photoaudit/internal/fixture"
)

// heic encodes a scene as an iPhone would store it, with heif-enc from
// Debian's libheif-examples (installed by scripts/setup.sh test).
func heic(t *testing.T, s fixture.Scene) []byte {
	t.Helper()
	enc, err := exec.LookPath("heif-enc")
	if err != nil {
		t.Fatal("heif-enc is missing: run scripts/setup.sh test")
	}
	data, err := s.Encode()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	in, out := filepath.Join(dir, "in.jpg"), filepath.Join(dir, "out.heic")
	if err := os.WriteFile(in, data, 0o644); err != nil {
		t.Fatal(err)
	}
	if msg, err := exec.Command(enc, "-q", "90", "-o", out, in).CombinedOutput(); err != nil {
		t.Fatalf("heif-enc: %v: %s", err, msg)
	}
	h, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// A HEIC photo decodes upright, with its EXIF (a GPS position) read and
// listed as removed; without heif-convert it is a clear error.
func TestHEIC(t *testing.T) {
	img := image.NewNRGBA(image.Rect(0, 0, 128, 96))
	draw.Draw(img, img.Bounds(), image.NewUniform(color.NRGBA{30, 60, 200, 255}), image.Point{}, draw.Src)
	draw.Draw(img, image.Rect(0, 0, 64, 48), image.NewUniform(color.NRGBA{240, 240, 240, 255}), image.Point{}, draw.Src)
	data := heic(t, fixture.Scene{Name: "a.jpg", Image: img, GPS: true})
	if !isHEIF(data) {
		t.Fatalf("heif-enc's output not taken for HEIF: % x", data[:16])
	}
	p, err := Decode(data, DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	if b := p.Image.Bounds(); b.Dx() != 128 || b.Dy() != 96 || p.Format != "heif" {
		t.Fatalf("decoded %v as %s, want 128x96 heif", b, p.Format)
	}
	if c := p.Image.NRGBAAt(20, 20); c.R < 200 || c.B < 200 {
		t.Errorf("top left %v, want light grey", c)
	}
	if c := p.Image.NRGBAAt(100, 80); c.B < 150 || c.R > 90 {
		t.Errorf("bottom right %v, want blue", c)
	}
	if p.Meta.GPS == nil || len(p.Meta.Blocks) == 0 || p.Meta.Blocks[0] != "EXIF" {
		t.Errorf("metadata %+v, want GPS and an EXIF block", p.Meta)
	}
	if got := SafeName("IMG_0001.HEIC"); got != "IMG_0001.jpg" {
		t.Errorf("SafeName = %q, want IMG_0001.jpg", got)
	}
	opts := DefaultOptions()
	opts.MaxPixels = 100 * 96
	if _, err := Decode(data, opts); !errors.Is(err, ErrTooLarge) {
		t.Errorf("over the pixel limit: %v, want ErrTooLarge", err)
	}
	t.Setenv("PATH", t.TempDir())
	if _, err := Decode(data, DefaultOptions()); !errors.Is(err, ErrNoHEIFDecoder) {
		t.Errorf("without heif-convert: %v, want ErrNoHEIFDecoder", err)
	}
}
