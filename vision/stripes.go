package vision

import (
	"image"
	"image/color"
	"math"

	"gocv.io/x/gocv"
)

// Barcode stripes. A 1-D barcode on a wristband or a specimen label is
// often too small, blurred or bent for a decoder, and what it holds (a
// record number) is as identifying as the printed text beside it. The
// principle, after the classic gradient method: where bars run one way the
// brightness gradient across them is strong and the one along them is
// weak, so |gx|-|gy| (bars upright) or |gy|-|gx| (bars lying) is high over
// a barcode and low on most other things; blurred, thresholded and closed,
// it leaves a solid blob over each code. A blob is kept only when scan
// lines across the bars at a quarter, half and three quarters of its
// height read the same dark/light pattern (bars run the whole height; the
// strokes of a text line do not), with many bars of at least two widths
// (a fence, blinds or a railing repeat one width). The box is then carried
// along the scan direction over the light band the code is printed on, up
// to a limit, because the name and date on a label sit beside its code.

const (
	stripesWorkSide = 1600
	// stripesMinBars is the fewest dark bars a code shows; Code 128 with
	// a few characters has 15 or more.
	stripesMinBars = 12
	// stripesAgree is the least correlation of a piece of scan line
	// with the same piece a quarter of the code's height away.
	stripesAgree = 0.6
	// stripesContrast is the least difference between the darkest and
	// lightest tenth of a scan line, and stripesMidtones the largest share
	// of it in the middle half of that range. Measured on eval-dev: codes
	// 230+ and 16-27%; wood grain, railings and tiles that passed the
	// other tests 64-98 and 37-57%.
	stripesContrast = 110
	stripesMidtones = 0.35
	// labelReach bounds how far a label is followed beyond its code, in
	// code lengths each way.
	labelReach = 2.0
)

// BarcodeStripes returns the regions of img that look like 1-D barcodes,
// each carried over the light label it is printed on (Kind "barcode"; the
// caller decides what a code exposes).
func BarcodeStripes(img image.Image) ([]Region, error) {
	b := img.Bounds()
	gray, scale, err := grayMat(img, 1, stripesWorkSide*stripesWorkSide*3/4)
	if err != nil {
		return nil, err
	}
	defer gray.Close()
	var out []Region
	// The gradient test holds for bars within about 15 degrees of upright
	// or lying; the photo is also looked at turned 30 degrees each way,
	// which covers every angle.
	for _, deg := range []float64{0, 30, -30} {
		frame, back := rotated(gray, deg)
		px, err := frame.DataPtrUint8()
		if err != nil {
			frame.Close()
			return nil, err
		}
		g := grid{px: px, w: frame.Cols(), h: frame.Rows()}
		for _, st := range stripeBlobs(frame) {
			lo, ok := g.barsAgree(st)
			if !ok {
				continue
			}
			r := image.Rectangle{Min: image.Pt(gray.Cols(), gray.Rows())}
			for _, c := range g.followLabel(st, lo) {
				x, y := back(c[0], c[1])
				r.Min.X, r.Min.Y = min(r.Min.X, int(math.Floor(x))), min(r.Min.Y, int(math.Floor(y)))
				r.Max.X, r.Max.Y = max(r.Max.X, int(math.Ceil(x))), max(r.Max.Y, int(math.Ceil(y)))
			}
			r = r.Intersect(image.Rect(0, 0, gray.Cols(), gray.Rows()))
			if !r.Empty() {
				out = append(out, Region{Kind: "barcode", Box: unscale(r, scale, b.Min), Confidence: 0.6, Detector: "stripes"})
			}
		}
		if deg != 0 {
			frame.Close()
		}
	}
	return MergeOverlaps(out, 0.3), nil
}

