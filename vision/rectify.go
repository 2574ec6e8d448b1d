package vision

import (
	"fmt"
	"image"
	"math"

	"github.com/disintegration/imaging"
	"gocv.io/x/gocv"
)

// Rectify warps the quadrilateral q of img (four corners clockwise from
// top-left, as Surface.Quad) onto an upright rectangle as large as q's
// longer sides: a sheet photographed at an angle, read square on. It
// returns the rectangle and the map from its coordinates back to img's.
func Rectify(img image.Image, q []image.Point) (*image.NRGBA, func(x, y float64) (float64, float64), error) {
	if len(q) != 4 {
		return nil, nil, fmt.Errorf("vision: rectify: %d corners, want 4", len(q))
	}
	side := func(a, b image.Point) float64 { return math.Hypot(float64(b.X-a.X), float64(b.Y-a.Y)) }
	w := int(math.Round(math.Max(side(q[0], q[1]), side(q[3], q[2]))))
	h := int(math.Round(math.Max(side(q[0], q[3]), side(q[1], q[2]))))
	if w < 8 || h < 8 {
		return nil, nil, fmt.Errorf("vision: rectify: %dx%d quadrilateral too small", w, h)
	}
	box := image.Rectangle{Min: q[0], Max: q[0].Add(image.Pt(1, 1))}
	for _, p := range q[1:] {
		box = box.Union(image.Rectangle{Min: p, Max: p.Add(image.Pt(1, 1))})
	}
	box = box.Intersect(img.Bounds())
	if box.Empty() {
		return nil, nil, fmt.Errorf("vision: rectify: quadrilateral outside the photo")
	}
	crop := imaging.Crop(img, box)
	src, err := rgbaMat(crop)
	if err != nil {
		return nil, nil, err
	}
	defer src.Close()
	from := gocv.NewPointVectorFromPoints([]image.Point{q[0].Sub(box.Min), q[1].Sub(box.Min), q[2].Sub(box.Min), q[3].Sub(box.Min)})
	defer from.Close()
	to := gocv.NewPointVectorFromPoints([]image.Point{{0, 0}, {w, 0}, {w, h}, {0, h}})
	defer to.Close()
	fwd := gocv.GetPerspectiveTransform(from, to)
	defer fwd.Close()
	inv := gocv.GetPerspectiveTransform(to, from)
	defer inv.Close()
	var m [9]float64
	for i := range m {
		m[i] = inv.GetDoubleAt(i/3, i%3)
	}
	dst := gocv.NewMat()
	defer dst.Close()
	gocv.WarpPerspective(src, &dst, fwd, image.Pt(w, h))
	data, err := dst.DataPtrUint8()
	if err != nil {
		return nil, nil, err
	}
	out := image.NewNRGBA(image.Rect(0, 0, w, h))
	copy(out.Pix, data)
	for i := 3; i < len(out.Pix); i += 4 {
		out.Pix[i] = 255 // the warp's border is transparent
	}
	back := func(x, y float64) (float64, float64) {
		d := m[6]*x + m[7]*y + m[8]
		return (m[0]*x+m[1]*y+m[2])/d + float64(box.Min.X), (m[3]*x+m[4]*y+m[5])/d + float64(box.Min.Y)
	}
	return out, back, nil
}

// Skewed says whether q is far enough from an upright rectangle to be
// worth rectifying: its top edge turned more than 4 degrees, or a corner
// more than 6 degrees off square.
func Skewed(q []image.Point) bool {
	if len(q) != 4 {
		return false
	}
	dir := func(a, b image.Point) float64 { return math.Atan2(float64(b.Y-a.Y), float64(b.X-a.X)) }
	if math.Abs(dir(q[0], q[1]))*180/math.Pi > 4 {
		return true
	}
	for i := range q {
		a, b, c := q[(i+3)%4], q[i], q[(i+1)%4]
		d := math.Abs(math.Remainder(dir(b, a)-dir(b, c), 2*math.Pi)) * 180 / math.Pi
		if math.Abs(d-90) > 6 {
			return true
		}
	}
	return false
}
