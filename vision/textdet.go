package vision

import (
	"errors"
	"fmt"
	"image"
	"math"
	"sort"

	"gocv.io/x/gocv"

	"photoaudit/models"
)

// PP-OCRv4's DB text detector (models.TextDet) turns an image into a map
// of the probability that each pixel is text; thresholded, its connected
// parts are text lines, each grown by DB's "unclip" margin since the
// network is trained on shrunk boxes. It finds scene text that
// Tesseract's own page layout passes over (screens at an angle, signs,
// labels), and says nothing about what the text is: Tesseract reads the
// lines it finds.
const (
	// textDetSide is the longest side a photo is resized to (a multiple
	// of 32, as the network's strides need); smaller photos go in at the
	// smallest of textDetSides that holds them. Measured on a 12 MP photo,
	// one core, OpenCV's dnn: 1280 px 1.4 s, 960 px 0.7-0.8 s; on the eval-dev
	// composites both found the same.
	textDetSide = 960
	// textDetThresh binarises the probability map; textDetBoxThresh is
	// the mean probability a line must reach (PaddleOCR's defaults).
	textDetThresh    = 0.3
	textDetBoxThresh = 0.6
	// textDetUnclip grows a line by area*ratio/perimeter on each side.
	textDetUnclip = 1.5
	// textDetMaxLines keeps the most probable lines of a busy photo.
	textDetMaxLines = 300
)

var textDetSides = []int{640, textDetSide}

// textDet holds its network: on ONNX Runtime one session for every
// input size (a session bound to one size each kept an arena of
// activations each); on OpenCV's dnn one net per size, as its importer
// fixes the graph's shapes at the first forward pass.
type textDet struct {
	path string
	lib  string // ONNX Runtime's library, or "" for OpenCV's dnn
	nets map[int]textNet
}

// loadTextDet loads the detector at path to run on ONNX Runtime's
// library lib, or with OpenCV's dnn when lib is "".
func loadTextDet(path, lib string) (*textDet, error) {
	t := &textDet{path: path, lib: lib, nets: map[int]textNet{}}
	// A forward pass on a blank image checks the graph runs in this
	// OpenCV and gives a one-channel map the size of its input.
	blank := image.NewNRGBA(image.Rect(0, 0, 64, 64))
	if _, err := t.detect(blank); err != nil {
		t.Close()
		return nil, fmt.Errorf("vision: text detector %q: %w", path, err)
	}
	return t, nil
}

func (t *textDet) net(side int) (textNet, error) {
	if t.lib != "" {
		side = 0 // one network for every size
	}
	if n, ok := t.nets[side]; ok {
		return n, nil
	}
	var n textNet
	var err error
	if t.lib != "" {
		n, err = newORTTextNet(t.path, t.lib)
	} else {
		n, err = newDNNTextNet(t.path)
	}
	if err != nil {
		return nil, fmt.Errorf("vision: load text detector %q: %w", t.path, err)
	}
	t.nets[side] = n
	return n, nil
}

func (t *textDet) Close() error {
	var errs []error
	for _, n := range t.nets {
		errs = append(errs, n.Close())
	}
	return errors.Join(errs...)
}

// detect returns the text lines in img, in img's coordinates, most
// probable first.
func (t *textDet) detect(img image.Image) ([]Region, error) {
	lines, _, err := t.look(img, false)
	return lines, err
}

// look returns the text lines in img as detect does and, with turned, also
// those of img turned a quarter counter-clockwise (as imaging.Rotate90
// turns it), in the turned image's coordinates with its origin at (0, 0).
// The photo is scaled once and the scaled copy turned: turning 12 MP
// before scaling cost a 48 MB copy and about 0.15 s a look.
func (t *textDet) look(img image.Image, turned bool) (lines, turnedLines []Region, err error) {
	in, err := t.prepare(img)
	if err != nil {
		return nil, nil, err
	}
	defer in.Close()
	if lines, err = in.lying(); err != nil || !turned {
		return lines, nil, err
	}
	turnedLines, err = in.turned()
	return lines, turnedLines, err
}

// textInput is a photo scaled for the detector, and the network for its
// size.
type textInput struct {
	net     textNet
	resized gocv.Mat
	side    int
	scale   float64
	b       image.Rectangle
}

func (in *textInput) Close() { in.resized.Close() }

// lying runs the detector on the photo as it stands.
func (in *textInput) lying() ([]Region, error) {
	return findLines(in.net, in.resized, in.side, in.scale, in.b)
}

// turned runs it on the photo turned a quarter counter-clockwise; in
// is left turned.
func (in *textInput) turned() ([]Region, error) {
	gocv.Rotate(in.resized, &in.resized, gocv.Rotate90CounterClockwise)
	return findLines(in.net, in.resized, in.side, in.scale, image.Rect(0, 0, in.b.Dy(), in.b.Dx()))
}

