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
	if _, err := b.forward(image.Point{}, 1, 0); err != nil {
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
}

// detect finds faces of minFace px and larger in img and returns those
// scoring at least threshold, overlaps merged.
func (b *blazeFace) detect(img image.Image, minFace int, threshold float64) ([]blazeHit, error) {
	full, err := rgbaMat(img)
	if err != nil {
		return nil, err
	}
	defer full.Close()
	w, h := full.Cols(), full.Rows()
	var hits []blazeHit
	colour := isColour(img)
	scale := float64(blazeFaceIn) / float64(max(minFace, 1))
	// Each level is resized from the one before (the photo for the
	// first): area-averaging 12 MP afresh for every level cost about
	// 0.1 s a look.
	src := full
	defer func() {
		if src.Ptr() != full.Ptr() {
			src.Close()
		}
	}()
	for {
		sw, sh := int(math.Round(float64(w)*scale)), int(math.Round(float64(h)*scale))
		last := sw <= blazeSize && sh <= blazeSize
		if last {
			// The whole photo in one tile, its longer side filling it.
			scale = float64(blazeSize) / float64(max(w, h))
			sw, sh = int(math.Round(float64(w)*scale)), int(math.Round(float64(h)*scale))
		}
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
		got, err := b.level(src, scale, threshold, colour && !last)
		if err != nil {
			return nil, err
		}
		hits = append(hits, got...)
		if last {
			break
		}
		scale /= blazeLevelStep
	}
	return suppress(hits, 0.3), nil
}

// level runs the network over overlapping tiles of m, the photo scaled by
// scale.
// With skipBare, a tile is not run unless it has enough skin-toned
// pixels for the smallest face (a tenth of its area) and half as many of
// them at an edge: a face has eyes, brows and a mouth, a plain wall or
// desk of skin tone has none. Measured on eval-dev composites (3,066
// tiles): skin alone skipped 347, with edges 486 (a 14 px face, even
// blurred with sigma 3, has 190+ edge pixels against the 9 asked);
// face recall the same on both sets.
func (b *blazeFace) level(m gocv.Mat, scale, threshold float64, skipBare bool) ([]blazeHit, error) {
	size := image.Pt(m.Cols(), m.Rows())
	// A level handles faces up to blazeFaceIn*blazeLevelStep px; the next
	// coarser level takes larger ones. Tiles overlap so that each such
	// face is whole in one of them.
	step := blazeSize - min(blazeFaceIn*blazeLevelStep, blazeSize/2)
	minSkin := blazeFaceIn * blazeFaceIn / 10
	var hits []blazeHit
	for y0 := 0; ; y0 += step {
		for x0 := 0; ; x0 += step {
			skin, edged, err := fillBlob(b.net.input(), m, x0, y0)
			if err != nil {
				return nil, err
			}
			if !skipBare || (skin >= minSkin && edged >= minSkin/2) {
				got, err := b.forward(image.Pt(x0, y0), scale, threshold)
				if err != nil {
					return nil, err
				}
				hits = append(hits, got...)
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
// at origin in an image scaled by scale from the photo, and returns the
// detections scoring at least threshold in the photo's coordinates.
func (b *blazeFace) forward(origin image.Point, scale, threshold float64) ([]blazeHit, error) {
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
			hits = append(hits, blazeHit{box: [4]float64{
				(float64(origin.X) + cx - bw/2) / scale, (float64(origin.Y) + cy - bh/2) / scale,
				(float64(origin.X) + cx + bw/2) / scale, (float64(origin.Y) + cy + bh/2) / scale,
			}, score: score})
		}
	}
	return hits, nil
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
// MediaPipe blends them).
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
