package vision

import (
	"image"
	"math"
	"sort"

	"github.com/disintegration/imaging"
	"gocv.io/x/gocv"
)

// Surfaces. What carries identifiers in a clinic photo is nearly always a
// flat, bright, near-rectangular surface with ink on it: paper on a desk or
// a clipboard, a sign-in sheet, a whiteboard, a badge, a wristband label,
// a screen's display. The principle: pixels that are bright and nearly
// grey (paper, card, board, a light display) form a mask; its outer
// contours, with the text holes inside them ignored, are candidate
// surfaces when they are solid (close to their convex hull) and fill most
// of their rotated bounding box. A surface counts when it holds ink: a
// share of strong-gradient pixels. Its kind comes from geometry: long and
// thin is a wristband, ruled horizontal and vertical lines make a sign-in
// sheet, a small upright card is a badge, a surround darker than the
// surface is a screen's bezel, a large landscape surface a whiteboard, and
// the rest documents. Posters are surfaces too; telling them apart is the
// reader's job (see pipeline), because only reading says text is harmless.

// Surface is a candidate region that may carry identifiers.
type Surface struct {
	Kind string
	Box  image.Rectangle
	// Quad is the surface's four corners when it is a quadrilateral,
	// clockwise from top-left, in img's coordinates.
	Quad []image.Point
	// Ink is the share of the surface's box that is stroke.
	Ink float64
	// HLines and VLines count ruled lines (a form or a table).
	HLines, VLines int
	// Rows counts text-like rows of ink (see textRows).
	Rows int
	// fit is how well the outline fills its rotated rectangle (0-1).
	fit float64
}

// SurfaceOptions tune Surfaces. The defaults are measured on the
// eval-dev composites.
type SurfaceOptions struct {
	// WorkSide is the longer side the analysis runs at (default 1200).
	WorkSide int `yaml:"work_side" json:"work_side"`
	// MinBright is the least grey level of a surface pixel (default 150).
	MinBright float64 `yaml:"min_bright" json:"min_bright"`
	// MaxSat is the most HSV saturation (0-255) of a surface pixel
	// (default 90): paper and tinted posters, not skin or wood.
	MaxSat float64 `yaml:"max_sat" json:"max_sat"`
	// MinArea and MaxArea bound a surface's share of the photo (defaults
	// 0.002 and 0.6).
	MinArea float64 `yaml:"min_area" json:"min_area"`
	MaxArea float64 `yaml:"max_area" json:"max_area"`
	// MinSolidity is the least contour area over hull area (default 0.8).
	MinSolidity float64 `yaml:"min_solidity" json:"min_solidity"`
	// MinRectangularity is the least contour area over rotated-box area
	// (default 0.7).
	MinRectangularity float64 `yaml:"min_rectangularity" json:"min_rectangularity"`
	// MinInk is the least share of stroke pixels (default 0.01).
	MinInk float64 `yaml:"min_ink" json:"min_ink"`
	// MinRows is the least number of text-like rows (default 2): walls,
	// shelves and sky have ink of a kind, but not in rows.
	MinRows int `yaml:"min_rows" json:"min_rows"`
}

// DefaultSurfaceOptions returns the documented defaults.
func DefaultSurfaceOptions() SurfaceOptions {
	return SurfaceOptions{WorkSide: 1200, MinBright: 150, MaxSat: 90, MinArea: 0.002, MaxArea: 0.6,
		MinSolidity: 0.8, MinRectangularity: 0.7, MinInk: 0.01, MinRows: 2}
}

