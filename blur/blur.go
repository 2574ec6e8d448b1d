// Package blur owns irreversible redaction of regions of an image: solid
// fill, pixelation or a strong blur, each with a margin around the region
// and an ellipse for faces. It is pure Go over image.Image and never
// modifies its input.
package blur

import (
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"math"
	"math/rand/v2"

	"github.com/disintegration/imaging"
)

// Method is how a region is made unreadable.
type Method string

// The redaction methods.
const (
	Solid    Method = "solid"
	Pixelate Method = "pixelate"
	Blur     Method = "blur"
)

// ParseMethod reads a --redact value.
func ParseMethod(s string) (Method, error) {
	switch m := Method(s); m {
	case Solid, Pixelate, Blur:
		return m, nil
	}
	return "", fmt.Errorf("blur: unknown redaction method %q (want solid, pixelate or blur)", s)
}

// Shape is the outline of a redacted region.
type Shape int

// Shapes: faces are covered by the ellipse inscribed in their box.
const (
	Rect Shape = iota
	Ellipse
)

// Region is one area to redact, in the image's pixel coordinates.
type Region struct {
	Box   image.Rectangle
	Shape Shape
}

// Options tune redaction.
type Options struct {
	// Method is solid (default), pixelate or blur.
	Method Method `yaml:"method" json:"method"`
	// Margin grows each box by this fraction of its shorter side on every
	// edge (default 0.15), so edges of letters and hairlines go too.
	Margin float64 `yaml:"margin" json:"margin"`
	// MinMargin is the least margin in pixels (default 4).
	MinMargin int `yaml:"min_margin" json:"min_margin"`
	// Color fills solid regions (default black).
	Color color.NRGBA `yaml:"-" json:"-"`
}

// DefaultOptions returns the documented defaults.
func DefaultOptions() Options {
	return Options{Method: Solid, Margin: 0.15, MinMargin: 4, Color: color.NRGBA{A: 255}}
}

// Grow returns box grown by the options' margin and clipped to bounds.
func (o Options) Grow(box, bounds image.Rectangle) image.Rectangle {
	return box.Inset(-o.margin(box)).Intersect(bounds)
}

// Touched returns the part of bounds that Redact may change for box:
// Grow's box, and for pixelate and blur the ring they fade out over.
func (o Options) Touched(box, bounds image.Rectangle) image.Rectangle {
	grown := o.Grow(box, bounds)
	if o.Method == Pixelate || o.Method == Blur {
		grown = grown.Inset(-o.margin(box)).Intersect(bounds)
	}
	return grown
}

// margin is the margin in pixels for box.
func (o Options) margin(box image.Rectangle) int {
	short := min(box.Dx(), box.Dy())
	return max(int(math.Ceil(o.Margin*float64(short))), o.MinMargin)
}

// Redact returns a copy of img with every region made unreadable: the
// region grown by the margin is covered whole (solid fill, mosaic, or a
// blur over a mosaic). Pixelate and blur then fade out over a ring as wide
// again as the margin, so the patch has a soft edge, not the hard one of
// a stamp; the ring only adds to what is covered. Solid keeps its hard
// edge.
func Redact(img image.Image, regions []Region, opts Options) *image.NRGBA {
	out := imaging.Clone(img)
	for _, r := range regions {
		box := opts.Grow(r.Box, out.Bounds())
		if box.Empty() {
			continue
		}
		if opts.Method != Pixelate && opts.Method != Blur {
			patch := image.NewNRGBA(box)
			draw.Draw(patch, box, image.NewUniform(opts.Color), image.Point{}, draw.Src)
			var mask image.Image
			if r.Shape == Ellipse {
				mask = ellipseMask(box)
			}
			draw.DrawMask(out, box, patch, box.Min, mask, box.Min, draw.Over)
			continue
		}
		ring := opts.margin(r.Box)
		outer := box.Inset(-ring).Intersect(out.Bounds())
		patch := pixelate(out, outer)
		if opts.Method == Blur {
			patch = blurred(patch, outer)
		}
		draw.DrawMask(out, outer, patch, outer.Min, softMask(box, ring, outer, r.Shape), outer.Min, draw.Over)
	}
	return out
}

