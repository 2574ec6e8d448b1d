package barcode

import (
	"image"
	"image/draw"
	"testing"

	"photoaudit/internal/fixture"
)

func TestDecode(t *testing.T) {
	bars := fixture.Code128("84341540", 300, 80)
	img := image.NewGray(image.Rect(0, 0, 400, 160))
	draw.Draw(img, img.Bounds(), image.White, image.Point{}, draw.Src)
	draw.Draw(img, bars.Bounds().Add(image.Pt(50, 40)), bars, image.Point{}, draw.Src)
	codes, err := Decode(img)
	if err != nil {
		t.Fatal(err)
	}
	if len(codes) == 0 || codes[0].Text != "84341540" || codes[0].Format != "CODE_128" {
		t.Fatalf("codes %+v, want CODE_128 84341540", codes)
	}
	blank := image.NewGray(image.Rect(0, 0, 200, 100))
	if codes, err := Decode(blank); err != nil || len(codes) != 0 {
		t.Errorf("blank image: %+v, %v", codes, err)
	}
}

// A product's EAN-13 decodes as a product code; a label's Code 128 does
// not.
func TestProduct(t *testing.T) {
	for _, c := range []struct {
		bars *image.Gray
		want bool
	}{{fixture.EAN13("400638133393", 380, 120), true}, {fixture.Code128("84341540", 300, 80), false}} {
		img := image.NewGray(image.Rect(0, 0, c.bars.Bounds().Dx()+100, c.bars.Bounds().Dy()+80))
		draw.Draw(img, img.Bounds(), image.White, image.Point{}, draw.Src)
		draw.Draw(img, c.bars.Bounds().Add(image.Pt(50, 40)), c.bars, image.Point{}, draw.Src)
		codes, err := Decode(img)
		if err != nil {
			t.Fatal(err)
		}
		if len(codes) == 0 || codes[0].Product() != c.want {
			t.Errorf("codes %+v, want one with Product() %v", codes, c.want)
		}
	}
}
