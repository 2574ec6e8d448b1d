package vision

import (
	"image"
	"image/color"
	"image/draw"
	"math/rand"
	"testing"

	"photoaudit/internal/fixture"
)

// The card a name is printed on is found around the name, even against a
// sky nearly as light as the card; a name on a wall, a page or a busy
// background has no carrier.
func TestCarrier(t *testing.T) {
	paint := func(img *image.NRGBA, r image.Rectangle, c color.NRGBA) {
		draw.Draw(img, r, image.NewUniform(c), image.Point{}, draw.Src)
	}
	card := func(bg func(img *image.NRGBA)) (*image.NRGBA, image.Rectangle, image.Rectangle) {
		img := image.NewNRGBA(image.Rect(0, 0, 1600, 1200))
		bg(img)
		c := image.Rect(700, 300, 870, 550)
		paint(img, c, color.NRGBA{252, 252, 252, 255})
		paint(img, image.Rect(700, 300, 870, 334), color.NRGBA{20, 140, 80, 255})
		paint(img, image.Rect(745, 350, 825, 440), color.NRGBA{170, 170, 180, 255})
		name := fixture.Text(img, 714, 460, 20, color.Black, "John Johnson")
		return img, c, name
	}
	sky := func(img *image.NRGBA) {
		for y := 0; y < 1200; y++ {
			// Blue at the top, a cloud nearly as white as the card from
			// its bottom edge down.
			v := uint8(180 + y*40/1200)
			paint(img, image.Rect(0, y, 1600, y+1), color.NRGBA{v, v + 30, 245, 255})
		}
		paint(img, image.Rect(0, 550, 1600, 1200), color.NRGBA{244, 250, 246, 255})
	}
	busy := func(img *image.NRGBA) {
		rng := rand.New(rand.NewSource(1))
		for i := range img.Pix {
			img.Pix[i] = uint8(rng.Intn(256))
		}
	}
	for name, bg := range map[string]func(*image.NRGBA){"sky": sky, "busy": busy} {
		img, c, text := card(bg)
		got, ok := Carrier(img, text)
		in := got.Intersect(c)
		if !ok || float64(in.Dx()*in.Dy()) < 0.7*float64(c.Dx()*c.Dy()) || got.Dx() > c.Dx()+20 || got.Dy() > c.Dy()+20 {
			t.Errorf("card on %s: carrier %v, %v; want about %v", name, got, ok, c)
		}
	}

	wall := image.NewNRGBA(image.Rect(0, 0, 1600, 1200))
	paint(wall, wall.Bounds(), color.NRGBA{250, 250, 248, 255})
	onWall := fixture.Text(wall, 700, 500, 20, color.Black, "John Johnson")
	noisy := image.NewNRGBA(image.Rect(0, 0, 1600, 1200))
	rng := rand.New(rand.NewSource(2))
	for i := range noisy.Pix {
		noisy.Pix[i] = uint8(rng.Intn(256))
	}
	onNoise := fixture.Text(noisy, 700, 500, 20, color.Black, "John Johnson")
	for name, c := range map[string]struct {
		img  image.Image
		text image.Rectangle
	}{"wall": {wall, onWall}, "noise": {noisy, onNoise}} {
		if got, ok := Carrier(c.img, c.text); ok {
			t.Errorf("name on %s: carrier %v, want none", name, got)
		}
	}
}

