package vision

import (
	"image"
	"image/color"
	"sort"

	"gocv.io/x/gocv"
)

// Text blocks. Screens, papers, boards, badges and wristbands carry
// identifiers as rows of small, fine strokes: printed text, handwriting,
// barcodes. Their principle: a morphological gradient makes strokes bright,
// Otsu's threshold keeps them, a short horizontal closing joins the letters
// of a row into one blob, and blobs shaped like text rows (much wider than
// high, densely stroked) are kept. Rows near each other are grouped into
// blocks by a dilation; each block is one candidate region that the
// pipeline reads again, enlarged, and redacts whole when it cannot prove
// the text harmless.

var colorWhite = color.RGBA{255, 255, 255, 255}

// Block is a candidate region of text-like rows.
type Block struct {
	Box image.Rectangle
	// Rows is how many text-like rows the block holds.
	Rows int
	// RowHeight is the median row height, in img's pixels.
	RowHeight int
	// Dark says the text is light on a dark background (a screen's dark
	// theme).
	Dark bool
}

// BlockOptions tune TextBlocks.
type BlockOptions struct {
	// WorkSide is the longer side the analysis runs at (default 1600).
	WorkSide int `yaml:"work_side" json:"work_side"`
	// MinRowHeight and MaxRowHeight bound a row's height at WorkSide
	// (defaults 5 and 48): smaller is noise, larger is a poster headline.
	MinRowHeight int `yaml:"min_row_height" json:"min_row_height"`
	MaxRowHeight int `yaml:"max_row_height" json:"max_row_height"`
	// MinFill is the share of a row's box that must be stroke (default
	// 0.3): wood grain and fabric make sparse, long blobs.
	MinFill float64 `yaml:"min_fill" json:"min_fill"`
	// MinRows is how many rows make a block (default 2).
	MinRows int `yaml:"min_rows" json:"min_rows"`
	// MaxBlocks keeps the largest blocks only (default 16).
	MaxBlocks int `yaml:"max_blocks" json:"max_blocks"`
}

// DefaultBlockOptions returns the documented defaults.
func DefaultBlockOptions() BlockOptions {
	return BlockOptions{WorkSide: 1600, MinRowHeight: 5, MaxRowHeight: 48, MinFill: 0.3, MinRows: 2, MaxBlocks: 16}
}

// TextBlocks finds candidate text regions in img.
func TextBlocks(img image.Image, o BlockOptions) ([]Block, error) {
	b := img.Bounds()
	long := max(b.Dx(), b.Dy())
	scale := float64(o.WorkSide) / float64(long)
	if scale > 1 {
		scale = 1
	}
	gray, scale, err := grayMat(img, scale, 0)
	if err != nil {
		return nil, err
	}
	defer gray.Close()

	strokes := strokeMask(gray, 0)
	defer strokes.Close()
	return groupRows(gray, textRows(strokes, o), scale, b.Min, o), nil
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
func textRows(strokes gocv.Mat, o BlockOptions) []image.Rectangle {
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

// groupRows joins rows into blocks: rows are drawn on a mask that is
// dilated by about two row heights, and each connected part is a block.
func groupRows(gray gocv.Mat, rows []image.Rectangle, scale float64, origin image.Point, o BlockOptions) []Block {
	if len(rows) == 0 {
		return nil
	}
	mask := gocv.NewMatWithSize(gray.Rows(), gray.Cols(), gocv.MatTypeCV8U)
	defer mask.Close()
	heights := make([]int, len(rows))
	for i, r := range rows {
		gocv.Rectangle(&mask, r, colorWhite, -1)
		heights[i] = r.Dy()
	}
	sort.Ints(heights)
	h := heights[len(heights)/2]
	k := gocv.GetStructuringElement(gocv.MorphRect, image.Pt(3*h, 2*h+1))
	defer k.Close()
	grown := gocv.NewMat()
	defer grown.Close()
	gocv.Dilate(mask, &grown, k)

	parts := gocv.FindContours(grown, gocv.RetrievalExternal, gocv.ChainApproxSimple)
	defer parts.Close()
	var blocks []Block
	for i := 0; i < parts.Size(); i++ {
		box := gocv.BoundingRect(parts.At(i))
		var in []image.Rectangle
		for _, r := range rows {
			if r.In(box) {
				in = append(in, r)
			}
		}
		if len(in) < o.MinRows {
			continue
		}
		tight := in[0]
		hs := make([]int, len(in))
		for j, r := range in {
			tight = tight.Union(r)
			hs[j] = r.Dy()
		}
		sort.Ints(hs)
		blocks = append(blocks, Block{
			Box:       unscale(tight, scale, origin),
			Rows:      len(in),
			RowHeight: int(float64(hs[len(hs)/2])/scale + 0.5),
			Dark:      darkBackground(gray, tight),
		})
	}
	sort.Slice(blocks, func(i, j int) bool { return area(blocks[i].Box) > area(blocks[j].Box) })
	if len(blocks) > o.MaxBlocks {
		blocks = blocks[:o.MaxBlocks]
	}
	return blocks
}

// darkBackground reports whether the block's median grey is dark: light
// text on a dark screen.
func darkBackground(gray gocv.Mat, r image.Rectangle) bool {
	roi := gray.Region(r)
	defer roi.Close()
	mean := roi.Mean()
	return mean.Val1 < 90
}