// rotated returns gray turned deg degrees about its centre on a canvas
// that holds all of it (gray itself for 0), and the map from the turned
// image's coordinates back to gray's.
func rotated(gray gocv.Mat, deg float64) (gocv.Mat, func(x, y float64) (float64, float64)) {
	if deg == 0 {
		return gray, func(x, y float64) (float64, float64) { return x, y }
	}
	w, h := float64(gray.Cols()), float64(gray.Rows())
	sin, cos := math.Sincos(deg * math.Pi / 180)
	nw, nh := math.Abs(w*cos)+math.Abs(h*sin), math.Abs(w*sin)+math.Abs(h*cos)
	// Forward: p' = R (p - c) + c', R = [cos sin; -sin cos].
	cx, cy, ncx, ncy := w/2, h/2, nw/2, nh/2
	m := gocv.NewMatWithSize(2, 3, gocv.MatTypeCV64F)
	defer m.Close()
	for i, v := range []float64{cos, sin, ncx - cos*cx - sin*cy, -sin, cos, ncy + sin*cx - cos*cy} {
		m.SetDoubleAt(i/3, i%3, v)
	}
	out := gocv.NewMat()
	gocv.WarpAffineWithParams(gray, &out, m, image.Pt(int(math.Ceil(nw)), int(math.Ceil(nh))),
		gocv.InterpolationNearestNeighbor, gocv.BorderConstant, color.RGBA{R: 128, G: 128, B: 128})
	return out, func(x, y float64) (float64, float64) {
		dx, dy := x-ncx, y-ncy
		return cx + cos*dx - sin*dy, cy + sin*dx + cos*dy
	}
}

// stripe is a candidate code: its centre, the unit vector across its bars
// (u) and along them (v), and its half extents in those directions.
type stripe struct {
	cx, cy             float64
	ux, uy, vx, vy     float64
	halfAcross, halfAl float64
}

// at is the point t across and s along the bars from the centre.
func (st stripe) at(t, s float64) (float64, float64) {
	return st.cx + t*st.ux + s*st.vx, st.cy + t*st.uy + s*st.vy
}

// stripeBlobs returns the candidates of strong one-way gradient, bars
// upright (gradient along x) or lying, as rotated rectangles.
func stripeBlobs(gray gocv.Mat) []stripe {
	gx, gy := gocv.NewMat(), gocv.NewMat()
	defer gx.Close()
	defer gy.Close()
	gocv.Sobel(gray, &gx, gocv.MatTypeCV16S, 1, 0, 3, 1, 0, gocv.BorderDefault)
	gocv.Sobel(gray, &gy, gocv.MatTypeCV16S, 0, 1, 3, 1, 0, gocv.BorderDefault)
	ax, ay := gocv.NewMat(), gocv.NewMat()
	defer ax.Close()
	defer ay.Close()
	gocv.ConvertScaleAbs(gx, &ax, 1, 0)
	gocv.ConvertScaleAbs(gy, &ay, 1, 0)
	var out []stripe
	for _, upright := range []bool{true, false} {
		out = append(out, blobsOf(gray, ax, ay, upright)...)
	}
	return out
}