// The sheet a form's header is printed on is found from the header alone,
// its lines too faint and small to matter, on a busy background; a header
// on a wall has no page.
func TestPage(t *testing.T) {
	img := image.NewNRGBA(image.Rect(0, 0, 2400, 1800))
	rng := rand.New(rand.NewSource(3))
	for i := range img.Pix {
		img.Pix[i] = uint8(rng.Intn(256))
	}
	sheet := image.Rect(900, 400, 1320, 960)
	draw.Draw(img, sheet, image.NewUniform(color.NRGBA{250, 250, 244, 255}), image.Point{}, draw.Src)
	header := fixture.TextIn(img, fixture.FontBold, 925, 425, 28, color.Black, "Patient Intake Form")
	for i := 0; i < 9; i++ {
		fixture.TextIn(img, fixture.FontRegular, 930, 500+i*48, 14, color.NRGBA{190, 190, 190, 255}, "Name: Robert Taylor")
	}
	if _, ok := Carrier(img, header); ok {
		t.Error("the sheet is a carrier: its bottom is beyond a card's reach, so Page is needed")
	}
	got, ok := Page(img, header)
	in := got.Intersect(sheet)
	if !ok || float64(in.Dx()*in.Dy()) < 0.9*float64(sheet.Dx()*sheet.Dy()) || got.Dx() > sheet.Dx()+30 || got.Dy() > sheet.Dy()+30 {
		t.Errorf("page %v, %v; want about %v", got, ok, sheet)
	}
	wall := image.NewNRGBA(image.Rect(0, 0, 2400, 1800))
	draw.Draw(wall, wall.Bounds(), image.NewUniform(color.NRGBA{250, 250, 248, 255}), image.Point{}, draw.Src)
	onWall := fixture.TextIn(wall, fixture.FontBold, 925, 425, 28, color.Black, "Patient Intake Form")
	if got, ok := Page(wall, onWall); ok {
		t.Errorf("header on a wall: page %v, want none", got)
	}
}

// A badge shows a photo beside the name, on any background and tilted; a
// sign, a sticker with a logo band, or a card whose only other colour is
// its header does not.
func TestPhotoSquare(t *testing.T) {
	bg := color.NRGBA{30, 30, 36, 255}
	for _, c := range []struct {
		name string
		draw func(img *image.NRGBA) fixture.Region
		want bool
	}{
		{"badge", func(img *image.NRGBA) fixture.Region {
			return fixture.StaffBadge(img, 600, 300, 1, 0, color.NRGBA{200, 40, 50, 255}, fixture.FontMono, "Karen Mitchell", "RN")
		}, true},
		{"badge tilted", func(img *image.NRGBA) fixture.Region {
			return fixture.StaffBadge(img, 600, 300, 1.3, -9, color.NRGBA{30, 70, 160, 255}, fixture.FontItalic, "Brian Foster", "Front Desk")
		}, true},
		{"sign with a header band", func(img *image.NRGBA) fixture.Region {
			r := image.Rect(600, 300, 900, 500)
			draw.Draw(img, r, image.NewUniform(color.NRGBA{250, 250, 250, 255}), image.Point{}, draw.Src)
			draw.Draw(img, image.Rect(600, 300, 900, 340), image.NewUniform(color.NRGBA{200, 40, 50, 255}), image.Point{}, draw.Src)
			fixture.Text(img, 620, 380, 24, color.Black, "STAFF ONLY")
			fixture.Text(img, 620, 430, 24, color.Black, "Thank you")
			return fixture.Region{Box: r}
		}, false},
	} {
		img := image.NewNRGBA(image.Rect(0, 0, 1600, 1200))
		draw.Draw(img, img.Bounds(), image.NewUniform(bg), image.Point{}, draw.Src)
		reg := c.draw(img)
		// The text: the card's lower third, as the detector's lines cover it.
		b := reg.Box
		text := image.Rect(b.Min.X+b.Dx()/10, b.Min.Y+b.Dy()*3/5, b.Max.X-b.Dx()/10, b.Max.Y-b.Dy()/10)
		card, ok := Carrier(img, text)
		if !ok {
			t.Errorf("%s: no carrier around %v", c.name, text)
			continue
		}
		if got := PhotoSquare(img, card, text, text.Dy()/3); got != c.want {
			t.Errorf("%s: PhotoSquare on %v = %v, want %v", c.name, card, got, c.want)
		}
	}
}
