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
