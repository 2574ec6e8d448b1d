package photo

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"golang.org/x/image/tiff"

	"photoaudit/internal/fixture"
)

func TestDecodeOrientation(t *testing.T) {
	for _, o := range []int{1, 3, 6, 8} {
		s := fixture.Marked()
		s.Orientation = o
		s.GPS = o == 6
		data, err := s.Encode()
		if err != nil {
			t.Fatal(err)
		}
		p, err := Decode(data, DefaultOptions())
		if err != nil {
			t.Fatalf("orientation %d: %v", o, err)
		}
		if p.Orientation != o {
			t.Errorf("orientation read %d, want %d", p.Orientation, o)
		}
		if b := p.Image.Bounds(); b.Dx() != 300 || b.Dy() != 200 {
			t.Fatalf("orientation %d: upright size %v, want 300x200", o, b)
		}
		if c := p.Image.NRGBAAt(20, 20); c.R < 200 || c.G > 60 {
			t.Errorf("orientation %d: top-left is %v, want red", o, c)
		}
		if c := p.Image.NRGBAAt(280, 180); c.G < 200 {
			t.Errorf("orientation %d: bottom-right is %v, want white", o, c)
		}
		if (p.Meta.GPS != nil) != s.GPS {
			t.Errorf("orientation %d: GPS %v, want present=%v", o, p.Meta.GPS, s.GPS)
		}
	}
}

func TestGPS(t *testing.T) {
	s := fixture.Marked()
	s.GPS = true
	data, _ := s.Encode()
	p, err := Decode(data, DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	if p.Meta.GPS == nil || p.Meta.GPS.Lat < 40.7 || p.Meta.GPS.Lat > 40.8 || p.Meta.GPS.Lon > -73.9 {
		t.Errorf("GPS = %+v, want about 40.748, -73.986", p.Meta.GPS)
	}
}

func TestEncodeDropsMetadata(t *testing.T) {
	s := fixture.Marked()
	s.Orientation, s.GPS = 6, true
	data, _ := s.Encode()
	p, err := Decode(data, DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"x.jpg", "x.png", "x.tif"} {
		var buf bytes.Buffer
		if err := Encode(&buf, p.Image, name); err != nil {
			t.Fatal(err)
		}
		again, err := Decode(buf.Bytes(), DefaultOptions())
		if err != nil {
			t.Fatal(err)
		}
		m := again.Meta
		if m.GPS != nil || m.CaptureTime != "" || m.Camera != "" || len(m.Personal) > 0 || m.Thumbnail || m.XMP || m.IPTC {
			t.Errorf("%s: safe copy still has metadata %+v", name, m)
		}
		// A TIFF's own image directory reads as EXIF; JPEG and PNG must
		// have none at all.
		if name != "x.tif" && (m.HasEXIF || bytes.Contains(buf.Bytes(), []byte("Exif\x00"))) {
			t.Errorf("%s: safe copy still has an EXIF segment", name)
		}
		if again.Image.Bounds() != p.Image.Bounds() {
			t.Errorf("%s: size %v, want the upright %v", name, again.Image.Bounds(), p.Image.Bounds())
		}
	}
}

func TestBadInput(t *testing.T) {
	dir := t.TempDir()
	good, _ := fixture.Marked().Encode()
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	var big bytes.Buffer
	png.Encode(&big, image.NewGray(image.Rect(0, 0, 3000, 2000)))
	tests := []struct {
		name string
		path string
		opts Options
		want error // nil: any error
	}{
		{"empty", write("empty.jpg", nil), DefaultOptions(), ErrEmpty},
		{"text", write("notes.jpg", []byte("these are not pixels")), DefaultOptions(), ErrNotImage},
		{"truncated", write("half.jpg", good[:len(good)/2]), DefaultOptions(), nil},
		{"too many pixels", write("big.png", big.Bytes()), Options{MaxPixels: 5_000_000}, ErrTooLarge},
		{"missing", filepath.Join(dir, "nope.jpg"), DefaultOptions(), os.ErrNotExist},
		{"folder", dir, DefaultOptions(), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(tt.path, tt.opts)
			if err == nil {
				t.Fatal("Load succeeded")
			}
			if tt.want != nil && !errors.Is(err, tt.want) {
				t.Errorf("error %q, want %q", err, tt.want)
			}
			if tt.path != dir && !bytes.Contains([]byte(err.Error()), []byte(filepath.Base(tt.path))) {
				t.Errorf("error %q does not name the file", err)
			}
		})
	}
}

