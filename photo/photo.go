// Package photo owns reading a photo from disk exactly once: it checks the
// pixel limit before decoding, applies the EXIF orientation so that every
// later stage works on the upright image, reads the metadata the report
// needs, and encodes safe copies that carry no metadata at all.
package photo

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"image"
	"io"
	"os"
	"path/filepath"
	"strings"

	// Decoders for the formats we accept.
	_ "image/gif"
	_ "image/jpeg"
	_ "image/png"

	"github.com/disintegration/imaging"
	_ "golang.org/x/image/bmp"
	_ "golang.org/x/image/tiff"
	_ "golang.org/x/image/webp"
)

// Errors a caller may want to tell apart.
var (
	ErrNotImage = errors.New("not a supported image (JPEG, PNG, TIFF, WebP, GIF, BMP)")
	ErrTooLarge = errors.New("image too large")
	ErrEmpty    = errors.New("empty file")
)

// Options tune loading.
type Options struct {
	// MaxPixels refuses images with more pixels than this before decoding
	// them (default 100,000,000).
	MaxPixels int64 `yaml:"max_pixels" json:"max_pixels"`
	// MaxBytes refuses larger files without reading them (default 1 GiB).
	MaxBytes int64 `yaml:"max_bytes" json:"max_bytes"`
}

// DefaultOptions returns the documented defaults.
func DefaultOptions() Options {
	return Options{MaxPixels: 100_000_000, MaxBytes: 1 << 30}
}

// Photo is a decoded, upright photo.
type Photo struct {
	// Image is upright: EXIF orientation has been applied.
	Image *image.NRGBA
	// Format is the decoder's name: jpeg, png, tiff, webp, gif, bmp.
	Format string
	// Orientation is the EXIF orientation that was applied (1 when none).
	Orientation int
	Meta        Metadata
	// SHA256 is the hex SHA-256 of the file's bytes (Load only): the
	// original as the audit log records it.
	SHA256 string
}

// Error is a failure to read or decode one photo file, as a run records
// it for that photo; it unwraps to the cause (ErrNotImage, ErrTooLarge,
// ErrEmpty, ErrNoHEIFDecoder, fs.ErrPermission, fs.ErrNotExist...).
type Error struct {
	Path string
	Err  error // names the path where it says it already
}

func (e *Error) Error() string { return "photo: " + e.Err.Error() }

func (e *Error) Unwrap() error { return e.Err }

// Load reads and decodes the file at path with the standard library's
// decoders. Its errors are *Error.
func Load(path string, opts Options) (*Photo, error) { return Codec{}.Load(path, opts) }

// Load is Load, a complete JPEG decoded through c.JPEG (see Decode).
func (c Codec) Load(path string, opts Options) (*Photo, error) {
	fail := func(err error) (*Photo, error) { return nil, &Error{Path: path, Err: err} }
	f, err := os.Open(path)
	if err != nil {
		return fail(err)
	}
	defer f.Close() // read-only: a close error cannot lose data
	st, err := f.Stat()
	if err != nil {
		return fail(err)
	}
	if st.IsDir() {
		return fail(fmt.Errorf("%s: is a directory", path))
	}
	if st.Size() == 0 {
		return fail(fmt.Errorf("%s: %w", path, ErrEmpty))
	}
	if opts.MaxBytes > 0 && st.Size() > opts.MaxBytes {
		return fail(fmt.Errorf("%s: %w: %d bytes, limit %d", path, ErrTooLarge, st.Size(), opts.MaxBytes))
	}
	data, err := io.ReadAll(f)
	if err != nil {
		return fail(fmt.Errorf("read %s: %w", path, err))
	}
	p, err := c.decode(data, opts)
	if err != nil {
		return fail(fmt.Errorf("%s: %w", path, err))
	}
	sum := sha256.Sum256(data)
	p.SHA256 = hex.EncodeToString(sum[:])
	return p, nil
}

// Decode decodes an encoded photo held in memory with the standard
// library's decoders.
func Decode(data []byte, opts Options) (*Photo, error) { return Codec{}.decode(data, opts) }