// blobsOf finds the candidates in one direction from the absolute
// gradients ax and ay.
func blobsOf(gray, ax, ay gocv.Mat, upright bool) []stripe {
	diff := gocv.NewMat()
	defer diff.Close()
	if upright {
		gocv.Subtract(ax, ay, &diff) // saturates at 0
	} else {
		gocv.Subtract(ay, ax, &diff)
	}
	gocv.Blur(diff, &diff, image.Pt(9, 9))
	gocv.Threshold(diff, &diff, 60, 255, gocv.ThresholdBinary)
	// Close the gaps between bars across them, then drop thin leftovers.
	k := image.Pt(21, 7)
	if !upright {
		k = image.Pt(7, 21)
	}
	kernel := gocv.GetStructuringElement(gocv.MorphRect, k)
	defer kernel.Close()
	gocv.MorphologyEx(diff, &diff, gocv.MorphClose, kernel)
	small := gocv.GetStructuringElement(gocv.MorphRect, image.Pt(5, 5))
	defer small.Close()
	gocv.Erode(diff, &diff, small)
	gocv.Dilate(diff, &diff, small)
	contours := gocv.FindContours(diff, gocv.RetrievalExternal, gocv.ChainApproxSimple)
	defer contours.Close()
	total := float64(gray.Cols() * gray.Rows())
	var out []stripe
	for i := 0; i < contours.Size(); i++ {
		rr := gocv.MinAreaRect(contours.At(i))
		if len(rr.Points) != 4 {
			continue
		}
		p := rr.Points
		var st stripe
		for _, q := range p {
			st.cx += float64(q.X) / 4
			st.cy += float64(q.Y) / 4
		}
		a := [2]float64{float64(p[1].X - p[0].X), float64(p[1].Y - p[0].Y)}
		c := [2]float64{float64(p[2].X - p[1].X), float64(p[2].Y - p[1].Y)}
		// u is the side nearer the scan direction (x for upright bars).
		if upright == (math.Abs(a[0]) < math.Abs(c[0])) {
			a, c = c, a
		}
		la, lc := math.Hypot(a[0], a[1]), math.Hypot(c[0], c[1])
		if la == 0 || lc == 0 {
			continue
		}
		st.ux, st.uy, st.vx, st.vy = a[0]/la, a[1]/la, c[0]/lc, c[1]/lc
		st.halfAcross, st.halfAl = la/2, lc/2
		// Codes are printed at least an eighth as tall as long (GS1 asks
		// for 15%); a line of text or a ruled line is flatter.
		if la < 2*stripesMinBars || lc < max(10, la/8) || la*lc > total/20 {
			continue
		}
		out = append(out, st)
	}
	return out
}

// grid reads an 8-bit grey image by nearest pixel.
type grid struct {
	px   []byte
	w, h int
}

func (g grid) at(x, y float64) (uint8, bool) {
	xi, yi := int(math.Round(x)), int(math.Round(y))
	if xi < 0 || yi < 0 || xi >= g.w || yi >= g.h {
		return 0, false
	}
	return g.px[yi*g.w+xi], true
}

// barsAgree reads three scan lines across st and reports whether they
// show the same pattern of at least stripesMinBars bars of more than one
// width. lo is the threshold between bar and space.
func (g grid) barsAgree(st stripe) (lo uint8, ok bool) {
	n := int(2 * st.halfAcross)
	line := func(f float64) []int { // grey levels, -1 outside
		out := make([]int, n)
		for i := range out {
			x, y := st.at(float64(i)-st.halfAcross, f*st.halfAl)
			v, in := g.at(x, y)
			out[i] = -1
			if in {
				out[i] = int(v)
			}
		}
		return out
	}
	mid := line(0)
	// The bar/space threshold: midway between the darkest and lightest
	// tenths of the middle scan line.
	var hist [256]int
	for _, v := range mid {
		hist[max(v, 0)]++
	}
	dark, light := quantile(hist[:], n, 0.1), quantile(hist[:], n, 0.9)
	if light-dark < stripesContrast {
		return 0, false
	}
	lo = uint8((dark + light) / 2)
	// Printed bars are ink or paper, few pixels between (the edges);
	// wood grain and other textures are mostly mid-tones.
	midtones := 0
	for _, v := range mid {
		if 4*(v-dark) > light-dark && 4*(light-v) > light-dark {
			midtones++
		}
	}
	if float64(midtones) > stripesMidtones*float64(n) {
		return 0, false
	}
	isBar := func(vs []int) []bool {
		out := make([]bool, len(vs))
		for i, v := range vs {
			out[i] = v >= 0 && v < int(lo)
		}
		return out
	}
	bars := isBar(mid)
	// Bars run the code's whole height: the grey profile across them is
	// the same on lines a quarter and two fifths of the height above and
	// below the middle (a line of text differs in its ascenders). Compared piece by piece (a code seen at an angle leaves its
	// rectangle at the ends), each piece at its best shift, up to what
	// bars leaning 30 degrees give (labels are sheared in perspective);
	// most pieces must correlate. The strokes of a text line change from
	// line to line.
	seg := max(16, n/6)
	shift := 2 + int(0.3*st.halfAl)
	for _, f := range []float64{-0.8, -0.5, 0.5, 0.8} {
		other := line(f)
		good, pieces := 0, 0
		for i := 0; i+seg <= n; i += seg {
			pieces++
			if bestCorrelation(mid[i:i+seg], other, i, shift) >= stripesAgree {
				good++
			}
		}
		if 3*good < 2*pieces {
			return 0, false
		}
	}
	var widths []int
	run := 0
	for i, d := range bars {
		if d {
			run++
		}
		if (!d || i == n-1) && run > 0 {
			widths = append(widths, run)
			run = 0
		}
	}
	if len(widths) < stripesMinBars {
		return 0, false
	}
	thin, thick := quantileInts(widths, 0.1), quantileInts(widths, 0.9)
	return lo, thick >= 2*thin
}

