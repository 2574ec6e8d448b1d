// Package ocr owns reading text from images with Tesseract and deciding
// which of that text identifies a person. A Reader wraps one Tesseract
// client and belongs to one goroutine; the classifier is pure Go.
package ocr

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"image"
	"image/png"
	"sort"
	"strings"
	"sync"

	"github.com/disintegration/imaging"
	"github.com/otiai10/gosseract/v2"
)

// Word is one word Tesseract read, in the coordinates of the image given
// to Read.
type Word struct {
	Text string
	Box  image.Rectangle
	// Conf is Tesseract's confidence scaled to 0-1.
	Conf float64
}

// Line is a run of words Tesseract put on one text line.
type Line struct {
	Words []Word
	Box   image.Rectangle
}

// Text joins the line's words with single spaces.
func (l Line) Text() string {
	parts := make([]string, len(l.Words))
	for i, w := range l.Words {
		parts[i] = w.Text
	}
	return strings.Join(parts, " ")
}

// Options tune the reader.
type Options struct {
	// Languages are Tesseract language codes (default ["eng"]).
	Languages []string `yaml:"languages" json:"languages"`
	// TessdataPrefix is where the traineddata files are; empty uses
	// Tesseract's own default.
	TessdataPrefix string `yaml:"tessdata_prefix" json:"tessdata_prefix,omitempty"`
	// MaxSide shrinks larger images to this longer side before reading
	// (default 4200): 12 MP phone photos are read at full size, because
	// screen text in them is only 10-20 px high.
	MaxSide int `yaml:"max_side" json:"max_side"`
	// MinSide enlarges smaller images to this longer side (default 2000),
	// so that text in small photos reaches the size Tesseract reads best.
	MinSide int `yaml:"min_side" json:"min_side"`
	// MinWordConf drops words Tesseract is less sure of (default 0.3):
	// below that most "words" are texture read as letters.
	MinWordConf float64 `yaml:"min_word_conf" json:"min_word_conf"`
}

// DefaultOptions returns the documented defaults.
func DefaultOptions() Options {
	return Options{Languages: []string{"eng"}, MaxSide: 4200, MinSide: 2000, MinWordConf: 0.3}
}

// Reader reads text with one Tesseract client. It is not safe for
// concurrent use: give each worker its own.
type Reader struct {
	client *gosseract.Client
	opts   Options
}

// NewReader starts a Tesseract client.
func NewReader(opts Options) (*Reader, error) {
	quietLeptonica()
	c := gosseract.NewClient()
	if opts.TessdataPrefix != "" {
		if err := c.SetTessdataPrefix(opts.TessdataPrefix); err != nil {
			c.Close()
			return nil, fmt.Errorf("ocr: tessdata prefix: %w", err)
		}
	}
	langs := opts.Languages
	if len(langs) == 0 {
		langs = []string{"eng"}
	}
	if err := c.SetLanguage(langs...); err != nil {
		c.Close()
		return nil, fmt.Errorf("ocr: language %v: %w", langs, err)
	}
	// Sparse text: scene text comes in scattered blocks, not a page.
	if err := c.SetPageSegMode(gosseract.PSM_SPARSE_TEXT); err != nil {
		c.Close()
		return nil, fmt.Errorf("ocr: page segmentation mode: %w", err)
	}
	// Tesseract's own diagnostics ("Image too small to scale!!") would
	// interleave with the progress output; they say nothing a user can act on.
	if err := c.SetVariable("debug_file", "/dev/null"); err != nil {
		c.Close()
		return nil, fmt.Errorf("ocr: set debug_file: %w", err)
	}
	// Photos carry no usable DPI; saying 300 stops Tesseract guessing.
	if err := c.SetVariable("user_defined_dpi", "300"); err != nil {
		c.Close()
		return nil, fmt.Errorf("ocr: set dpi: %w", err)
	}
	if err := start(c); err != nil {
		c.Close()
		return nil, err
	}
	return &Reader{client: c, opts: opts}, nil
}

// startMu is held while a client starts. gosseract starts Tesseract on a
// client's first read, and while it does, it points the process's fd 2
// at /dev/null and back: two clients starting at once (two workers'
// first photos) leave it at /dev/null, and every later line on stderr,
// the progress and summary among them, is lost.
var startMu sync.Mutex

