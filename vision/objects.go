package vision

import (
	"errors"
	"image"
	"image/color"
	"image/draw"
	"sort"

	"github.com/disintegration/imaging"

	"photoaudit/models"
)

// Objects. The surface detector looks for bright grey quads with ink: it
// finds paper, boards and light displays, and misses a monitor showing a
// colourful web page, a laptop at an angle or a phone in a hand. A COCO
// object detector (models.Objects, CenterNet) knows those as objects: the
// photo goes in whole, letterboxed to objSide, and comes out as a heatmap
// of object centres, one channel a class, with the box's four sides
// measured from each centre. Its peaks (a cell not lower than its eight
// neighbours) of the classes that carry text are the objects.
const (
	objSide   = 512
	objStride = 4
	objCells  = objSide / objStride
	objCOCO   = 80
	// objMinScore is the lowest peak kept. A detection is a candidate,
	// not a finding: it needs text lines on it (package detect) like any
	// surface. Under 0.15 it names the wrong thing as often as not: on
	// eval-dev's real-surfaces the three with text on them were a
	// cookbook's page ("monitor", 0.11), a printout ("laptop", 0.09) and
	// an e-reader ("laptop", 0.08); uf_5's monitor, its box exact, scored
	// 0.11 with no text line on it.
	objMinScore = 0.15
)

// objClasses are the COCO classes (0-based, of 80) that carry text, and
// the surface kind each stands for.
var objClasses = map[int]string{62: "screen", 63: "screen", 67: "screen", 73: "document"}

// objNames names them for the report.
var objNames = map[int]string{62: "monitor", 63: "laptop", 67: "phone", 73: "book"}

// Object is a thing the object detector found.
type Object struct {
	// Kind is the surface kind ("screen", "document"); Name what the
	// detector saw ("monitor", "laptop", "phone", "book").
	Kind, Name string
	Box        image.Rectangle
	Confidence float64
}

type objectNet struct{ *ortSession }

// objectsModel returns the object detector's path, "" when it or ONNX
// Runtime is missing (it runs on ONNX Runtime only).
func objectsModel(dir, lib string) (string, error) {
	if lib == "" {
		return "", nil
	}
	path, err := models.Verify(dir, models.Objects)
	if errors.Is(err, models.ErrMissing) {
		return "", nil
	}
	return path, err
}

func loadObjects(path, lib string) (*objectNet, error) {
	s, err := newORTSession(path, lib, models.ObjectsInput, []int64{1, objSide, objSide, 3},
		[]string{models.ObjectsHeatmap, models.ObjectsSides}, [][]int64{{1, objCells, objCells, objCOCO}, {1, objCells, objCells, 4}})
	if err != nil {
		return nil, err
	}
	return &objectNet{s}, nil
}

// Objects finds monitors, laptops, phones and books in img; nil when the
// model or ONNX Runtime is missing (see ObjectDetector).
func (d *Detector) Objects(img image.Image) ([]Object, error) {
	if d.objects == nil {
		return nil, nil
	}
	return d.objects.detect(img)
}

// FindsObjects says whether this Detector loaded the object detector.
func (d *Detector) FindsObjects() bool { return d.objects != nil }

// ObjectDetector says why the object detector cannot run with v, or nil.
func ObjectDetector(v Options) error {
	lib, err := neuralRuntime(v)
	if err != nil {
		return err
	}
	if lib == "" {
		return models.ErrMissing
	}
	_, err = models.Verify(v.ModelDir, models.Objects)
	return err
}

func (n *objectNet) detect(img image.Image) ([]Object, error) {
	b := img.Bounds()
	scale := float64(objSide) / float64(max(b.Dx(), b.Dy()))
	w, h := max(1, int(float64(b.Dx())*scale+0.5)), max(1, int(float64(b.Dy())*scale+0.5))
	// Letterboxed: the photo's shape kept, black around it, as the
	// network saw COCO.
	small := imaging.Resize(img, w, h, imaging.Linear)
	box := image.NewNRGBA(image.Rect(0, 0, objSide, objSide))
	draw.Draw(box, box.Bounds(), image.NewUniform(color.NRGBA{0, 0, 0, 255}), image.Point{}, draw.Src)
	draw.Draw(box, small.Bounds(), small, image.Point{}, draw.Src)
	in := n.in.GetData()
	for i := 0; i < objSide*objSide; i++ {
		// RGB, 0-255: what the graph takes (it normalises inside).
		in[3*i], in[3*i+1], in[3*i+2] = float32(box.Pix[4*i]), float32(box.Pix[4*i+1]), float32(box.Pix[4*i+2])
	}
	if err := n.session.Run(); err != nil {
		return nil, err
	}
	heat, sides := n.outs[0].GetData(), n.outs[1].GetData()
	var out []Object
	for y := 0; y < objCells; y++ {
		for x := 0; x < objCells; x++ {
			for k, kind := range objClasses {
				v := heat[(y*objCells+x)*objCOCO+k]
				if v < objMinScore || !objPeak(heat, x, y, k, v) {
					continue
				}
				s := sides[(y*objCells+x)*4:]
				cx, cy := float64(x*objStride), float64(y*objStride)
				r := image.Rect(int((cx-float64(s[0]))/scale), int((cy-float64(s[1]))/scale),
					int((cx+float64(s[2]))/scale+0.5), int((cy+float64(s[3]))/scale+0.5)).Add(b.Min).Intersect(b)
				if r.Dx() < 8 || r.Dy() < 8 {
					continue
				}
				out = append(out, Object{Kind: kind, Name: objNames[k], Box: r, Confidence: float64(v)})
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Confidence > out[j].Confidence })
	// One object, one box: a lower peak whose box mostly repeats a
	// higher one's is the same thing.
	var kept []Object
	for _, o := range out {
		dup := false
		for _, k := range kept {
			if IoU(o.Box, k.Box) >= 0.5 {
				dup = true
				break
			}
		}
		if !dup {
			kept = append(kept, o)
		}
	}
	return kept, nil
}

// objPeak says whether cell (x, y) of class k is not lower than its eight
// neighbours.
func objPeak(heat []float32, x, y, k int, v float32) bool {
	for dy := -1; dy <= 1; dy++ {
		for dx := -1; dx <= 1; dx++ {
			xx, yy := x+dx, y+dy
			if (dx == 0 && dy == 0) || xx < 0 || yy < 0 || xx >= objCells || yy >= objCells {
				continue
			}
			if heat[(yy*objCells+xx)*objCOCO+k] > v {
				return false
			}
		}
	}
	return true
}