// followLabel extends st across the bars, each way, while the band of
// the code's height stays light (its mean above lo: a label's paper with
// some print on it), up to labelReach code lengths, and returns the
// corners of the result.
func (g grid) followLabel(st stripe, lo uint8) [4][2]float64 {
	light := func(t float64) bool {
		sum, n := 0, 0
		for s := -st.halfAl; s <= st.halfAl; s++ {
			v, in := g.at(st.at(t, s))
			if !in {
				return false
			}
			sum += int(v)
			n++
		}
		return n > 0 && sum >= int(lo)*n
	}
	reach := labelReach * 2 * st.halfAcross
	// A gap of a few pixels (between words) does not end the label.
	gap := max(3, int(st.halfAcross/10))
	walk := func(dir float64) float64 {
		end, miss := st.halfAcross, 0
		for d := st.halfAcross + 1; d <= st.halfAcross+reach; d++ {
			if light(dir * d) {
				end, miss = d, 0
			} else if miss++; miss > gap {
				break
			}
		}
		return dir * end
	}
	t0, t1 := walk(-1), walk(1)
	var out [4][2]float64
	for i, c := range [4][2]float64{{t0, -st.halfAl}, {t1, -st.halfAl}, {t1, st.halfAl}, {t0, st.halfAl}} {
		out[i][0], out[i][1] = st.at(c[0], c[1])
	}
	return out
}

// bestCorrelation is the highest normalised correlation of a with the
// samples of b starting at off+shift, for shifts up to maxShift; samples
// outside the image (< 0) are left out.
func bestCorrelation(a, b []int, off, maxShift int) float64 {
	best := -1.0
	for sh := -maxShift; sh <= maxShift; sh++ {
		var n, sa, sb, saa, sbb, sab float64
		for i, va := range a {
			j := off + i + sh
			if j < 0 || j >= len(b) || va < 0 || b[j] < 0 {
				continue
			}
			x, y := float64(va), float64(b[j])
			n++
			sa += x
			sb += y
			saa += x * x
			sbb += y * y
			sab += x * y
		}
		if n < float64(len(a))/2 {
			continue
		}
		va, vb := saa-sa*sa/n, sbb-sb*sb/n
		if va <= 0 || vb <= 0 {
			continue
		}
		best = max(best, (sab-sa*sb/n)/math.Sqrt(va*vb))
	}
	return best
}

func quantile(hist []int, n int, q float64) int {
	want := int(math.Ceil(q * float64(n)))
	seen := 0
	for v, c := range hist {
		seen += c
		if seen >= want {
			return v
		}
	}
	return len(hist) - 1
}

func quantileInts(xs []int, q float64) int {
	var hist [1 << 12]int
	for _, x := range xs {
		hist[min(x, len(hist)-1)]++
	}
	return quantile(hist[:], len(xs), q)
}
