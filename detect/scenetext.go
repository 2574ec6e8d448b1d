package detect

import (
	"image"
	"image/draw"
	"slices"
	"sort"

	"github.com/disintegration/imaging"

	"photoaudit/ocr"
	"photoaudit/vision"
)

// Scene text: the neural detector finds text lines that Tesseract's own
// page layout passed over (angled screens, signs, labels, handwriting).
// Each such line is cut out, scaled to mosaicLine px high, and stacked with
// the others into one mosaic that Tesseract reads in one call, page by
// page; the words it reads are mapped back to the photo.
const (
	mosaicLine  = 48   // line height in the mosaic
	mosaicGap   = 24   // white space between lines
	mosaicPad   = 16   // white margin left and right
	mosaicWidth = 2400 // widest line; longer lines are scaled down
	mosaicPage  = 4000 // tallest mosaic read in one call
)

// strip is one line's place in a mosaic page.
type strip struct {
	src   image.Rectangle // in the photo
	y0    int             // top in the page
	scale float64         // page px per photo px
}

// sceneText reads the detector's text lines (found) that are neither
// covered by the lines Tesseract read in the whole photo nor inside a
// region that will be redacted whole.
func (d *Detector) sceneText(img image.Image, found []vision.Region, read []ocr.Line, redacted []image.Rectangle) ([]ocr.Line, error) {
	var todo []vision.Region
	for _, r := range found {
		if !coveredBy(r.Box, read) && !insideAny(r.Box, redacted) {
			todo = append(todo, r)
		}
	}
	if len(todo) == 0 {
		return nil, nil
	}
	return d.readLines(img, todo)
}

// readLines reads the given text lines of img through mosaics, and with
// the recogniser those that Tesseract read nothing confident on.
func (d *Detector) readLines(img image.Image, todo []vision.Region) ([]ocr.Line, error) {
	all := todo
	todo = slices.Clone(todo)
	sort.Slice(todo, func(i, j int) bool {
		a, b := todo[i].Box.Min, todo[j].Box.Min
		return a.Y < b.Y || a.Y == b.Y && a.X < b.X
	})
	var out []ocr.Line
	for len(todo) > 0 {
		page, strips, rest := mosaic(img, todo)
		todo = rest
		lines, err := d.reader.ReadAsIs(page)
		if err != nil {
			return nil, err
		}
		out = append(out, unmosaic(lines, strips)...)
	}
	rec, err := d.recognise(img, all, out)
	if err != nil {
		return nil, err
	}
	// What the recogniser read confidently replaces what Tesseract made
	// of the same line: two readings of one line would be judged as
	// twice the words, the unsure half dragging the sure one down.
	for _, r := range rec {
		if len(r.Words) > 0 && r.Words[0].Conf >= goodWordConf {
			out = dropWordsIn(out, r.Box)
		}
	}
	return append(out, rec...), nil
}

// dropWordsIn removes from lines the words whose centre lies in box.
func dropWordsIn(lines []ocr.Line, box image.Rectangle) []ocr.Line {
	var out []ocr.Line
	for _, l := range lines {
		kept := ocr.Line{}
		for _, wd := range l.Words {
			if !center(wd.Box).In(box) {
				kept.Words = append(kept.Words, wd)
				kept.Box = kept.Box.Union(wd.Box)
			}
		}
		if len(kept.Words) > 0 {
			out = append(out, kept)
		}
	}
	return out
}

// coveredBy says whether half of box lies in lines already read.
func coveredBy(box image.Rectangle, lines []ocr.Line) bool {
	area := box.Dx() * box.Dy()
	in := 0
	for _, l := range lines {
		i := box.Intersect(l.Box)
		in += i.Dx() * i.Dy()
	}
	return area > 0 && 2*in >= area
}

// insideAny says whether most of box lies in one of boxes.
func insideAny(box image.Rectangle, boxes []image.Rectangle) bool {
	_, ok := insideWhich(box, boxes)
	return ok
}

// insideWhich returns the first of boxes that box lies mostly inside.
func insideWhich(box image.Rectangle, boxes []image.Rectangle) (image.Rectangle, bool) {
	area := box.Dx() * box.Dy()
	for _, b := range boxes {
		i := box.Intersect(b)
		if area > 0 && 4*i.Dx()*i.Dy() >= 3*area {
			return b, true
		}
	}
	return image.Rectangle{}, false
}