// Surfaces finds candidate surfaces in img.
func Surfaces(img image.Image, o SurfaceOptions) ([]Surface, error) {
	b := img.Bounds()
	scale := math.Min(1, float64(o.WorkSide)/float64(max(b.Dx(), b.Dy())))
	bgr, scale, err := bgrMat(img, scale)
	if err != nil {
		return nil, err
	}
	defer bgr.Close()
	gray := gocv.NewMat()
	defer gray.Close()
	gocv.CvtColor(bgr, &gray, gocv.ColorBGRToGray)
	hsv := gocv.NewMat()
	defer hsv.Close()
	gocv.CvtColor(bgr, &hsv, gocv.ColorBGRToHSV)

	// Ink: strong local gradients. A fixed level, not Otsu's: on a busy
	// photo Otsu's level rises above thin handwriting.
	ink := strokeMask(gray, inkGradient)
	defer ink.Close()

	total := float64(gray.Rows() * gray.Cols())
	var out, nested []Surface
	for _, level := range o.levels() {
		mask := gocv.NewMat()
		if level.dark {
			gocv.Threshold(gray, &mask, float32(level.grey), 255, gocv.ThresholdBinaryInv)
		} else {
			gocv.InRangeWithScalar(hsv, gocv.NewScalar(0, 0, level.grey, 0), gocv.NewScalar(180, o.MaxSat, 255, 0), &mask)
		}
		// Closing first fills letters and barcode bars, which would
		// otherwise cut a thin label apart; opening then drops specks.
		// A frame level is not closed, and its opening drops only
		// specks of JPEG's size, to keep thin frames whole: see levels.
		speck := 5
		if level.frame {
			speck = 3
		} else {
			kc := gocv.GetStructuringElement(gocv.MorphRect, image.Pt(9, 9))
			gocv.MorphologyEx(mask, &mask, gocv.MorphClose, kc)
			kc.Close()
		}
		k := gocv.GetStructuringElement(gocv.MorphRect, image.Pt(speck, speck))
		gocv.MorphologyEx(mask, &mask, gocv.MorphOpen, k)
		k.Close()
		// Outermost outlines first; outlines nested in another's hole
		// (a display inside its dark bezel inside a bright carpet or
		// tablecloth) are kept aside. Holes (letters the closing left
		// open) are not surfaces.
		hier := gocv.NewMat()
		contours := gocv.FindContoursWithParams(mask, &hier, gocv.RetrievalTree, gocv.ChainApproxSimple)
		for i := 0; i < contours.Size(); i++ {
			depth := 0
			for p := hier.GetVeciAt(0, i)[3]; p >= 0; p = hier.GetVeciAt(0, int(p))[3] {
				depth++
			}
			if depth%2 == 1 && !level.dark {
				continue // a hole
			}
			if depth%2 == 0 && level.frame {
				continue // only a frame's inside is looked for
			}
			// In a dark mask, a hole is what a dark frame encloses: an
			// e-paper display, lighter than its bezel but too grey for
			// the bright levels, in its black frame. Letters' holes are
			// far under the least area; a face in dark hair is one, but
			// no rectangle (0.72 of its rotated box, a display 0.99).
			s, ok := o.candidate(contours.At(i), gray, ink, total, level.dark)
			switch {
			case !ok:
			case depth%2 == 1 && s.fit < minHoleFit:
			case depth == 0:
				out = addSurface(out, s)
			default:
				nested = append(nested, s)
			}
		}
		contours.Close()
		hier.Close()
		mask.Close()
	}
	out, err = o.withRows(img, out, scale)
	if err != nil {
		return nil, err
	}
	// A nested outline counts where no outermost one with rows was
	// found: it adds what the outermost outlines missed and never
	// replaces one. An outline without rows does not hide one (a band
	// of sky round a phone's display).
	var extra []Surface
	for _, s := range nested {
		extra = addSurface(extra, s)
	}
	if extra, err = o.withRows(img, extra, scale); err != nil {
		return nil, err
	}
	for _, s := range extra {
		alone := true
		for _, o := range out {
			if containment(o.Box, s.Box) >= 0.5 {
				alone = false
				break
			}
		}
		if alone {
			out = append(out, s)
		}
	}
	sort.Slice(out, func(i, j int) bool { return area(out[i].Box) > area(out[j].Box) })
	return out, nil
}

