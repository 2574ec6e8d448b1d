package vision

import (
	"fmt"
	"image"
	"math"
	"sort"

	"gocv.io/x/gocv"
)

// BlazeFace is MediaPipe's short-and-full-range face detector for back
// cameras, as keijiro's Barracuda port ships it in ONNX: input NHWC
// [1,256,256,3] RGB in [-1,1]; outputs scores and box regressions for 512
// anchors on a 16x16 grid (stride 16, 2 anchors a cell) and 384 on an 8x8
// grid (stride 32, 6 a cell). A regression is 16 numbers in input pixels:
// box centre offset from the anchor, box size, and six key points.
//
// The network sees 256x256 pixels and finds faces from about 10 px to
// most of its input, so a large photo is cut into overlapping tiles at
// several scales: at the finest, a MinFace face is blazeFaceIn px; each
// coarser level is blazeLevelStep times smaller, until the whole photo fits
// one tile.
//
// Why tiles of 256 and not fewer, larger ones: with the graph's two
// fixed-size parts rewritten (a channel pad exported as a Concat with
// constant zeros, and the output reshapes) it runs on any input, and
// computes exactly the same at 256. But its cost per pixel does not fall
// (12.3-14.6 ms a 256x256 area on one core from 256 px up to 2336x1760),
// OpenCV reallocates for each new input size (about 0.1 s at 2016x448),
// and what it finds depends on the context it sees: 640 px tiles, or
// bands 256 or 448 px high across the level, lost up to two of eval-dev's
// 15 faces under 40 px or added false faces. Batches of tiles cost more a
// tile (13.7 ms at 4, 14.6 at 8 against 12.9), and OpenCV 4.6's int8
// quantization of the network ran 2.7 times slower than float. (These
// times are OpenCV's dnn; on ONNX Runtime a tile takes 5.1-5.5 ms, and
// what a tile's context does to what is found holds on either.)
const (
	blazeSize = 256
	// blazeFaceIn is how large a MinFace face is made in the finest
	// tiles. Measured on eval-dev (one core): 10 px gave 0.073 s/MP and
	// 10 of 15 faces under 40 px on real/; 14 px gives 0.147 s/MP and 12
	// of 15; faces from 40 px were 107-108 of 110 either way. 12 px also
	// found 12 of 15 and took 30% less time, but lost the generated
	// 25-31 px faces of TestSmallFace, TestBlazeFaceSizes and
	// TestBlazeTileCheck (13 px the 25 and 27 px ones).
	blazeFaceIn = 14
	// blazeLevelStep is the scale ratio between pyramid levels; a level
	// handles faces up to blazeFaceIn*blazeLevelStep of its tile pixels,
	// so its tiles overlap by that much.
	blazeLevelStep = 4
	// blazeEdge is the brightness step (of 255) that marks an edge pixel
	// for the skin-and-edges check of a tile.
	blazeEdge = 12
)

// blazeFace holds one loaded network. Not safe for concurrent use.
type blazeFace struct {
	net blazeNet
}

// loadBlazeFace loads the network at path to run on ONNX Runtime's
// library lib, or with OpenCV's dnn when lib is "".
func loadBlazeFace(path, lib string) (*blazeFace, error) {
	var net blazeNet
	var err error
	if lib != "" {
		net, err = newORTBlazeNet(path, lib)
	} else {
		net, err = newDNNBlazeNet(path)
	}
	if err != nil {
		return nil, fmt.Errorf("vision: load BlazeFace %q: %w", path, err)
	}
	b := &blazeFace{net: net}
	// One forward pass on a blank input checks the graph runs and its
	// outputs have the shapes decode expects.
	clear(net.input())
	if _, err := b.forward(image.Point{}, 1, 0, 0); err != nil {
		b.Close()
		return nil, fmt.Errorf("vision: BlazeFace %q: %w", path, err)
	}
	return b, nil
}

func (b *blazeFace) Close() error { return b.net.Close() }

