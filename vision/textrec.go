package vision

import (
	"errors"
	"fmt"
	"image"
	"math"
	"os"
	"strings"

	"github.com/disintegration/imaging"

	"photoaudit/models"
)

// PP-OCRv4's recogniser (models.TextRec) reads one text line: the line
// cut out, scaled to recHeight px high, goes in on a width of one of
// recWidths; the network gives, for every 8 px of width, the probability
// of each character of its dictionary and of "no character" (CTC's
// blank). The most probable class at each step, with repeats merged and
// blanks dropped, is the text; the mean probability of its characters is
// the confidence.
const (
	recHeight = 48
	// recClasses is the dictionary's characters, the blank and a space.
	recClasses = 6625
)

// recWidths are the input widths a session is made for (ONNX Runtime's
// sessions here are bound to tensors of one size); a line goes in at the
// narrowest that holds it, and a line longer than the widest is
// squeezed.
var recWidths = []int{160, 320, 640, 1280}

// Reading is what the recogniser read on one line.
type Reading struct {
	Box  image.Rectangle
	Text string
	// Conf is the mean probability of the characters read (0-1).
	Conf float64
}

type textRec struct {
	path, lib string
	keys      []string
	nets      map[int]*ortSession
}

// loadTextRec loads the recogniser at path and its dictionary at keys,
// to run on ONNX Runtime's library lib.
func loadTextRec(path, keysPath, lib string) (*textRec, error) {
	data, err := os.ReadFile(keysPath)
	if err != nil {
		return nil, fmt.Errorf("vision: recogniser dictionary: %w", err)
	}
	keys := strings.Split(strings.TrimRight(string(data), "\r\n"), "\n")
	keys = append(keys, " ")
	if len(keys) != recClasses-1 {
		return nil, fmt.Errorf("vision: recogniser dictionary %q: %d characters, want %d", keysPath, len(keys)-1, recClasses-2)
	}
	t := &textRec{path: path, lib: lib, keys: keys, nets: map[int]*ortSession{}}
	// A first reading checks the graph runs and gives what we expect.
	if _, err := t.read(image.NewNRGBA(image.Rect(0, 0, 96, 24)), image.Rect(0, 0, 96, 24)); err != nil {
		t.Close()
		return nil, fmt.Errorf("vision: recogniser %q: %w", path, err)
	}
	return t, nil
}

func (t *textRec) net(w int) (*ortSession, error) {
	if n, ok := t.nets[w]; ok {
		return n, nil
	}
	n, err := newORTSession(t.path, t.lib, "x", []int64{1, 3, recHeight, int64(w)},
		[]string{"softmax_11.tmp_0"}, [][]int64{{1, int64(w / 8), recClasses}})
	if err != nil {
		return nil, err
	}
	t.nets[w] = n
	return n, nil
}

func (t *textRec) Close() error {
	var errs []error
	for _, n := range t.nets {
		errs = append(errs, n.Close())
	}
	return errors.Join(errs...)
}

// read reads the line of img at box.
func (t *textRec) read(img image.Image, box image.Rectangle) (Reading, error) {
	box = box.Intersect(img.Bounds())
	if box.Dx() < 2 || box.Dy() < 2 {
		return Reading{Box: box}, nil
	}
	crop := imaging.Crop(img, box)
	if box.Dy() <= 2*box.Dx() {
		return t.readCrop(crop, box)
	}
	// A line standing on its end runs up or down: read it turned both
	// ways and keep the surer reading.
	var best Reading
	for _, turned := range []*image.NRGBA{imaging.Rotate270(crop), imaging.Rotate90(crop)} {
		r, err := t.readCrop(turned, box)
		if err != nil {
			return Reading{}, err
		}
		if r.Conf > best.Conf || best.Box.Empty() {
			best = r
		}
	}
	return best, nil
}

// readCrop reads crop, a line lying, and reports it at box.
func (t *textRec) readCrop(crop *image.NRGBA, box image.Rectangle) (Reading, error) {
	cw, ch := crop.Bounds().Dx(), crop.Bounds().Dy()
	w := int(math.Ceil(recHeight * float64(cw) / float64(ch)))
	width := recWidths[len(recWidths)-1]
	for _, rw := range recWidths {
		if w <= rw {
			width = rw
			break
		}
	}
	w = min(w, width)
	net, err := t.net(width)
	if err != nil {
		return Reading{}, err
	}
	scaled := imaging.Resize(crop, w, recHeight, imaging.Linear)
	in := net.in.GetData()
	clear(in)
	plane := recHeight * width
	// PaddleOCR feeds the recogniser BGR, scaled to -1..1; the width past
	// the line is zero.
	for y := 0; y < recHeight; y++ {
		for x := 0; x < w; x++ {
			p := scaled.PixOffset(x, y)
			i := y*width + x
			in[i] = float32(scaled.Pix[p+2])/127.5 - 1
			in[plane+i] = float32(scaled.Pix[p+1])/127.5 - 1
			in[2*plane+i] = float32(scaled.Pix[p])/127.5 - 1
		}
	}
	if err := net.session.Run(); err != nil {
		return Reading{}, err
	}
	out := net.outs[0].GetData()
	var sb strings.Builder
	prev, n, sum := -1, 0, 0.0
	for step := 0; step < width/8; step++ {
		row := out[step*recClasses : (step+1)*recClasses]
		best, k := row[0], 0
		for c, v := range row {
			if v > best {
				best, k = v, c
			}
		}
		if k != 0 && k != prev {
			sb.WriteString(t.keys[k-1])
			sum += float64(best)
			n++
		}
		prev = k
	}
	r := Reading{Box: box, Text: strings.TrimSpace(sb.String())}
	if n > 0 {
		r.Conf = math.Round(sum/float64(n)*100) / 100
	}
	return r, nil
}

// ReadsTextLines says whether this Detector loaded the recogniser.
func (d *Detector) ReadsTextLines() bool { return d.rec != nil }

// ReadLines reads each of the given text lines of img with the
// recogniser; nil when it is not installed.
func (d *Detector) ReadLines(img image.Image, lines []Region) ([]Reading, error) {
	if d.rec == nil {
		return nil, nil
	}
	out := make([]Reading, 0, len(lines))
	for _, l := range lines {
		r, err := d.rec.read(img, l.Box)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

// recModel returns the recogniser and its dictionary, "" when either is
// missing or there is no ONNX Runtime to run it on.
func recModel(dir, lib string) (path, keys string, err error) {
	if lib == "" {
		return "", "", nil
	}
	path, err = models.Verify(dir, models.TextRec)
	if errors.Is(err, models.ErrMissing) {
		return "", "", nil
	}
	if err != nil {
		return "", "", err
	}
	keys, err = models.Verify(dir, models.TextRecKeys)
	if errors.Is(err, models.ErrMissing) {
		return "", "", nil
	}
	return path, keys, err
}