// withRows maps surfaces found at scale back to img's coordinates and
// keeps those that show rows of text, as o asks, and are no backdrop.
func (o SurfaceOptions) withRows(img image.Image, ss []Surface, scale float64) ([]Surface, error) {
	b := img.Bounds()
	kept := ss[:0]
	for _, s := range ss {
		s.Box = unscale(s.Box, scale, b.Min)
		for j, p := range s.Quad {
			s.Quad[j] = image.Pt(int(float64(p.X)/scale), int(float64(p.Y)/scale)).Add(b.Min)
		}
		if backdrop(s.Box, b) {
			continue
		}
		n, err := countRows(img, s.Box)
		if err != nil {
			return nil, err
		}
		if n < o.MinRows && Skewed(s.Quad) {
			// Rows of a sheet at an angle run at that angle: count them
			// square on, and on its side.
			if rect, _, err := Rectify(img, s.Quad); err == nil {
				for _, im := range []image.Image{rect, imaging.Rotate90(rect)} {
					m, err := countRows(im, im.Bounds())
					if err != nil {
						return nil, err
					}
					n = max(n, m)
				}
			}
		}
		// A badge holds one name row ("RN" is too short to count), a
		// wristband one line of small print beside its barcode; a ruled
		// form is evidence enough on its own.
		small := s.Kind == "badge" || s.Kind == "wristband"
		if s.Rows = n; n >= o.MinRows || (small && n >= 1) || s.Kind == "signin_sheet" {
			kept = append(kept, s)
		}
	}
	return kept, nil
}

// minHoleFit is how well a dark mask's hole must fill its rotated
// rectangle to be a display in its frame.
const minHoleFit = 0.9

type level struct {
	grey float64
	dark bool
	// frame marks a dark level whose mask is not closed, looked at for
	// the insides of dark frames only.
	frame bool
}

// levels are the grey levels the search runs at. One level is not enough:
// at 150 a white card merges with the light mortar of the wall behind it,
// at 220 a slightly grey whiteboard falls apart. Dark levels find
// dark-theme screens, whose bezel and display together are one dark slab.
// A frame level finds a light display inside a bezel that is only a few
// pixels wide at WorkSide (a phone's, a monitor's, thinned further by
// perspective): the closing and opening of the other levels broke such a
// frame, so its display was no hole, and the bright levels' closing
// bridged the display to the sky or wall beyond it. Unclosed, dark text
// on paper does not join into rings whose insides pass for displays, as
// it does closed.
func (o SurfaceOptions) levels() []level {
	return []level{{grey: o.MinBright}, {grey: (o.MinBright + 255) / 2}, {grey: 230},
		{grey: 70, dark: true}, {grey: 40, dark: true}, {grey: 70, dark: true, frame: true}}
}

// candidate applies the shape and ink tests to one contour, in working
// coordinates.
func (o SurfaceOptions) candidate(c gocv.PointVector, gray, ink gocv.Mat, total float64, dark bool) (Surface, bool) {
	a := gocv.ContourArea(c)
	if a < o.MinArea*total || a > o.MaxArea*total {
		return Surface{}, false
	}
	rr := gocv.MinAreaRect(c)
	ra := float64(rr.Width * rr.Height)
	long, short := float64(max(rr.Width, rr.Height)), float64(min(rr.Width, rr.Height))
	aspect := long / math.Max(short, 1)
	// A thin label's outline suffers most from the closing and opening
	// (a wristband measured 0.62-0.66 rectangular, 0.76-0.80 solid), and
	// bands curve round wrists: elongated shapes get looser limits.
	minSolid, minRect := o.MinSolidity, o.MinRectangularity
	if aspect >= 4 {
		minSolid, minRect = minSolid-0.1, minRect-0.15
	}
	hull := gocv.NewMat()
	defer hull.Close()
	gocv.ConvexHull(c, &hull, false, true)
	hullPts := gocv.NewPointVectorFromMat(hull)
	hullArea := gocv.ContourArea(hullPts)
	hullPts.Close()
	if hullArea == 0 || a/hullArea < minSolid {
		return Surface{}, false
	}
	if ra == 0 || a/ra < minRect {
		return Surface{}, false
	}
	box := gocv.BoundingRect(c)
	s := Surface{Box: box, Ink: fill(ink, box), Quad: quadOf(c, rr), fit: a / ra}
	if s.Ink < o.MinInk {
		return Surface{}, false
	}
	s.HLines, s.VLines = ruledLines(gray, box)
	s.Kind = surfaceKind(gray, box, aspect, a/total, s)
	if dark && s.Kind != "wristband" {
		s.Kind = "screen"
	}
	return s, true
}