// blazeHit is one raw detection in the coordinates of the photo.
type blazeHit struct {
	box   [4]float64 // x0, y0, x1, y1
	score float64
	// turn is how many quarter turns clockwise the tile was turned for
	// the best score: 0 for a face upright in the photo.
	turn int
	// upright is the best score of the upright looks at the pyramid's
	// own levels among the hits merged into this one (0: none): a face
	// found turned may also score a little upright, and an upright face a
	// little turned.
	upright float64
	// between marks a hit from a level half-way between the pyramid's.
	between bool
	// turns has bit k set when a hit merged into this one was seen in
	// turn k: an upside-down face can score best a quarter turn off.
	turns uint8
}

// blazeLook says what one look at a photo searches: upright faces from
// minFace px, faces turned a quarter, half and three quarters round from
// minTurned px (0: none), scoring at least threshold. With between, the
// upright faces are also looked for at the scales half-way between the
// pyramid's levels: the network scores one face differently at different
// sizes (a face of eval-dev real/ 0.71 at one level, 0.87 half a level
// finer), so a face it scored low at one gets a second chance.
type blazeLook struct {
	minFace, minTurned int
	threshold          float64
	between            bool
	// changedOnly limits the pyramid's own levels, all but the coarsest,
	// to the tiles that overlap changed (in the photo's coordinates).
	changedOnly bool
	changed     []image.Rectangle
}

// skips says whether the look passes over the tile at origin of a level
// scaled by scale: with changedOnly, a tile of one of the pyramid's own
// levels that overlaps nothing in changed.
func (l blazeLook) skips(lv blazeLevel, last bool, origin image.Point) bool {
	if !l.changedOnly || lv.between || last {
		return false
	}
	tile := image.Rect(int(float64(origin.X)/lv.scale), int(float64(origin.Y)/lv.scale),
		int(math.Ceil(float64(origin.X+blazeSize)/lv.scale)), int(math.Ceil(float64(origin.Y+blazeSize)/lv.scale)))
	return !overlapsAny(tile, l.changed)
}

// blazeLevel is one level of the pyramid: the photo scaled by scale, and
// the quarter turns its tiles are looked at in.
type blazeLevel struct {
	scale float64
	turns []int
	// between marks a level half-way between the pyramid's own.
	between bool
}

// levels lists the pyramid for a w x h photo, finest first. Upright faces
// start where a minFace face is blazeFaceIn px, turned ones where a
// minTurned face is; each goes on blazeLevelStep times coarser until the
// whole photo fits one tile, the level all share.
func (l blazeLook) levels(w, h int) []blazeLevel {
	fits := func(s float64) bool {
		return math.Round(float64(w)*s) <= blazeSize && math.Round(float64(h)*s) <= blazeSize
	}
	var out []blazeLevel
	add := func(minFace float64, turns []int, between bool) {
		for s := blazeFaceIn / minFace; !fits(s); s /= blazeLevelStep {
			out = append(out, blazeLevel{scale: s, turns: turns, between: between})
		}
	}
	all := []int{0, 1, 2, 3}
	first := float64(max(l.minFace, 1))
	add(first, all[:1], false)
	if l.between {
		add(first*math.Sqrt(blazeLevelStep), all[:1], true)
	}
	last := blazeLevel{scale: float64(blazeSize) / float64(max(w, h)), turns: all[:1]}
	if l.minTurned > 0 {
		add(float64(l.minTurned), all[1:], false)
		last.turns = all
	}
	out = append(out, last)
	sort.SliceStable(out, func(i, j int) bool { return out[i].scale > out[j].scale })
	return out
}

// detect finds the faces that look asks for in img, overlaps merged.
func (b *blazeFace) detect(img image.Image, look blazeLook) ([]blazeHit, error) {
	full, err := rgbaMat(img)
	if err != nil {
		return nil, err
	}
	defer full.Close()
	w, h := full.Cols(), full.Rows()
	var hits []blazeHit
	colour := isColour(img)
	// Each level is resized from the one before (the photo for the
	// first): area-averaging 12 MP afresh for every level cost about
	// 0.1 s a look.
	src := full
	defer func() {
		if src.Ptr() != full.Ptr() {
			src.Close()
		}
	}()
	levels := look.levels(w, h)
	for i, lv := range levels {
		sw, sh := int(math.Round(float64(w)*lv.scale)), int(math.Round(float64(h)*lv.scale))
		if sw != src.Cols() || sh != src.Rows() {
			m := gocv.NewMat()
			interp := gocv.InterpolationArea
			if sw > src.Cols() {
				interp = gocv.InterpolationLinear
			}
			gocv.Resize(src, &m, image.Pt(max(sw, 1), max(sh, 1)), 0, 0, interp)
			if src.Ptr() != full.Ptr() {
				src.Close()
			}
			src = m
		}
		last := i == len(levels)-1
		got, err := b.level(src, lv, look.threshold, colour && !last, func(origin image.Point) bool { return look.skips(lv, last, origin) })
		if err != nil {
			return nil, err
		}
		hits = append(hits, got...)
	}
	return suppress(hits, 0.3), nil
}

