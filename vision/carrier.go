package vision

import (
	"image"
	"math"
	"sort"

	"github.com/disintegration/imaging"
)

// Carriers. A name read on a badge, a label or a card is rarely all the
// object gives away: the same card holds a photo, an ID number, a barcode.
// When such a small object is not found as a surface (a white card against
// a bright sky, or tilted on a clipboard), the text that identified it
// leads to it: the colour around the text is the card's, and the card is
// the connected region of that colour around the text, if it ends within
// a few text heights of it. A region that runs on (a wall, a sheet of
// paper, the sky) is no carrier and nothing is added.

const (
	// carrierTol is how far (per channel, of 255) a pixel may be from
	// the card's colour: at 20 a white badge ran on into white cloud
	// beside it (eval-dev).
	carrierTol = 12
	// carrierStep is the most a pixel may differ from its neighbour on
	// the same card.
	carrierStep = 6
	// carrierReach is how far the search goes around the text: this many
	// text heights up and down, and half the text's width plus two
	// heights sideways.
	carrierReach = 9
	carrierWork  = 480
)

// Carrier returns the box of the plain-coloured object text is printed on
// and true, or false when the colour around text is not uniform or its
// region does not end within reach.
func Carrier(img image.Image, text image.Rectangle) (image.Rectangle, bool) {
	return carrier(img, text, func(w, h int) image.Point { return image.Pt(w/2+2*h, carrierReach*h) })
}

// pageReach is how far, in text heights, Page looks for the paper's
// edge each way: a form's header is a thirtieth of its page's height
// and more, a letter's 14 pt heading a sixtieth.
const pageReach = 40

// Page is Carrier for a sheet of paper or a screen's background: the
// plain-coloured region around text if it ends within pageReach text
// heights of it every way. A header that names a patient's record tells
// what the whole sheet under it is, when its other lines are too small
// or faint for the text detector to see.
func Page(img image.Image, text image.Rectangle) (image.Rectangle, bool) {
	return carrier(img, text, func(_, h int) image.Point { return image.Pt(pageReach*h, pageReach*h) })
}

// carrier finds the plain-coloured region around text, searching around
// it as far as reach says (sideways, and up and down) for the text's
// width and height within the photo.
func carrier(img image.Image, text image.Rectangle, reach func(w, h int) image.Point) (image.Rectangle, bool) {
	b := img.Bounds()
	text = text.Intersect(b)
	h := text.Dy()
	if text.Empty() || h < 4 {
		return image.Rectangle{}, false
	}
	far := reach(text.Dx(), h)
	win := image.Rect(text.Min.X-far.X, text.Min.Y-far.Y, text.Max.X+far.X, text.Max.Y+far.Y).Intersect(b)
	scale := math.Min(1, float64(carrierWork)/float64(max(win.Dx(), win.Dy())))
	w, hh := max(1, int(float64(win.Dx())*scale)), max(1, int(float64(win.Dy())*scale))
	crop := imaging.Resize(imaging.Crop(img, win), w, hh, imaging.Box)
	// The text box in crop pixels, and a ring just outside it.
	t := image.Rect(int(float64(text.Min.X-win.Min.X)*scale), int(float64(text.Min.Y-win.Min.Y)*scale),
		int(math.Ceil(float64(text.Max.X-win.Min.X)*scale)), int(math.Ceil(float64(text.Max.Y-win.Min.Y)*scale)))
	pad := 2
	ring := t.Inset(-pad).Intersect(crop.Bounds())
	var seeds []image.Point
	var rs, gs, bs []int
	for y := ring.Min.Y; y < ring.Max.Y; y++ {
		for x := ring.Min.X; x < ring.Max.X; x++ {
			if y != ring.Min.Y && y != ring.Max.Y-1 && x != ring.Min.X && x != ring.Max.X-1 {
				continue
			}
			i := crop.PixOffset(x, y)
			seeds = append(seeds, image.Pt(x, y))
			rs, gs, bs = append(rs, int(crop.Pix[i])), append(gs, int(crop.Pix[i+1])), append(bs, int(crop.Pix[i+2]))
		}
	}
	if len(seeds) < 8 {
		return image.Rectangle{}, false
	}
	seed := [3]int{median(rs), median(gs), median(bs)}
	near := func(x, y int) bool {
		i := crop.PixOffset(x, y)
		for c := 0; c < 3; c++ {
			if d := int(crop.Pix[i+c]) - seed[c]; d > carrierTol || d < -carrierTol {
				return false
			}
		}
		return true
	}
	// Most of the ring must be the card's colour.
	onCard := 0
	for _, p := range seeds {
		if near(p.X, p.Y) {
			onCard++
		}
	}
	if 2*onCard < len(seeds) {
		return image.Rectangle{}, false
	}
	// smooth says q continues p's surface: a card's edge against a wall
	// or the sky of nearly its colour is still a step.
	smooth := func(p, q image.Point) bool {
		i, j := crop.PixOffset(p.X, p.Y), crop.PixOffset(q.X, q.Y)
		for c := 0; c < 3; c++ {
			if d := int(crop.Pix[i+c]) - int(crop.Pix[j+c]); d > carrierStep || d < -carrierStep {
				return false
			}
		}
		return true
	}
	// Flood from the ring over the card's colour; the text box itself
	// counts as card.
	seen := make([]bool, w*hh)
	var stack []image.Point
	for _, p := range seeds {
		if near(p.X, p.Y) && !seen[p.Y*w+p.X] {
			seen[p.Y*w+p.X] = true
			stack = append(stack, p)
		}
	}
	r := t
	for len(stack) > 0 {
		p := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		r = r.Union(image.Rect(p.X, p.Y, p.X+1, p.Y+1))
		for _, d := range []image.Point{{1, 0}, {-1, 0}, {0, 1}, {0, -1}} {
			q := p.Add(d)
			if q.X < 0 || q.Y < 0 || q.X >= w || q.Y >= hh || seen[q.Y*w+q.X] || q.In(t) {
				continue
			}
			if near(q.X, q.Y) && smooth(p, q) {
				seen[q.Y*w+q.X] = true
				stack = append(stack, q)
			}
		}
	}
	// A region reaching the edge of the search (where that is not the
	// photo's edge) runs on: no carrier.
	if (r.Min.X <= 0 && win.Min.X > b.Min.X) || (r.Min.Y <= 0 && win.Min.Y > b.Min.Y) ||
		(r.Max.X >= w && win.Max.X < b.Max.X) || (r.Max.Y >= hh && win.Max.Y < b.Max.Y) {
		return image.Rectangle{}, false
	}
	out := image.Rect(win.Min.X+int(float64(r.Min.X)/scale), win.Min.Y+int(float64(r.Min.Y)/scale),
		win.Min.X+int(math.Ceil(float64(r.Max.X)/scale)), win.Min.Y+int(math.Ceil(float64(r.Max.Y)/scale)))
	return out.Union(text).Intersect(b), true
}