// quadOf is the outline's four corners, clockwise from top-left: the
// outline simplified to four points when it is a quadrilateral (a sheet
// in perspective), else the corners of its rotated bounding rectangle.
func quadOf(c gocv.PointVector, rr gocv.RotatedRect) []image.Point {
	pts := rr.Points
	approx := gocv.ApproxPolyDP(c, 0.02*gocv.ArcLength(c, true), true)
	if approx.Size() == 4 {
		pts = approx.ToPoints()
	}
	approx.Close()
	return clockwise(pts)
}

// clockwise orders four points clockwise (in image coordinates, y down)
// from the one nearest the top-left.
func clockwise(pts []image.Point) []image.Point {
	if len(pts) != 4 {
		return append([]image.Point(nil), pts...)
	}
	var cx, cy float64
	for _, p := range pts {
		cx += float64(p.X) / 4
		cy += float64(p.Y) / 4
	}
	out := append([]image.Point(nil), pts...)
	angle := func(p image.Point) float64 { return math.Atan2(float64(p.Y)-cy, float64(p.X)-cx) }
	sort.Slice(out, func(i, j int) bool { return angle(out[i]) < angle(out[j]) })
	first := 0
	for i, p := range out {
		if p.X+p.Y < out[first].X+out[first].Y {
			first = i
		}
	}
	return append(out[first:], out[:first]...)
}

// addSurface keeps one of two candidates when one lies mostly inside the
// other: the one whose outline fills its rotated rectangle better. At a
// low grey level a poster merges with the bright wall beside it into a
// ragged shape; at a higher level it stands alone as a clean rectangle,
// and reading the ragged one would read the wall too. A sheet beats its
// own cells, which closing joins back at the same level. Ties go to the
// larger.
func addSurface(out []Surface, s Surface) []Surface {
	for i, o := range out {
		if containment(o.Box, s.Box) >= 0.8 {
			if s.fit > o.fit+0.05 || (s.fit > o.fit-0.05 && area(s.Box) > area(o.Box)) {
				out[i] = s
			}
			return out
		}
	}
	return append(out, s)
}

func surfaceKind(gray gocv.Mat, box image.Rectangle, aspect, share float64, s Surface) string {
	switch {
	case aspect >= 5:
		return "wristband"
	case s.HLines >= 5 && s.VLines >= 2:
		return "signin_sheet"
	case share < 0.02 && box.Dy() > box.Dx():
		return "badge"
	case darkSurround(gray, box):
		return "screen"
	case share > 0.08 && box.Dx() > box.Dy():
		return "whiteboard"
	}
	return "document"
}

// inkGradient is the gradient (0-255) from which a pixel is ink.
const inkGradient = 40

// rowSide is the longer side a surface is examined at for text rows: at
// the whole photo's working size a badge's name is 7 px high and lost.
const rowSide = 1000

// countRows counts text-like rows in box of img, examined at up to rowSide.
func countRows(img image.Image, box image.Rectangle) (int, error) {
	sub, ok := img.(interface {
		SubImage(image.Rectangle) image.Image
	})
	if !ok {
		return 0, nil
	}
	crop := sub.SubImage(box)
	scale := math.Min(1, float64(rowSide)/float64(max(box.Dx(), box.Dy())))
	gray, _, err := grayMat(crop, scale, 0)
	if err != nil {
		return 0, err
	}
	defer gray.Close()
	strokes := strokeMask(gray, inkGradient)
	defer strokes.Close()
	removeRuling(&strokes)
	return len(textRows(strokes, DefaultRowOptions())), nil
}

