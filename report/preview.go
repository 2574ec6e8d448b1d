package report

import (
	"bytes"
	"image"
	"image/color"
	"image/draw"
	"image/jpeg"

	"github.com/disintegration/imaging"
	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"

	"photoaudit/risk"
)

// PreviewSide is the longer side of preview thumbnails.
const PreviewSide = 480

var kindColors = map[risk.Kind]color.NRGBA{
	risk.KindFace:   {255, 64, 64, 255},
	risk.KindText:   {255, 200, 0, 255},
	risk.KindScreen: {64, 160, 255, 255},
}

// Preview draws the findings' boxes and kinds on a thumbnail of the safe
// copy and returns it as JPEG. It is drawn on the safe copy, never the
// original, so the report shows where things were without showing them.
func Preview(safe image.Image, findings []Finding) ([]byte, error) {
	b := safe.Bounds()
	scale := float64(PreviewSide) / float64(max(b.Dx(), b.Dy()))
	if scale > 1 {
		scale = 1
	}
	thumb := imaging.Resize(safe, int(float64(b.Dx())*scale+0.5), 0, imaging.Box)
	for _, f := range findings {
		r := f.Rect()
		if r.Empty() {
			continue
		}
		r = image.Rect(int(float64(r.Min.X)*scale), int(float64(r.Min.Y)*scale),
			int(float64(r.Max.X)*scale), int(float64(r.Max.Y)*scale))
		c, ok := kindColors[f.Kind]
		if !ok {
			c = color.NRGBA{64, 220, 120, 255}
		}
		name := string(f.Kind)
		if f.Harmless {
			c, name = color.NRGBA{160, 160, 160, 255}, name+", harmless"
		}
		outline(thumb, r, c)
		label(thumb, r.Min, name, c)
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, thumb, &jpeg.Options{Quality: 80}); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func outline(img *image.NRGBA, r image.Rectangle, c color.NRGBA) {
	u := image.NewUniform(c)
	for _, e := range []image.Rectangle{
		{r.Min, image.Pt(r.Max.X, r.Min.Y+2)}, {image.Pt(r.Min.X, r.Max.Y-2), r.Max},
		{r.Min, image.Pt(r.Min.X+2, r.Max.Y)}, {image.Pt(r.Max.X-2, r.Min.Y), r.Max},
	} {
		draw.Draw(img, e.Intersect(img.Bounds()), u, image.Point{}, draw.Src)
	}
}

func label(img *image.NRGBA, at image.Point, text string, c color.NRGBA) {
	face := basicfont.Face7x13
	w := font.MeasureString(face, text).Ceil() + 4
	bg := image.Rect(at.X, at.Y-14, at.X+w, at.Y)
	if bg.Min.Y < 0 {
		bg = bg.Add(image.Pt(0, 14))
	}
	draw.Draw(img, bg.Intersect(img.Bounds()), image.NewUniform(c), image.Point{}, draw.Src)
	d := font.Drawer{Dst: img, Src: image.Black, Face: face,
		Dot: fixed.P(bg.Min.X+2, bg.Max.Y-3)}
	d.DrawString(text)
}