// level runs the network over overlapping tiles of m, the photo scaled by
// lv.scale, each tile turned by each of lv.turns quarter turns clockwise.
// A tile is the same square whichever way it is turned, so the turned
// looks need no turned copy of the level.
// With skipBare, a tile is not run unless it has enough skin-toned
// pixels for the smallest face (a tenth of its area) and half as many of
// them at an edge: a face has eyes, brows and a mouth, a plain wall or
// desk of skin tone has none. Measured on eval-dev composites (3,066
// tiles): skin alone skipped 347, with edges 486 (a 14 px face, even
// blurred with sigma 3, has 190+ edge pixels against the 9 asked);
// face recall the same on both sets.
// Tiles that skip says to pass over are not looked at.
func (b *blazeFace) level(m gocv.Mat, lv blazeLevel, threshold float64, skipBare bool, skip func(image.Point) bool) ([]blazeHit, error) {
	size := image.Pt(m.Cols(), m.Rows())
	// A level handles faces up to blazeFaceIn*blazeLevelStep px; the next
	// coarser level takes larger ones. Tiles overlap so that each such
	// face is whole in one of them.
	step := blazeSize - min(blazeFaceIn*blazeLevelStep, blazeSize/2)
	minSkin := blazeFaceIn * blazeFaceIn / 10
	var hits []blazeHit
	for y0 := 0; ; y0 += step {
		for x0 := 0; ; x0 += step {
			if skip(image.Pt(x0, y0)) {
				if x0+blazeSize >= size.X {
					break
				}
				continue
			}
			skin, edged, err := fillBlob(b.net.input(), m, x0, y0)
			if err != nil {
				return nil, err
			}
			if !skipBare || (skin >= minSkin && edged >= minSkin/2) {
				for _, turn := range lv.turns {
					if turn != 0 {
						if err := fillTurned(b.net.input(), m, x0, y0, turn); err != nil {
							return nil, err
						}
					}
					got, err := b.forward(image.Pt(x0, y0), lv.scale, threshold, turn)
					if err != nil {
						return nil, err
					}
					for i := range got {
						got[i].between = lv.between
					}
					hits = append(hits, got...)
				}
			}
			if x0+blazeSize >= size.X {
				break
			}
		}
		if y0+blazeSize >= size.Y {
			break
		}
	}
	return hits, nil
}

// forward runs the network on its input, a tile whose top-left corner is
// at origin in an image scaled by scale from the photo, turned by turn
// quarter turns clockwise, and returns the detections scoring at least
// threshold in the photo's coordinates.
func (b *blazeFace) forward(origin image.Point, scale, threshold float64, turn int) ([]blazeHit, error) {
	outs, err := b.net.run()
	if err != nil {
		return nil, err
	}
	var hits []blazeHit
	for layer, grid := range []struct{ cells, anchors int }{{16, 2}, {8, 6}} {
		n := grid.cells * grid.cells * grid.anchors
		scores, boxes := outs[layer], outs[layer+2]
		if len(scores) != n {
			return nil, fmt.Errorf("output %s: want %d scores, got %d", blazeOutputs[layer], n, len(scores))
		}
		if len(boxes) != 16*n {
			return nil, fmt.Errorf("output %s: want %d regressions, got %d", blazeOutputs[layer+2], 16*n, len(boxes))
		}
		cell := float64(blazeSize) / float64(grid.cells)
		for i, s := range scores {
			score := 1 / (1 + math.Exp(-float64(s)))
			if score < threshold || threshold <= 0 {
				continue
			}
			c := i / grid.anchors
			ax := (float64(c%grid.cells) + 0.5) * cell
			ay := (float64(c/grid.cells) + 0.5) * cell
			r := boxes[16*i:]
			cx, cy := ax+float64(r[0]), ay+float64(r[1])
			bw, bh := float64(r[2]), float64(r[3])
			if bw <= 0 || bh <= 0 {
				continue
			}
			x0, y0, x1, y1 := unturn(cx-bw/2, cy-bh/2, cx+bw/2, cy+bh/2, turn, blazeSize, blazeSize)
			hits = append(hits, blazeHit{box: [4]float64{
				(float64(origin.X) + x0) / scale, (float64(origin.Y) + y0) / scale,
				(float64(origin.X) + x1) / scale, (float64(origin.Y) + y1) / scale,
			}, score: score, turn: turn})
		}
	}
	return hits, nil
}

