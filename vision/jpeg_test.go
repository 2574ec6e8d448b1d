package vision

import (
	"bytes"
	"image"
	"os"
	"path/filepath"
	"testing"

	"gocv.io/x/gocv"

	"photoaudit/internal/fixture"
	"photoaudit/photo"
)

// A safe copy through libjpeg-turbo: read back upright as the standard
// library reads it, written with no metadata, the same size and pixels.
func TestJPEGCodec(t *testing.T) {
	s := fixture.Marked()
	s.Orientation, s.GPS = 6, true
	data, err := s.Encode()
	if err != nil {
		t.Fatal(err)
	}
	codec := photo.Codec{JPEG: JPEG{}}
	p, err := codec.Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	std, err := photo.Decode(data, photo.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	if p.Orientation != 6 || p.Meta.GPS == nil {
		t.Errorf("orientation %d, GPS %v: the metadata was not read", p.Orientation, p.Meta.GPS)
	}
	if p.Image.Bounds() != std.Image.Bounds() {
		t.Fatalf("decoded %v, the standard library %v", p.Image.Bounds(), std.Image.Bounds())
	}
	if d := meanDiff(p.Image, std.Image); d > 3 {
		t.Errorf("decoded pixels differ from the standard library's by %.1f a channel", d)
	}
	if c := p.Image.NRGBAAt(20, 20); c.R < 200 || c.G > 60 {
		t.Errorf("top-left is %v, want red: orientation applied other than once", c)
	}

	out, err := codec.Encode(p.Image, "m.jpg")
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(out, []byte("Exif\x00")) || bytes.Contains(out, []byte("http://ns.adobe.com/xap")) {
		t.Error("safe copy has metadata")
	}
	back, err := photo.Decode(out, photo.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	if m := back.Meta; m.HasEXIF || m.GPS != nil || m.XMP || m.IPTC || back.Orientation != 1 {
		t.Errorf("safe copy's metadata %+v, orientation %d", m, back.Orientation)
	}
	if back.Image.Bounds() != p.Image.Bounds() {
		t.Errorf("safe copy is %v, want %v", back.Image.Bounds(), p.Image.Bounds())
	}
	if d := meanDiff(back.Image, p.Image); d > 3 {
		t.Errorf("safe copy's pixels differ by %.1f a channel", d)
	}

	// Not opaque, or not a JPEG name: the standard library, as before.
	clear := image.NewNRGBA(image.Rect(0, 0, 40, 30))
	for _, c := range []struct {
		img  *image.NRGBA
		name string
	}{{clear, "x.jpg"}, {p.Image, "x.png"}} {
		got, err := codec.Encode(c.img, c.name)
		if err != nil {
			t.Fatal(err)
		}
		want, err := photo.EncodeBytes(c.img, c.name)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s (%v): not the standard library's encoding", c.name, c.img.Bounds())
		}
	}
}

func meanDiff(a, b *image.NRGBA) float64 {
	sum := 0
	for i := range a.Pix {
		d := int(a.Pix[i]) - int(b.Pix[i])
		sum += max(d, -d)
	}
	return float64(sum) / float64(len(a.Pix))
}

// Originals through libjpeg-turbo: a whole JPEG, baseline or progressive,
// loads as the standard library loads it; a truncated one is refused as
// the standard library refuses it, not filled with grey rows.
func TestJPEGCodecLoad(t *testing.T) {
	s := fixture.Marked()
	s.Orientation = 8
	data, err := s.Encode()
	if err != nil {
		t.Fatal(err)
	}
	std, err := photo.Decode(data, photo.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	// The same pixels, progressive: OpenCV writes no EXIF, so the
	// standard library's upright image is encoded as it stands.
	m, err := rgbaMat(std.Image)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	bgr := gocv.NewMat()
	defer bgr.Close()
	gocv.CvtColor(m, &bgr, gocv.ColorRGBAToBGR)
	buf, err := gocv.IMEncodeWithParams(gocv.JPEGFileExt, bgr, []int{gocv.IMWriteJpegQuality, 95, gocv.IMWriteJpegProgressive, 1})
	if err != nil {
		t.Fatal(err)
	}
	progressive := append([]byte(nil), buf.GetBytes()...)
	buf.Close()
	if !bytes.Contains(progressive, []byte{0xFF, 0xC2}) {
		t.Fatal("OpenCV wrote no progressive frame")
	}

	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o444); err != nil {
			t.Fatal(err)
		}
		return p
	}
	codec := photo.Codec{JPEG: JPEG{}}
	for name, b := range map[string][]byte{"baseline.jpg": data, "progressive.jpg": progressive} {
		p, err := codec.Load(write(name, b), photo.DefaultOptions())
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if p.Image.Bounds() != std.Image.Bounds() {
			t.Fatalf("%s: loaded %v, want %v", name, p.Image.Bounds(), std.Image.Bounds())
		}
		if d := meanDiff(p.Image, std.Image); d > 3 {
			t.Errorf("%s: pixels differ from the standard library's by %.1f a channel", name, d)
		}
	}
	for name, b := range map[string][]byte{"half.jpg": data[:len(data)/2], "no-end.jpg": progressive[:len(progressive)-2]} {
		if _, err := codec.Load(write(name, b), photo.DefaultOptions()); err == nil {
			t.Errorf("%s: loaded a truncated JPEG", name)
		}
	}
}