func TestUnreadable(t *testing.T) {
	if os.Geteuid() == 0 {
		// Root reads any file whatever its mode; the pipeline test covers
		// unreadable input through a folder without search permission.
		t.Log("running as root: mode 000 does not stop root; checked through a symlink loop instead")
		dir := t.TempDir()
		loop := filepath.Join(dir, "loop.jpg")
		if err := os.Symlink(loop, loop); err != nil {
			t.Fatal(err)
		}
		if _, err := Load(loop, DefaultOptions()); err == nil {
			t.Fatal("Load of a symlink loop succeeded")
		}
		return
	}
	p := filepath.Join(t.TempDir(), "locked.jpg")
	data, _ := fixture.Marked().Encode()
	if err := os.WriteFile(p, data, 0o000); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(p, DefaultOptions()); !errors.Is(err, os.ErrPermission) {
		t.Fatalf("error %v, want permission denied", err)
	}
}

func TestSafeName(t *testing.T) {
	for in, want := range map[string]string{"a/b.JPG": "a/b.JPG", "c.webp": "c.png", "d.tiff": "d.tiff", "e.gif": "e.png"} {
		if got := SafeName(in); got != want {
			t.Errorf("SafeName(%q) = %q, want %q", in, got, want)
		}
	}
}

func BenchmarkDecode12MP(b *testing.B) {
	img := image.NewNRGBA(image.Rect(0, 0, 4032, 3024))
	s := fixture.Scene{Name: "b.jpg", Image: img, Orientation: 6}
	fixture.Screen(img, 1000, 1000)
	data, _ := s.Encode()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := Decode(data, DefaultOptions()); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEncode12MP(b *testing.B) {
	img := image.NewNRGBA(image.Rect(0, 0, 4032, 3024))
	fixture.Screen(img, 1000, 1000)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		var buf bytes.Buffer
		if err := Encode(&buf, img, "b.jpg"); err != nil {
			b.Fatal(err)
		}
	}
}

// What the safe copy drops is read wherever the file keeps it: EXIF after
// an XMP segment, a PNG's eXIf chunk beside an iTXt XMP packet, and an
// EXIF block too damaged to read, which is still reported.
func TestMetadataWherever(t *testing.T) {
	s := fixture.Scene{Name: "gps.jpg", Image: image.NewNRGBA(image.Rect(0, 0, 64, 48)), GPS: true}
	withGPS, err := s.Encode()
	if err != nil {
		t.Fatal(err)
	}
	// withGPS is SOI, the EXIF APP1, then the rest.
	exifLen := int(withGPS[4])<<8 | int(withGPS[5])
	exifSeg, rest := withGPS[2:4+exifLen], withGPS[4+exifLen:]
	tiff := exifSeg[4+6:] // after the marker, the length and "Exif\0\0"
	xmpPayload := append([]byte("http://ns.adobe.com/xap/1.0/\x00"), []byte(`<x:xmpmeta xmlns:x="adobe:ns:meta/"></x:xmpmeta>`)...)
	xmpSeg := append([]byte{0xFF, 0xE1, byte((len(xmpPayload) + 2) >> 8), byte(len(xmpPayload) + 2)}, xmpPayload...)
	xmpFirst := slices.Concat(withGPS[:2], xmpSeg, exifSeg, rest)

	var pngBuf bytes.Buffer
	if err := png.Encode(&pngBuf, s.Image); err != nil {
		t.Fatal(err)
	}
	p := pngBuf.Bytes()
	iend := len(p) - 12
	xmpText := slices.Concat([]byte("XML:com.adobe.xmp\x00\x00\x00\x00\x00"), []byte(`<x:xmpmeta xmlns:x="adobe:ns:meta/"></x:xmpmeta>`))
	pngWith := slices.Concat(p[:iend], pngChunk("eXIf", tiff), pngChunk("iTXt", xmpText), p[iend:])

	damaged := slices.Clone(withGPS)
	copy(damaged[2+4+6+4:], []byte{0xFF, 0xFF, 0xFF, 0x7F}) // IFD0's offset points past the end

	for _, c := range []struct {
		name                 string
		data                 []byte
		gps, xmp, unreadable bool
	}{
		{"jpeg, EXIF first", withGPS, true, false, false},
		{"jpeg, XMP before EXIF", xmpFirst, true, true, false},
		{"png, eXIf and iTXt", pngWith, true, true, false},
		{"jpeg, damaged EXIF", damaged, false, false, true},
	} {
		m := readMetadata(c.data)
		if (m.GPS != nil) != c.gps || m.XMP != c.xmp || m.EXIFUnreadable != c.unreadable || !m.HasEXIF {
			t.Errorf("%s: has EXIF %v, GPS %v, XMP %v, unreadable %v; want EXIF, GPS %v, XMP %v, unreadable %v",
				c.name, m.HasEXIF, m.GPS, m.XMP, m.EXIFUnreadable, c.gps, c.xmp, c.unreadable)
		}
		if _, err := Decode(c.data, DefaultOptions()); err != nil {
			t.Errorf("%s: %v", c.name, err)
		}
	}
}