// softMask is opaque over box (or the ellipse inscribed in it) and fades
// to nothing over ring pixels beyond it, within outer.
func softMask(box image.Rectangle, ring int, outer image.Rectangle, shape Shape) *image.Alpha {
	m := image.NewAlpha(outer)
	cx, cy := float64(box.Min.X+box.Max.X)/2, float64(box.Min.Y+box.Max.Y)/2
	rx, ry := float64(box.Dx())/2, float64(box.Dy())/2
	f := float64(max(ring, 1))
	for y := outer.Min.Y; y < outer.Max.Y; y++ {
		for x := outer.Min.X; x < outer.Max.X; x++ {
			px, py := float64(x)+0.5, float64(y)+0.5
			var beyond float64 // how far outside the covered shape, in px
			if shape == Ellipse {
				// Distance along the ray from the centre, in px at the
				// ellipse's scale there: exact on the axes, close between.
				dx, dy := (px-cx)/rx, (py-cy)/ry
				d := math.Hypot(dx, dy)
				if d > 1 {
					r := math.Hypot(dx*rx, dy*ry) / d // the ellipse's radius along the ray
					beyond = (d - 1) * r
				}
			} else {
				beyond = math.Max(math.Max(float64(box.Min.X)-px, px-float64(box.Max.X)), math.Max(float64(box.Min.Y)-py, py-float64(box.Max.Y)))
			}
			a := 1.0
			if beyond > 0 {
				a = math.Max(0, 1-beyond/f)
			}
			m.Pix[m.PixOffset(x, y)] = uint8(math.Round(255 * a))
		}
	}
	return m
}

// cellSize ties pixelation to region size: no more than about six cells
// across the shorter side, and never under 8 px, so neither a face nor a
// line of text survives.
func cellSize(box image.Rectangle) int {
	short := box.Dx()
	if box.Dy() < short {
		short = box.Dy()
	}
	c := short / 6
	if c < 8 {
		c = 8
	}
	return c
}

// pixelate averages cells of the box into flat colour.
func pixelate(img *image.NRGBA, box image.Rectangle) *image.NRGBA {
	c := cellSize(box)
	patch := image.NewNRGBA(box)
	for y := box.Min.Y; y < box.Max.Y; y += c {
		for x := box.Min.X; x < box.Max.X; x += c {
			cell := image.Rect(x, y, x+c, y+c).Intersect(box)
			draw.Draw(patch, cell, image.NewUniform(mean(img, cell)), image.Point{}, draw.Src)
		}
	}
	return patch
}

func mean(img *image.NRGBA, r image.Rectangle) color.NRGBA {
	var sr, sg, sb, n uint64
	for y := r.Min.Y; y < r.Max.Y; y++ {
		i := img.PixOffset(r.Min.X, y)
		for x := r.Min.X; x < r.Max.X; x++ {
			sr += uint64(img.Pix[i])
			sg += uint64(img.Pix[i+1])
			sb += uint64(img.Pix[i+2])
			n++
			i += 4
		}
	}
	if n == 0 {
		return color.NRGBA{A: 255}
	}
	return color.NRGBA{uint8(sr / n), uint8(sg / n), uint8(sb / n), 255}
}

// blurred smooths a mosaic of box (pixelate's: no deconvolution can
// bring back detail the cells averaged away) with a sigma of a quarter of
// the shorter side, then adds a fine grain, seeded by the box, so the
// patch reads as frosted glass rather than a flat disc.
func blurred(p *image.NRGBA, box image.Rectangle) *image.NRGBA {
	short := box.Dx()
	if box.Dy() < short {
		short = box.Dy()
	}
	sigma := float64(short) / 4
	if sigma < 4 {
		sigma = 4
	}
	b := imaging.Blur(p.SubImage(box), sigma)
	// imaging returns a zero-origin image; move it back over box.
	out := image.NewNRGBA(box)
	draw.Draw(out, box, b, image.Point{}, draw.Src)
	rng := rand.New(rand.NewPCG(uint64(box.Min.X)<<32|uint64(box.Min.Y), uint64(box.Dx())<<32|uint64(box.Dy())))
	for i := 0; i < len(out.Pix); i += 4 {
		g := rng.IntN(2*grain+1) - grain
		for c := 0; c < 3; c++ {
			out.Pix[i+c] = uint8(min(255, max(0, int(out.Pix[i+c])+g)))
		}
	}
	return out
}

// grain is the most a blurred patch's grain moves a level (of 255).
const grain = 6

// ellipseMask is opaque inside the ellipse inscribed in box.
func ellipseMask(box image.Rectangle) *image.Alpha {
	m := image.NewAlpha(box)
	cx := float64(box.Min.X+box.Max.X) / 2
	cy := float64(box.Min.Y+box.Max.Y) / 2
	rx := float64(box.Dx()) / 2
	ry := float64(box.Dy()) / 2
	for y := box.Min.Y; y < box.Max.Y; y++ {
		dy := (float64(y) + 0.5 - cy) / ry
		for x := box.Min.X; x < box.Max.X; x++ {
			dx := (float64(x) + 0.5 - cx) / rx
			if dx*dx+dy*dy <= 1 {
				m.Pix[m.PixOffset(x, y)] = 255
			}
		}
	}
	return m
}