// start makes c start Tesseract now, on a blank image, one client at a
// time. It never starts again: nothing changes its languages or data
// folder after this. Missing language data is told here, not on the first
// photo.
func start(c *gosseract.Client) error {
	startMu.Lock()
	defer startMu.Unlock()
	if err := c.SetImageFromBytes(blankPNG); err != nil {
		return fmt.Errorf("ocr: start tesseract: %w", err)
	}
	if _, err := c.Text(); err != nil {
		return fmt.Errorf("ocr: start tesseract: %w", err)
	}
	return nil
}

// blankPNG is a 32x32 white PNG.
var blankPNG = func() []byte {
	img := image.NewGray(image.Rect(0, 0, 32, 32))
	for i := range img.Pix {
		img.Pix[i] = 255
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		panic(err) // an in-memory encode of a fixed image cannot fail
	}
	return b.Bytes()
}()

// Close ends the Tesseract client.
func (r *Reader) Close() error {
	if err := r.client.Close(); err != nil {
		return fmt.Errorf("ocr: close: %w", err)
	}
	return nil
}

// Version is Tesseract's version string.
func (r *Reader) Version() string { return r.client.Version() }

// Read returns the lines of text in img, in img's coordinates.
func (r *Reader) Read(img image.Image) ([]Line, error) {
	b := img.Bounds()
	long := b.Dx()
	if b.Dy() > long {
		long = b.Dy()
	}
	scale := 1.0
	switch {
	case r.opts.MaxSide > 0 && long > r.opts.MaxSide:
		scale = float64(r.opts.MaxSide) / float64(long)
	case r.opts.MinSide > 0 && long < r.opts.MinSide:
		scale = float64(r.opts.MinSide) / float64(long)
		if scale > 3 {
			scale = 3
		}
	}
	return r.read(img, scale)
}

// ReadUpright reads img as Read does, but reads each line once, as it
// stands. Read lets Tesseract read every line it is unsure of a second
// time inverted (tessedit_do_invert), for light text on dark; on a photo
// of texture (foliage, fabric, a bus's paintwork) nearly every "line" is
// unsure, so the page pass read it all twice. Meant for a page pass whose
// text lines are read again where it read nothing, by a reader that turns
// light text on dark into dark on light first (detect's scene text).
func (r *Reader) ReadUpright(img image.Image) ([]Line, error) {
	if err := r.client.SetVariable("tessedit_do_invert", "0"); err != nil {
		return nil, fmt.Errorf("ocr: set tessedit_do_invert: %w", err)
	}
	lines, err := r.Read(img)
	if err2 := r.client.SetVariable("tessedit_do_invert", "1"); err2 != nil && err == nil {
		err = fmt.Errorf("ocr: set tessedit_do_invert: %w", err2)
	}
	return lines, err
}

// ReadAsIs reads img at its own size: for images already made for
// Tesseract, such as a mosaic of text lines scaled to a good height.
func (r *Reader) ReadAsIs(img image.Image) ([]Line, error) { return r.read(img, 1) }

func (r *Reader) read(img image.Image, scale float64) ([]Line, error) {
	b := img.Bounds()
	gray := imaging.Grayscale(img)
	if scale != 1 {
		w := int(float64(b.Dx())*scale + 0.5)
		gray = imaging.Resize(gray, w, 0, imaging.Linear)
	}
	if g := gray.Bounds(); g.Dx() < minReadSide || g.Dy() < minReadSide {
		// No legible text fits, and Leptonica prints errors to stderr
		// when Tesseract's layout scales a sliver down.
		return nil, nil
	}
	if err := r.client.SetImageFromBytes(greyBMP(gray)); err != nil {
		return nil, fmt.Errorf("ocr: set image: %w", err)
	}
	boxes, err := r.client.GetBoundingBoxesVerbose()
	if err != nil {
		return nil, fmt.Errorf("ocr: read: %w", err)
	}
	return groupLines(boxes, scale, b.Min, r.opts.MinWordConf), nil
}

// minReadSide is the least width and height of an image Tesseract is
// given.
const minReadSide = 8