// decode is Decode, a JPEG that is whole and plain (Huffman-coded, grey
// or YCbCr, ending in its end-of-image marker: wholeJPEG) through c.JPEG.
// The header, the limits and the metadata are checked and read the same
// either way; a truncated JPEG, which libjpeg would fill with grey rows,
// goes to the standard library, which refuses it.
func (c Codec) decode(data []byte, opts Options) (*Photo, error) {
	if len(data) == 0 {
		return nil, ErrEmpty
	}
	if isHEIF(data) {
		img, err := decodeHEIF(data, opts)
		if err != nil {
			return nil, err
		}
		// libheif has applied the file's own rotation; EXIF's tag is
		// what the file says, not a second turn.
		meta := readMetadata(data)
		return &Photo{Format: "heif", Orientation: 1, Meta: meta, Image: orient(img, 1)}, nil
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		if errors.Is(err, image.ErrFormat) {
			return nil, ErrNotImage
		}
		return nil, fmt.Errorf("unreadable %s header: %w", format, err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return nil, fmt.Errorf("%w: %dx%d", ErrNotImage, cfg.Width, cfg.Height)
	}
	if px := int64(cfg.Width) * int64(cfg.Height); opts.MaxPixels > 0 && px > opts.MaxPixels {
		return nil, fmt.Errorf("%w: %dx%d is %.1f MP, limit %.1f MP", ErrTooLarge, cfg.Width, cfg.Height,
			float64(px)/1e6, float64(opts.MaxPixels)/1e6)
	}
	var img image.Image
	if c.JPEG != nil && format == "jpeg" && wholeJPEG(data) {
		img, err = c.JPEG.DecodeJPEG(data)
	} else {
		img, _, err = image.Decode(bytes.NewReader(data))
	}
	if err != nil {
		// A truncated JPEG or PNG ends here: Go's decoders refuse partial
		// data rather than hand back grey rows.
		return nil, fmt.Errorf("decode %s: %w", format, err)
	}
	meta := readMetadata(data)
	p := &Photo{Format: format, Orientation: meta.Orientation, Meta: meta}
	p.Image = orient(img, meta.Orientation)
	if p.Orientation == 0 {
		p.Orientation = 1
	}
	return p, nil
}

// orient applies an EXIF orientation (1-8) and returns a zero-origin NRGBA.
func orient(img image.Image, o int) *image.NRGBA {
	switch o {
	case 2:
		return imaging.FlipH(img)
	case 3:
		return imaging.Rotate180(img)
	case 4:
		return imaging.FlipV(img)
	case 5:
		return imaging.Transpose(img)
	case 6:
		return imaging.Rotate270(img)
	case 7:
		return imaging.Transverse(img)
	case 8:
		return imaging.Rotate90(img)
	}
	if n, ok := img.(*image.NRGBA); ok && n.Rect.Min == (image.Point{}) && n.Stride == 4*n.Rect.Dx() {
		// Already what everything downstream takes (a PNG decodes so):
		// a copy would be one more full frame alive, 400 MB at 100 MP.
		return n
	}
	return imaging.Clone(img)
}

// SafeName returns the file name a safe copy of name gets: formats we can
// write keep their extension; the rest become PNG.
func SafeName(name string) string {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".heic", ".heif", ".hif", ".avif":
		// A camera photo: a JPEG, not a PNG five times its size.
		return strings.TrimSuffix(name, filepath.Ext(name)) + ".jpg"
	case ".jpg", ".jpeg", ".png", ".tif", ".tiff":
		return name
	}
	return strings.TrimSuffix(name, filepath.Ext(name)) + ".png"
}

// EncodeBytes is Encode into memory: the safe copy as it will be written.
func EncodeBytes(img image.Image, name string) ([]byte, error) {
	var buf bytes.Buffer
	if err := Encode(&buf, img, name); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// JPEGQuality is the quality safe copies are written at.
const JPEGQuality = 92

// JPEGCodec encodes and decodes JPEG; vision.JPEG does it with
// libjpeg-turbo, several times faster than the standard library.
type JPEGCodec interface {
	// EncodeJPEG encodes an opaque img; it writes no metadata.
	EncodeJPEG(img *image.NRGBA, quality int) ([]byte, error)
	// DecodeJPEG decodes data without applying its EXIF orientation.
	DecodeJPEG(data []byte) (*image.NRGBA, error)
}

// Codec decodes originals (Load), encodes safe copies and reads them
// back, as a run verifies them. Its zero value is the standard library's
// codecs; with JPEG set, JPEG goes through it, except a truncated or
// unusual original (see decode).
type Codec struct {
	JPEG JPEGCodec
}

// Encode is EncodeBytes, through c.JPEG for an opaque image that SafeName
// gives a JPEG name (an image with transparency goes to the standard
// library, whose encoder treats it as it always has).
func (c Codec) Encode(img image.Image, name string) ([]byte, error) {
	format, err := imaging.FormatFromFilename(name)
	if c.JPEG == nil || err != nil || format != imaging.JPEG {
		return EncodeBytes(img, name)
	}
	n, ok := img.(*image.NRGBA)
	if !ok || !n.Opaque() {
		return EncodeBytes(img, name)
	}
	data, err := c.JPEG.EncodeJPEG(n, JPEGQuality)
	if err != nil {
		return nil, fmt.Errorf("photo: encode %s: %w", name, err)
	}
	return data, nil
}

// Decode is Decode for what Encode made: a JPEG through c.JPEG, the rest
// through the standard library. The metadata is read all the same, so
// that what a safe copy carries is still looked at.
func (c Codec) Decode(data []byte) (*Photo, error) { return c.decode(data, Options{}) }

// Encode writes img in the format that SafeName's extension names. The
// encoders write pixels only: no EXIF, XMP, IPTC or ICC data, orientation
// already baked in.
func Encode(w io.Writer, img image.Image, name string) error {
	format, err := imaging.FormatFromFilename(name)
	if err != nil {
		format = imaging.PNG
	}
	if err := imaging.Encode(w, img, format, imaging.JPEGQuality(JPEGQuality)); err != nil {
		return fmt.Errorf("photo: encode %s: %w", name, err)
	}
	return nil
}