// removeRuling erases long horizontal and vertical lines (a table's grid,
// a card's edge) from strokes, so text written beside them still forms
// rows of its own.
func removeRuling(strokes *gocv.Mat) {
	w, h := strokes.Cols(), strokes.Rows()
	lines := gocv.NewMatWithSize(h, w, gocv.MatTypeCV8U)
	defer lines.Close()
	for _, ksize := range []image.Point{{max(w/4, 15), 1}, {1, max(h/4, 15)}} {
		k := gocv.GetStructuringElement(gocv.MorphRect, ksize)
		part := gocv.NewMat()
		gocv.MorphologyEx(*strokes, &part, gocv.MorphOpen, k)
		gocv.BitwiseOr(lines, part, &lines)
		part.Close()
		k.Close()
	}
	k := gocv.GetStructuringElement(gocv.MorphRect, image.Pt(3, 3))
	defer k.Close()
	gocv.Dilate(lines, &lines, k)
	gocv.Subtract(*strokes, lines, strokes)
}

// ruledLines counts long horizontal and vertical dark lines in box: a
// form's or a sign-in sheet's grid. Dark pixels are opened with a line
// kernel of a third of the box, so letters do not count.
func ruledLines(gray gocv.Mat, box image.Rectangle) (h, v int) {
	roi := gray.Region(box)
	defer roi.Close()
	dark := gocv.NewMat()
	defer dark.Close()
	gocv.AdaptiveThreshold(roi, &dark, 255, gocv.AdaptiveThresholdMean, gocv.ThresholdBinaryInv, 15, 10)
	count := func(kernel image.Point, horizontal bool) int {
		k := gocv.GetStructuringElement(gocv.MorphRect, kernel)
		defer k.Close()
		lines := gocv.NewMat()
		defer lines.Close()
		gocv.MorphologyEx(dark, &lines, gocv.MorphOpen, k)
		cs := gocv.FindContours(lines, gocv.RetrievalExternal, gocv.ChainApproxSimple)
		defer cs.Close()
		return cs.Size()
	}
	return count(image.Pt(max(box.Dx()/3, 10), 1), true), count(image.Pt(1, max(box.Dy()/3, 10)), false)
}

// darkSurround reports whether a ring around box is much darker than the
// box: the bezel of a monitor, tablet or phone.
func darkSurround(gray gocv.Mat, box image.Rectangle) bool {
	pad := max(4, min(box.Dx(), box.Dy())/12)
	outer := box.Inset(-pad).Intersect(image.Rect(0, 0, gray.Cols(), gray.Rows()))
	if outer == box {
		return false
	}
	inner := meanOf(gray, box)
	ro := meanOf(gray, outer)
	ringArea := float64(area(outer) - area(box))
	ring := (ro*float64(area(outer)) - inner*float64(area(box))) / ringArea
	return ring < 60 && inner-ring > 80
}

func meanOf(m gocv.Mat, r image.Rectangle) float64 {
	roi := m.Region(r)
	defer roi.Close()
	return roi.Mean().Val1
}

// bgrMat converts img to an 8-bit BGR Mat scaled by scale (at most 1):
// scaled through a view of its pixels (rgbaMat; what photo.Load returns
// is not copied) and converted after. Built a pixel at a time, 12 MP took
// 0.25 s a look.
func bgrMat(img image.Image, scale float64) (gocv.Mat, float64, error) {
	view, err := rgbaMat(img)
	if err != nil {
		return gocv.Mat{}, 0, err
	}
	defer view.Close()
	src := view
	if scale < 0.98 {
		small := gocv.NewMat()
		defer small.Close()
		areaResize(view, &small, scaledSize(view.Cols(), view.Rows(), scale))
		src = small
	} else {
		scale = 1
	}
	bgr := gocv.NewMat()
	gocv.CvtColor(src, &bgr, gocv.ColorRGBAToBGR)
	return bgr, scale, nil
}

// backdrop says whether a surface's box runs off the photo on three or
// four sides: a facade, a wall or the sky behind a scene, of which the
// photo shows one edge or none. A board, a page or a display held in
// view shows its own edges; one filling the frame is left to the text
// blocks, which need no surface.
func backdrop(box, photo image.Rectangle) bool {
	m := max(2, min(photo.Dx(), photo.Dy())/100)
	n := 0
	for _, off := range []bool{box.Min.X-photo.Min.X <= m, box.Min.Y-photo.Min.Y <= m,
		photo.Max.X-box.Max.X <= m, photo.Max.Y-box.Max.Y <= m} {
		if off {
			n++
		}
	}
	return n >= 3
}