// mosaic stacks lines onto a white page until it is mosaicPage px tall,
// and returns the lines left over.
func mosaic(img image.Image, lines []vision.Region) (*image.NRGBA, []strip, []vision.Region) {
	var strips []strip
	y, width := mosaicGap, 0
	n := 0
	for _, l := range lines {
		r := l.Box.Inset(-max(2, l.Box.Dy()/8)).Intersect(img.Bounds())
		scale := float64(mosaicLine) / float64(r.Dy())
		if float64(r.Dx())*scale > mosaicWidth {
			scale = mosaicWidth / float64(r.Dx())
		}
		h := int(float64(r.Dy())*scale + 0.5)
		if n > 0 && y+h+mosaicGap > mosaicPage {
			break
		}
		strips = append(strips, strip{src: r, y0: y, scale: scale})
		width = max(width, int(float64(r.Dx())*scale+0.5))
		y += h + mosaicGap
		n++
	}
	page := image.NewNRGBA(image.Rect(0, 0, width+2*mosaicPad, y))
	draw.Draw(page, page.Bounds(), image.White, image.Point{}, draw.Src)
	for _, s := range strips {
		cut := imaging.Crop(img, s.src)
		w := max(1, int(float64(s.src.Dx())*s.scale+0.5))
		h := max(1, int(float64(s.src.Dy())*s.scale+0.5))
		scaled := whiteBackground(imaging.Grayscale(imaging.Resize(cut, w, h, imaging.Linear)))
		draw.Draw(page, image.Rect(mosaicPad, s.y0, mosaicPad+w, s.y0+h), scaled, image.Point{}, draw.Src)
	}
	return page, strips, lines[n:]
}

// whiteBackground stretches a grey line so that its background (the most
// common side of its tones) is white and its text dark: Tesseract's page
// layout takes a stack of tinted boxes for pictures and reads none of them,
// and light text on a dark screen comes out dark on white.
func whiteBackground(g *image.NRGBA) *image.NRGBA {
	var hist [256]int
	n := 0
	for i := 0; i < len(g.Pix); i += 4 {
		hist[g.Pix[i]]++
		n++
	}
	pct := func(p float64) int {
		c := 0
		for v, k := range hist {
			c += k
			if float64(c) >= p*float64(n) {
				return v
			}
		}
		return 255
	}
	lo, mid, hi := pct(0.05), pct(0.5), pct(0.95)
	invert := mid-lo < hi-mid // most pixels nearer the dark end: dark background
	span := max(1, hi-lo)
	for i := 0; i < len(g.Pix); i += 4 {
		v := (int(g.Pix[i]) - lo) * 255 / span
		v = min(255, max(0, v))
		if invert {
			v = 255 - v
		}
		g.Pix[i], g.Pix[i+1], g.Pix[i+2] = uint8(v), uint8(v), uint8(v)
	}
	return g
}

// unmosaic maps words read on a page back to the photo: each word to the
// strip its centre falls in; a line Tesseract ran across two strips is
// split between them.
func unmosaic(lines []ocr.Line, strips []strip) []ocr.Line {
	var out []ocr.Line
	for _, l := range lines {
		byStrip := map[int]*ocr.Line{}
		var order []int
		for _, wd := range l.Words {
			cy := (wd.Box.Min.Y + wd.Box.Max.Y) / 2
			i := sort.Search(len(strips), func(i int) bool { return strips[i].y0 > cy }) - 1
			if i < 0 {
				continue
			}
			s := strips[i]
			back := func(p image.Point) image.Point {
				return image.Pt(s.src.Min.X+int(float64(p.X-mosaicPad)/s.scale), s.src.Min.Y+int(float64(p.Y-s.y0)/s.scale))
			}
			wd.Box = image.Rectangle{Min: back(wd.Box.Min), Max: back(wd.Box.Max)}.Intersect(s.src)
			if wd.Box.Empty() {
				continue
			}
			nl, ok := byStrip[i]
			if !ok {
				nl = &ocr.Line{}
				byStrip[i] = nl
				order = append(order, i)
			}
			nl.Words = append(nl.Words, wd)
			nl.Box = nl.Box.Union(wd.Box)
		}
		for _, i := range order {
			out = append(out, *byStrip[i])
		}
	}
	return out
}