// greyBMP encodes the red channel of a grey NRGBA as an uncompressed
// 8-bit BMP with a grey palette. Leptonica copies a BMP's rows as they
// are; it read the binary PGM this replaced a pixel at a time, 0.3 s of a
// 12 MP page pass. The BMP states no resolution (0 pixels a metre), as
// the PGM did not, so Tesseract sees the same image as before.
func greyBMP(g *image.NRGBA) []byte {
	w, h := g.Bounds().Dx(), g.Bounds().Dy()
	const headers = 14 + 40 + 256*4
	row := (w + 3) &^ 3
	size := headers + row*h
	buf := make([]byte, size)
	le := binary.LittleEndian
	copy(buf, "BM")
	le.PutUint32(buf[2:], uint32(size))
	le.PutUint32(buf[10:], headers)
	le.PutUint32(buf[14:], 40)
	le.PutUint32(buf[18:], uint32(w))
	le.PutUint32(buf[22:], uint32(h)) // positive: rows bottom-up
	le.PutUint16(buf[26:], 1)
	le.PutUint16(buf[28:], 8)
	le.PutUint32(buf[34:], uint32(row*h))
	le.PutUint32(buf[46:], 256)
	for i := 0; i < 256; i++ {
		p := 54 + 4*i
		buf[p], buf[p+1], buf[p+2] = byte(i), byte(i), byte(i)
	}
	for y := 0; y < h; y++ {
		src := g.Pix[y*g.Stride : y*g.Stride+w*4]
		dst := buf[headers+(h-1-y)*row:]
		for x := 0; x < w; x++ {
			dst[x] = src[x*4]
		}
	}
	return buf
}

type lineKey struct{ block, par, line int }

func groupLines(boxes []gosseract.BoundingBox, scale float64, origin image.Point, minConf float64) []Line {
	byLine := map[lineKey]*Line{}
	var keys []lineKey
	for _, bb := range boxes {
		text := strings.TrimSpace(bb.Word)
		conf := bb.Confidence / 100
		if text == "" || conf < minConf {
			continue
		}
		box := image.Rect(
			int(float64(bb.Box.Min.X)/scale), int(float64(bb.Box.Min.Y)/scale),
			int(float64(bb.Box.Max.X)/scale+0.999), int(float64(bb.Box.Max.Y)/scale+0.999),
		).Add(origin)
		k := lineKey{bb.BlockNum, bb.ParNum, bb.LineNum}
		l, ok := byLine[k]
		if !ok {
			l = &Line{Box: box}
			byLine[k] = l
			keys = append(keys, k)
		}
		l.Words = append(l.Words, Word{Text: text, Box: box, Conf: conf})
		l.Box = l.Box.Union(box)
	}
	sort.Slice(keys, func(i, j int) bool {
		a, b := keys[i], keys[j]
		if a.block != b.block {
			return a.block < b.block
		}
		if a.par != b.par {
			return a.par < b.par
		}
		return a.line < b.line
	})
	lines := make([]Line, 0, len(keys))
	for _, k := range keys {
		lines = append(lines, splitGaps(*byLine[k])...)
	}
	return lines
}

// splitGaps cuts a line where two words are further apart than three
// times the line's median word height: sparse-text mode strings unrelated
// text across a photo into one line, and redacting a whole line should
// not black out the room.
func splitGaps(l Line) []Line {
	if len(l.Words) < 2 {
		return []Line{l}
	}
	sort.Slice(l.Words, func(i, j int) bool { return l.Words[i].Box.Min.X < l.Words[j].Box.Min.X })
	hs := make([]int, len(l.Words))
	for i, w := range l.Words {
		hs[i] = w.Box.Dy()
	}
	sort.Ints(hs)
	gap := 3 * hs[len(hs)/2]
	var out []Line
	cur := Line{Words: []Word{l.Words[0]}, Box: l.Words[0].Box}
	for _, w := range l.Words[1:] {
		if w.Box.Min.X-cur.Box.Max.X > gap {
			out = append(out, cur)
			cur = Line{Box: w.Box}
		}
		cur.Words = append(cur.Words, w)
		cur.Box = cur.Box.Union(w.Box)
	}
	return append(out, cur)
}

// Version is the Tesseract library's version, for photoaudit version.
func Version() (string, error) {
	c := gosseract.NewClient()
	v := c.Version()
	return v, c.Close()
}