// pngChunk is a PNG chunk with its length and CRC.
func pngChunk(typ string, data []byte) []byte {
	out := binary.BigEndian.AppendUint32(nil, uint32(len(data)))
	body := append([]byte(typ), data...)
	out = append(out, body...)
	return binary.BigEndian.AppendUint32(out, crc32.ChecksumIEEE(body))
}

// FuzzReadMetadata: no file, however damaged, makes the metadata reader
// panic, nor wholeJPEG's walk over it. The seeds (run by every go test)
// include a JPEG segment whose length is less than its own two bytes.
func FuzzReadMetadata(f *testing.F) {
	withGPS, err := fixture.Scene{Name: "gps.jpg", Image: image.NewNRGBA(image.Rect(0, 0, 16, 16)), GPS: true}.Encode()
	if err != nil {
		f.Fatal(err)
	}
	f.Add(withGPS)
	f.Add([]byte{0xFF, 0xD8, 0xFF, 0xE1, 0x00, 0x00, 0xFF, 0xD9})
	f.Add([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\x10eXIfII*\x00"))
	f.Add([]byte("RIFF\x10\x00\x00\x00WEBPEXIF\xff\xff\xff\x7f"))
	f.Add([]byte("II*\x00\x08\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, data []byte) {
		readMetadata(data)
		wholeJPEG(data)
	})
}

// Every metadata block a file carries is named, in each format the safe
// copy is made from; the safe copy carries none of them.
func TestMetadataBlocks(t *testing.T) {
	s := fixture.Scene{Name: "gps.jpg", Image: image.NewNRGBA(image.Rect(0, 0, 64, 48)), GPS: true}
	withGPS, err := s.Encode()
	if err != nil {
		t.Fatal(err)
	}
	seg := func(marker byte, payload []byte) []byte {
		return append([]byte{0xFF, marker, byte((len(payload) + 2) >> 8), byte(len(payload) + 2)}, payload...)
	}
	jpegAll := slices.Concat(withGPS[:2],
		seg(0xE1, []byte("http://ns.adobe.com/xap/1.0/\x00<x:xmpmeta/>")),
		seg(0xE2, []byte("ICC_PROFILE\x00\x01\x01")),
		seg(0xFE, []byte("taken at Valley Clinic")),
		withGPS[2:])

	var pngBuf bytes.Buffer
	if err := png.Encode(&pngBuf, s.Image); err != nil {
		t.Fatal(err)
	}
	p := pngBuf.Bytes()
	iend := len(p) - 12
	pngAll := slices.Concat(p[:iend], pngChunk("tEXt", []byte("Author\x00Jane Roe")),
		pngChunk("iTXt", []byte("XML:com.adobe.xmp\x00\x00\x00\x00\x00<x:xmpmeta/>")), pngChunk("tIME", make([]byte, 7)), p[iend:])

	riff := func(chunks ...[]byte) []byte {
		body := slices.Concat(append([][]byte{[]byte("WEBP")}, chunks...)...)
		return slices.Concat([]byte("RIFF"), binary.LittleEndian.AppendUint32(nil, uint32(len(body))), body)
	}
	chunk := func(typ string, data []byte) []byte {
		out := slices.Concat([]byte(typ), binary.LittleEndian.AppendUint32(nil, uint32(len(data))), data)
		if len(data)%2 == 1 {
			out = append(out, 0)
		}
		return out
	}
	webpAll := riff(chunk("VP8X", make([]byte, 10)), chunk("ICCP", []byte("icc")), chunk("VP8L", []byte{0x2f}),
		chunk("EXIF", []byte("II*\x00\x08\x00\x00\x00\x00\x00")), chunk("XMP ", []byte("<x:xmpmeta/>")))

	var tiffBuf bytes.Buffer
	if err := tiff.Encode(&tiffBuf, s.Image, nil); err != nil {
		t.Fatal(err)
	}
	// A TIFF with an Artist tag (315) and an EXIF pointer (34665) added to
	// its first IFD, which the encoder wrote last, after the pixels.
	tiffWith := slices.Clone(tiffBuf.Bytes())
	ifd := int(binary.LittleEndian.Uint32(tiffWith[4:]))
	n := int(binary.LittleEndian.Uint16(tiffWith[ifd:]))
	entry := func(tag uint16) []byte {
		e := binary.LittleEndian.AppendUint16(nil, tag)
		e = binary.LittleEndian.AppendUint16(e, 4) // LONG
		e = binary.LittleEndian.AppendUint32(e, 1)
		return binary.LittleEndian.AppendUint32(e, 0)
	}
	tiffWith = slices.Concat(tiffWith[:ifd], binary.LittleEndian.AppendUint16(nil, uint16(n+2)),
		tiffWith[ifd+2:ifd+2+12*n], entry(315), entry(34665), []byte{0, 0, 0, 0})
	for _, c := range []struct {
		name string
		data []byte
		want []string
	}{
		{"jpeg", jpegAll, []string{"XMP", "ICC profile", "JPEG comment", "EXIF"}},
		{"png", pngAll, []string{"PNG text", "XMP", "PNG time"}},
		{"webp", webpAll, []string{"ICC profile", "EXIF", "XMP"}},
		{"tiff", tiffWith, []string{"TIFF tags", "EXIF"}},
		{"plain tiff", tiffBuf.Bytes(), nil},
		{"plain jpeg", withGPS[:2], nil},
	} {
		if got := readMetadata(c.data).Blocks; !slices.Equal(got, c.want) {
			t.Errorf("%s: blocks %q, want %q", c.name, got, c.want)
		}
	}
	// The safe copy is encoded from pixels: nothing of the kind is left.
	ph, err := Decode(jpegAll, DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"a.jpg", "a.png", "a.tif"} {
		var safe bytes.Buffer
		if err := Encode(&safe, ph.Image, name); err != nil {
			t.Fatal(err)
		}
		if got := readMetadata(safe.Bytes()).Blocks; len(got) != 0 {
			t.Errorf("safe copy %s carries %q", name, got)
		}
	}
}

// FuzzDecode: no file, however damaged, makes decoding panic, and what
// decodes is within the pixel limit and upright-sized as its header says.
// The seeds (run by every go test) are a small JPEG with an orientation
// and GPS, a PNG, and truncations of both.
func FuzzDecode(f *testing.F) {
	img := image.NewNRGBA(image.Rect(0, 0, 24, 16))
	jpg, err := fixture.Scene{Name: "r.jpg", Image: img, Orientation: 6, GPS: true}.Encode()
	if err != nil {
		f.Fatal(err)
	}
	var pngData bytes.Buffer
	if err := png.Encode(&pngData, img); err != nil {
		f.Fatal(err)
	}
	for _, seed := range [][]byte{jpg, pngData.Bytes(), jpg[:len(jpg)/2], pngData.Bytes()[:40]} {
		f.Add(seed)
	}
	opts := Options{MaxPixels: 4 << 20}
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := Decode(data, opts)
		if err != nil {
			return
		}
		if b := p.Image.Bounds(); int64(b.Dx()*b.Dy()) > opts.MaxPixels || b.Empty() {
			t.Errorf("decoded %v past the limit or empty", b)
		}
	})
}