// unturn maps a box in an image of w x h turned by turn quarter turns
// clockwise back to the image as it was (w and h are its sides before
// the turn).
func unturn(x0, y0, x1, y1 float64, turn int, w, h float64) (float64, float64, float64, float64) {
	switch turn & 3 {
	case 1: // the turned image's (u, v) is the image's (v, h-u)
		return y0, h - x1, y1, h - x0
	case 2:
		return w - x1, h - y1, w - x0, h - y0
	case 3: // the turned image's (u, v) is the image's (w-v, u)
		return w - y1, x0, w - y0, x1
	}
	return x0, y0, x1, y1
}

// fillTurned writes the 256x256 tile of m at (x0, y0) into dst as
// fillBlob does, turned by turn quarter turns clockwise (1-3): a face
// lying on its side or upside down in the photo is upright in dst.
func fillTurned(dst []float32, m gocv.Mat, x0, y0, turn int) error {
	if len(dst) != blazeSize*blazeSize*3 {
		return fmt.Errorf("tile of %d floats, want %d", len(dst), blazeSize*blazeSize*3)
	}
	src, err := m.DataPtrUint8()
	if err != nil {
		return err
	}
	w, h, stride, ch := m.Cols(), m.Rows(), int(m.Step()), m.Channels()
	cols, rows := min(blazeSize, w-x0), min(blazeSize, h-y0)
	clear(dst)
	const last = blazeSize - 1
	for y := 0; y < rows; y++ {
		row := src[(y0+y)*stride+x0*ch:]
		for x := 0; x < cols; x++ {
			// Where the tile's (x, y) lands in the turned input.
			var u, v int
			switch turn {
			case 1:
				u, v = last-y, x
			case 2:
				u, v = last-x, last-y
			default:
				u, v = y, last-x
			}
			p := row[x*ch : x*ch+3]
			o := dst[(v*blazeSize+u)*3 : (v*blazeSize+u)*3+3]
			o[0], o[1], o[2] = unitLevel[p[0]], unitLevel[p[1]], unitLevel[p[2]]
		}
	}
	return nil
}

// unitLevel maps an 8-bit level to the network's [-1,1].
var unitLevel = func() (t [256]float32) {
	for i := range t {
		t[i] = float32(i)/127.5 - 1
	}
	return t
}()