func median(xs []int) int {
	sort.Ints(xs)
	return xs[len(xs)/2]
}

// photoSide is the longer side a card is examined at for its photo.
const photoSide = 160

// PhotoSquare says whether the card at box, with text printed at text,
// holds a photo: a solid, roughly square patch of another colour than the
// card's, inside the card (touching none of its edges, as a header band
// or the background around a tilted card does), apart from the text, at
// least as tall as two of its lines. A staff or patient ID shows its
// wearer that way; a sign or a sticker does not.
func PhotoSquare(img image.Image, box, text image.Rectangle, lineHeight int) bool {
	box = box.Intersect(img.Bounds())
	if box.Empty() || lineHeight <= 0 {
		return false
	}
	scale := math.Min(1, float64(photoSide)/float64(max(box.Dx(), box.Dy())))
	w, h := max(1, int(float64(box.Dx())*scale)), max(1, int(float64(box.Dy())*scale))
	crop := imaging.Resize(imaging.Crop(img, box), w, h, imaging.Box)
	var rs, gs, bs []int
	for i := 0; i < len(crop.Pix); i += 4 {
		rs, gs, bs = append(rs, int(crop.Pix[i])), append(gs, int(crop.Pix[i+1])), append(bs, int(crop.Pix[i+2]))
	}
	card := [3]int{median(rs), median(gs), median(bs)}
	t := image.Rect(int(float64(text.Min.X-box.Min.X)*scale), int(float64(text.Min.Y-box.Min.Y)*scale),
		int(math.Ceil(float64(text.Max.X-box.Min.X)*scale)), int(math.Ceil(float64(text.Max.Y-box.Min.Y)*scale))).Inset(-2)
	other := func(x, y int) bool {
		if image.Pt(x, y).In(t) {
			return false
		}
		i := crop.PixOffset(x, y)
		for c := 0; c < 3; c++ {
			if d := int(crop.Pix[i+c]) - card[c]; d > 2*carrierTol || d < -2*carrierTol {
				return true
			}
		}
		return false
	}
	minSide := float64(2*lineHeight) * scale
	seen := make([]bool, w*h)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			if seen[y*w+x] || !other(x, y) {
				continue
			}
			// One patch of another colour, flooded.
			r := image.Rect(x, y, x+1, y+1)
			n := 0
			stack := []image.Point{{x, y}}
			seen[y*w+x] = true
			for len(stack) > 0 {
				p := stack[len(stack)-1]
				stack = stack[:len(stack)-1]
				r = r.Union(image.Rect(p.X, p.Y, p.X+1, p.Y+1))
				n++
				for _, d := range []image.Point{{1, 0}, {-1, 0}, {0, 1}, {0, -1}} {
					q := p.Add(d)
					if q.X < 0 || q.Y < 0 || q.X >= w || q.Y >= h || seen[q.Y*w+q.X] || !other(q.X, q.Y) {
						continue
					}
					seen[q.Y*w+q.X] = true
					stack = append(stack, q)
				}
			}
			if r.Min.X == 0 || r.Min.Y == 0 || r.Max.X == w || r.Max.Y == h {
				continue // a header band, or the background past a tilted card's corner
			}
			aspect := float64(r.Dx()) / float64(r.Dy())
			if aspect < 0.6 || aspect > 1.6 || float64(min(r.Dx(), r.Dy())) < minSide {
				continue
			}
			if float64(n) >= 0.6*float64(r.Dx()*r.Dy()) {
				return true
			}
		}
	}
	return false
}