// A JPEG goes to a faster decoder only when it is whole: every scan is
// followed by an end-of-image marker, whatever the segments before it
// hold, and its frame is one libjpeg and the standard library read
// alike.
func TestWholeJPEG(t *testing.T) {
	good, err := fixture.Marked().Encode()
	if err != nil {
		t.Fatal(err)
	}
	// An APP1 segment whose payload holds an end-of-image marker, as an
	// EXIF thumbnail does.
	thumb := append([]byte{0xFF, 0xD8, 0xFF, 0xE1, 0x00, 0x08}, 'E', 'x', 0xFF, 0xD9, 0x00, 0x00)
	withThumb := append(thumb, good[2:]...)
	sof := bytes.Index(good, []byte{0xFF, 0xC0})
	if sof < 0 {
		t.Fatal("the fixture has no baseline frame")
	}
	set := func(data []byte, at int, v byte) []byte {
		out := slices.Clone(data)
		out[at] = v
		return out
	}
	for _, c := range []struct {
		what string
		data []byte
		want bool
	}{
		{"whole", good, true},
		{"with bytes after its end", append(slices.Clone(good), "trailing"...), true},
		{"with a thumbnail", withThumb, true},
		{"cut in half", good[:len(good)/2], false},
		{"cut before its end marker", good[:len(good)-2], false},
		{"with a thumbnail, cut in half", withThumb[:len(withThumb)/2], false},
		{"arithmetic-coded", set(good, sof+1, 0xC9), false},
		{"four components", set(good, sof+9, 4), false},
		{"not a JPEG", []byte("\x89PNG\r\n"), false},
	} {
		if got := wholeJPEG(c.data); got != c.want {
			t.Errorf("%s: wholeJPEG %v, want %v", c.what, got, c.want)
		}
	}
}
