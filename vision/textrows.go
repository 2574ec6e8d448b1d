package vision

import (
	"image"

	"gocv.io/x/gocv"
)

// Text rows. Screens, papers, boards, badges and wristbands carry
// identifiers as rows of small, fine strokes: printed text, handwriting,
// barcodes. Their principle: a morphological gradient makes strokes bright,
// a threshold keeps them, a short horizontal closing joins the letters of a
// row into one blob, and blobs shaped like text rows (much wider than high,
// densely stroked) are kept. Surfaces use the count of rows to tell a sheet
// with writing from a bare wall.

// RowOptions tune textRows.
type RowOptions struct {
	// MinRowHeight and MaxRowHeight bound a row's height in the examined
	// image (defaults 5 and 48): smaller is noise, larger is a poster
	// headline.
	MinRowHeight int
	MaxRowHeight int
	// MinFill is the share of a row's box that must be stroke (default
	// 0.3): wood grain and fabric make sparse, long blobs.
	MinFill float64
}

// DefaultRowOptions returns the documented defaults.
func DefaultRowOptions() RowOptions {
	return RowOptions{MinRowHeight: 5, MaxRowHeight: 48, MinFill: 0.3}
}

// strokeMask marks the strokes of gray: pixels whose 3x3 morphological
// gradient is at least min, or above Otsu's threshold when min is 0.
// Text, handwriting, ruling and barcodes all have such edges.
func strokeMask(gray gocv.Mat, min float32) gocv.Mat {
	grad := gocv.NewMat()
	defer grad.Close()
	k3 := gocv.GetStructuringElement(gocv.MorphEllipse, image.Pt(3, 3))
	defer k3.Close()
	gocv.MorphologyEx(gray, &grad, gocv.MorphGradient, k3)
	strokes := gocv.NewMat()
	if min == 0 {
		gocv.Threshold(grad, &strokes, 0, 255, gocv.ThresholdBinary|gocv.ThresholdOtsu)
	} else {
		gocv.Threshold(grad, &strokes, min, 255, gocv.ThresholdBinary)
	}
	return strokes
}

// textRows joins the letters of each row of strokes and returns the blobs
// shaped like text rows, in strokes' coordinates.
func textRows(strokes gocv.Mat, o RowOptions) []image.Rectangle {
	rowsMat := gocv.NewMat()
	defer rowsMat.Close()
	kRow := gocv.GetStructuringElement(gocv.MorphRect, image.Pt(9, 1))
	defer kRow.Close()
	gocv.MorphologyEx(strokes, &rowsMat, gocv.MorphClose, kRow)

	// Two-level retrieval: every connected blob is at the top level, also
	// those inside a sheet's outline, and holes (inside letters and
	// outlines) have a parent and are passed over.
	hierarchy := gocv.NewMat()
	defer hierarchy.Close()
	contours := gocv.FindContoursWithParams(rowsMat, &hierarchy, gocv.RetrievalCComp, gocv.ChainApproxSimple)
	defer contours.Close()
	var rows []image.Rectangle
	for i := 0; i < contours.Size(); i++ {
		if hierarchy.GetVeciAt(0, i)[3] >= 0 {
			continue
		}
		r := gocv.BoundingRect(contours.At(i))
		h := r.Dy()
		if h < o.MinRowHeight || h > o.MaxRowHeight || r.Dx() < 2*h {
			continue
		}
		if fill(strokes, r) < o.MinFill {
			continue
		}
		rows = append(rows, r)
	}
	return rows
}

// fill is the share of non-zero pixels of m inside r.
func fill(m gocv.Mat, r image.Rectangle) float64 {
	roi := m.Region(r)
	defer roi.Close()
	return float64(gocv.CountNonZero(roi)) / float64(r.Dx()*r.Dy())
}
