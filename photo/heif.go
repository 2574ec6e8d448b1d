package photo

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
)

// HEIF/HEIC: iPhones store photos as HEIC by default, HEVC-coded images in
// an ISO media file. Go has no HEVC decoder, so the photo is decoded by
// libheif's heif-convert (Debian's libheif-examples, installed by the
// setup script) into a PNG in a temporary folder, which is then read like
// any PNG. libheif applies the file's own rotation and mirroring (irot,
// imir), which HEIF uses instead of EXIF's orientation tag: the EXIF tag
// is reported, not applied again.

// ErrNoHEIFDecoder says a HEIC photo came in and heif-convert is missing.
var ErrNoHEIFDecoder = errors.New("HEIC/HEIF photo, and heif-convert (Debian package libheif-examples) is not installed")

// heifBrands are the ftyp brands of HEIF still images.
var heifBrands = map[string]bool{"heic": true, "heix": true, "heim": true, "heis": true, "hevc": true, "hevx": true, "mif1": true, "msf1": true, "avif": true}

// isHEIF says whether data is an ISO media file of a HEIF brand.
func isHEIF(data []byte) bool {
	if len(data) < 16 || string(data[4:8]) != "ftyp" {
		return false
	}
	n := int(binary.BigEndian.Uint32(data))
	if n < 16 || n > len(data) {
		n = min(len(data), 64)
	}
	if heifBrands[string(data[8:12])] {
		return true
	}
	for i := 16; i+4 <= n; i += 4 { // compatible brands
		if heifBrands[string(data[i:i+4])] {
			return true
		}
	}
	return false
}

// heifSize reads the first image's size from its ispe property, so that
// the pixel limit holds before anything is decoded.
func heifSize(data []byte) (w, h int, ok bool) {
	i := bytes.Index(data, []byte("ispe"))
	if i < 0 || i+16 > len(data) {
		return 0, 0, false
	}
	// ispe: version and flags (4 bytes), then width and height.
	w = int(binary.BigEndian.Uint32(data[i+8:]))
	h = int(binary.BigEndian.Uint32(data[i+12:]))
	return w, h, w > 0 && h > 0
}

// decodeHEIF decodes a HEIF photo with heif-convert.
func decodeHEIF(data []byte, opts Options) (image.Image, error) {
	if w, h, ok := heifSize(data); ok && opts.MaxPixels > 0 && int64(w)*int64(h) > opts.MaxPixels {
		return nil, fmt.Errorf("%w: %dx%d is %.1f MP, limit %.1f MP", ErrTooLarge, w, h,
			float64(int64(w)*int64(h))/1e6, float64(opts.MaxPixels)/1e6)
	}
	tool, err := exec.LookPath("heif-convert")
	if err != nil {
		return nil, ErrNoHEIFDecoder
	}
	dir, err := os.MkdirTemp("", "photoaudit-heif-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	in := filepath.Join(dir, "in.heic")
	if err := os.WriteFile(in, data, 0o600); err != nil {
		return nil, err
	}
	out := filepath.Join(dir, "out.png")
	cmd := exec.Command(tool, in, out)
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stderr, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("decode heif: heif-convert: %w: %s", err, bytes.TrimSpace(stderr.Bytes()))
	}
	// One image makes out.png; a file of several (a burst) makes
	// out-1.png, out-2.png...: the first is the primary.
	written, _ := filepath.Glob(filepath.Join(dir, "out*.png"))
	if len(written) == 0 {
		return nil, fmt.Errorf("decode heif: heif-convert wrote nothing: %s", bytes.TrimSpace(stderr.Bytes()))
	}
	sort.Strings(written)
	f, err := os.Open(written[0])
	if err != nil {
		return nil, err
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		return nil, fmt.Errorf("decode heif: %w", err)
	}
	return img, nil
}