// prepare scales img for the detector.
func (t *textDet) prepare(img image.Image) (*textInput, error) {
	b := img.Bounds()
	// The photo goes in resized so its longer side fills a square of one
	// of textDetSides, in its top-left corner, the rest mean grey. (At
	// the photo's own aspect, 960 x 736 for 4:3, it took a fifth less
	// time, but the lines moved by a few pixels and signs read harmless
	// before lost a line to "unread": false surfaces 1 -> 3 of 25 on
	// eval-dev real/, 0 -> 2 of 80 hard scenes, one more false alarm.)
	long := max(b.Dx(), b.Dy())
	side := textDetSide
	for _, s := range textDetSides {
		if long <= s*5/4 {
			side = s
			break
		}
	}
	net, err := t.net(side)
	if err != nil {
		return nil, err
	}
	scale := float64(side) / float64(long)
	full, err := rgbaMat(img)
	if err != nil {
		return nil, err
	}
	defer full.Close()
	resized := gocv.NewMat()
	areaResize(full, &resized, scaledSize(b.Dx(), b.Dy(), scale))
	// Dropping alpha keeps the channel order: BGRA to BGR is RGBA to RGB.
	gocv.CvtColor(resized, &resized, gocv.ColorBGRAToBGR)
	return &textInput{net: net, resized: resized, side: side, scale: scale, b: b}, nil
}

// findLines runs net on resized, the photo of bounds b scaled by scale,
// in the top-left corner of a side x side square, and returns its text
// lines in the photo's coordinates.
func findLines(net textNet, resized gocv.Mat, side int, scale float64, b image.Rectangle) ([]Region, error) {
	square := gocv.NewMatWithSizeFromScalar(gocv.NewScalar(124, 116, 104, 0), side, side, gocv.MatTypeCV8UC3)
	defer square.Close()
	dst := square.Region(image.Rect(0, 0, resized.Cols(), resized.Rows()))
	resized.CopyTo(&dst)
	dst.Close()
	// PaddleOCR normalises with ImageNet's mean and a standard deviation
	// of about 58 on every channel; square is already RGB.
	blob := gocv.BlobFromImage(square, 1/57.6, image.Pt(side, side), gocv.NewScalar(123.7, 116.3, 103.5, 0), false, false)
	defer blob.Close()
	prob, err := net.run(blob, side)
	if err != nil {
		return nil, err
	}
	defer prob.Close()
	mask := gocv.NewMat()
	defer mask.Close()
	gocv.Threshold(prob, &mask, textDetThresh, 255, gocv.ThresholdBinary)
	mask8 := gocv.NewMat()
	defer mask8.Close()
	mask.ConvertTo(&mask8, gocv.MatTypeCV8U)
	contours := gocv.FindContours(mask8, gocv.RetrievalExternal, gocv.ChainApproxSimple)
	defer contours.Close()
	var lines []Region
	for i := 0; i < contours.Size(); i++ {
		c := contours.At(i)
		r := gocv.BoundingRect(c)
		if r.Dx() < 3 || r.Dy() < 3 {
			continue
		}
		score := meanIn(prob, mask8, r)
		if score < textDetBoxThresh {
			continue
		}
		area := gocv.ContourArea(c)
		perim := gocv.ArcLength(c, true)
		d := 0
		if perim > 0 {
			d = int(math.Ceil(area * textDetUnclip / perim))
		}
		r = r.Inset(-d)
		box := image.Rect(int(float64(r.Min.X)/scale), int(float64(r.Min.Y)/scale),
			int(math.Ceil(float64(r.Max.X)/scale)), int(math.Ceil(float64(r.Max.Y)/scale))).Add(b.Min).Intersect(b)
		if box.Empty() {
			continue
		}
		// The line's own rectangle, grown like its box.
		rr := gocv.MinAreaRect(c)
		long, thick := float64(max(rr.Width, rr.Height)+2*d), float64(min(rr.Width, rr.Height)+2*d)
		lines = append(lines, Region{Kind: "text", Box: box, Confidence: math.Round(score*100) / 100, Detector: models.TextDet.Name,
			Long: long / scale, Thick: thick / scale})
	}
	sort.SliceStable(lines, func(i, j int) bool { return lines[i].Confidence > lines[j].Confidence })
	if len(lines) > textDetMaxLines {
		lines = lines[:textDetMaxLines]
	}
	return lines, nil
}

// meanIn is the mean probability of the text pixels of mask inside r.
func meanIn(prob, mask gocv.Mat, r image.Rectangle) float64 {
	p := prob.Region(r)
	defer p.Close()
	m := mask.Region(r)
	defer m.Close()
	return p.MeanWithMask(m).Val1
}
