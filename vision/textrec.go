package vision

import (
	"errors"
	"fmt"
	"image"
	"math"
	"os"
	"strings"

	"github.com/disintegration/imaging"
	onnxruntime "github.com/yalue/onnxruntime_go"

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

// recWidths are the input widths a line is padded to, as the recogniser
// was measured with; a line goes in at the narrowest that holds it, and a
// line longer than the widest is squeezed. One session takes them all: a
// session bound to each width kept an arena of activations each.
var recWidths = []int{160, 320, 640, 1280}

// Reading is what the recogniser read on one line.
type Reading struct {
	Box  image.Rectangle
	Text string
	// Conf is the mean probability of the characters read (0-1).
	Conf float64
}

type textRec struct {
	keys    []string
	session *onnxruntime.DynamicAdvancedSession
	in      []float32 // the input, as long as the widest needs
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
	session, err := newDynamicSession(path, lib, "x", "softmax_11.tmp_0")
	if err != nil {
		return nil, fmt.Errorf("vision: recogniser %q: %w", path, err)
	}
	t := &textRec{keys: keys, session: session, in: make([]float32, 3*recHeight*recWidths[len(recWidths)-1])}
	// A first reading checks the graph runs and gives what we expect.
	if _, err := t.read(image.NewNRGBA(image.Rect(0, 0, 96, 24)), image.Rect(0, 0, 96, 24)); err != nil {
		t.Close()
		return nil, fmt.Errorf("vision: recogniser %q: %w", path, err)
	}
	return t, nil
}

func (t *textRec) Close() error { return t.session.Destroy() }

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
	scaled := imaging.Resize(crop, w, recHeight, imaging.Linear)
	in := t.in[:3*recHeight*width]
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
	tensor, err := onnxruntime.NewTensor(onnxruntime.NewShape(1, 3, recHeight, int64(width)), in)
	if err != nil {
		return Reading{}, err
	}
	defer tensor.Destroy()
	outs := []onnxruntime.Value{nil}
	if err := t.session.Run([]onnxruntime.Value{tensor}, outs); err != nil {
		return Reading{}, err
	}
	defer outs[0].Destroy()
	probs, ok := outs[0].(*onnxruntime.Tensor[float32])
	if !ok {
		return Reading{}, fmt.Errorf("vision: recogniser's output is %T, want float tensor", outs[0])
	}
	if sh := probs.GetShape(); len(sh) != 3 || sh[1] != int64(width/8) || sh[2] != recClasses {
		return Reading{}, fmt.Errorf("vision: recogniser's output shape %v, want [1 %d %d]", sh, width/8, recClasses)
	}
	out := probs.GetData()
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