// fillBlob writes the 256x256 tile of m (8-bit RGB or RGBA) at (x0, y0) into dst,
// NHWC, as floats in [-1,1]; what falls outside m is 0, mid grey.
// It returns how many of the tile's pixels are skin-toned (faceStats'
// YCbCr range, in integer arithmetic) and how many of those differ in
// brightness by blazeEdge or more from the pixel two to their left.
func fillBlob(dst []float32, m gocv.Mat, x0, y0 int) (skin, edged int, err error) {
	if len(dst) != blazeSize*blazeSize*3 {
		return 0, 0, fmt.Errorf("tile of %d floats, want %d", len(dst), blazeSize*blazeSize*3)
	}
	src, err := m.DataPtrUint8()
	if err != nil {
		return 0, 0, err
	}
	w, h, stride, ch := m.Cols(), m.Rows(), int(m.Step()), m.Channels()
	cols, rows := min(blazeSize, w-x0), min(blazeSize, h-y0)
	if cols < blazeSize || rows < blazeSize {
		clear(dst)
	}
	for y := 0; y < rows; y++ {
		row := src[(y0+y)*stride+x0*ch : (y0+y)*stride+(x0+cols)*ch]
		out := dst[y*blazeSize*3 : y*blazeSize*3+cols*3]
		for x := 0; x < cols; x++ {
			p := row[x*ch : x*ch+3]
			o := out[x*3 : x*3+3]
			o[0], o[1], o[2] = unitLevel[p[0]], unitLevel[p[1]], unitLevel[p[2]]
			r, g, b := int(p[0]), int(p[1]), int(p[2])
			// Cr = 128 + 0.5R - 0.4187G - 0.0813B, Cb = 128 - 0.1687R - 0.3313G + 0.5B, times 10000.
			cr := 5000*r - 4187*g - 813*b
			cb := -1687*r - 3313*g + 5000*b
			if cr >= 50000 && cr <= 520000 && cb >= -580000 && cb <= 20000 {
				skin++
				if x >= 2 {
					q := row[(x-2)*ch : (x-2)*ch+3]
					d := (r + 2*g + b) - (int(q[0]) + 2*int(q[1]) + int(q[2]))
					if d >= 4*blazeEdge || d <= -4*blazeEdge {
						edged++
					}
				}
			}
		}
	}
	return skin, edged, nil
}

// rgbaMat returns img as an 8-bit, 4-channel Mat in RGBA order (alpha
// unused). For what photo.Load returns, an *image.NRGBA whose rows are
// contiguous, the Mat is a view of its pixels, not a copy: at 12 MP the
// copy cost about 50 ms a look. The view holds img's pixels alive and must
// not be written to.
func rgbaMat(img image.Image) (gocv.Mat, error) {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	if n, ok := img.(*image.NRGBA); ok && n.Stride == 4*w && w > 0 && h > 0 {
		start := n.PixOffset(b.Min.X, b.Min.Y)
		m, err := gocv.NewMatFromBytes(h, w, gocv.MatTypeCV8UC4, n.Pix[start:start+4*w*h])
		if err != nil {
			return gocv.Mat{}, fmt.Errorf("vision: image to Mat: %w", err)
		}
		return m, nil
	}
	buf := make([]byte, 4*w*h)
	i := 0
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			buf[i], buf[i+1], buf[i+2], buf[i+3] = uint8(r>>8), uint8(g>>8), uint8(bl>>8), 255
			i += 4
		}
	}
	m, err := gocv.NewMatFromBytes(h, w, gocv.MatTypeCV8UC4, buf)
	if err != nil {
		return gocv.Mat{}, fmt.Errorf("vision: image to Mat: %w", err)
	}
	return m, nil
}

// suppress keeps the best-scoring of each group of hits overlapping with
// IoU above iou, its box the score-weighted mean of the group's (as
// MediaPipe blends them; only hits seen in the best one's turn), and
// notes the group's best upright score and the turns it was seen in.
func suppress(hits []blazeHit, iou float64) []blazeHit {
	sort.Slice(hits, func(i, j int) bool { return hits[i].score > hits[j].score })
	used := make([]bool, len(hits))
	var out []blazeHit
	for i, h := range hits {
		if used[i] {
			continue
		}
		var sum [4]float64
		var wsum float64
		for j := i; j < len(hits); j++ {
			if used[j] || boxIoU(h.box, hits[j].box) < iou {
				continue
			}
			used[j] = true
			h.turns |= 1 << hits[j].turn
			if hits[j].turn == 0 && !hits[j].between {
				h.upright = max(h.upright, hits[j].score)
			}
			if hits[j].turn != h.turn {
				continue // its box frames the face another way
			}
			for k := range sum {
				sum[k] += hits[j].box[k] * hits[j].score
			}
			wsum += hits[j].score
		}
		for k := range sum {
			h.box[k] = sum[k] / wsum
		}
		out = append(out, h)
	}
	return out
}

func boxIoU(a, b [4]float64) float64 {
	iw := math.Min(a[2], b[2]) - math.Max(a[0], b[0])
	ih := math.Min(a[3], b[3]) - math.Max(a[1], b[1])
	if iw <= 0 || ih <= 0 {
		return 0
	}
	in := iw * ih
	return in / ((a[2]-a[0])*(a[3]-a[1]) + (b[2]-b[0])*(b[3]-b[1]) - in)
}
