// Package barcode owns reading barcodes and QR codes, with gozxing (pure
// Go, a port of ZXing): wristbands, labels and forms carry record numbers
// and names in them, readable by any phone.
package barcode

import (
	"fmt"
	"image"

	"github.com/disintegration/imaging"
	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/oned"
	"github.com/makiuchi-d/gozxing/qrcode"
)

// Code is one decoded barcode. Text is its raw content and must not leave
// the process unmasked.
type Code struct {
	Format string
	Text   string
}

// Product says whether c is a retail product's code (UPC, EAN): it names
// a product, not a person. Over rows of small print the UPC-E and EAN
// readers also decode, now and then, what is no code at all (eval-dev's
// composites at half size: a UPC-E read off a page of text).
func (c Code) Product() bool {
	switch c.Format {
	case "UPC_A", "UPC_E", "EAN_8", "EAN_13":
		return true
	}
	return false
}

// readers are tried in turn; each finds at most one code.
func readers() []gozxing.Reader {
	return []gozxing.Reader{
		qrcode.NewQRCodeReader(), oned.NewCode128Reader(), oned.NewCode39Reader(),
		oned.NewCode93Reader(), oned.NewCodaBarReader(), oned.NewITFReader(),
		oned.NewMultiFormatUPCEANReader(nil),
	}
}

// Decode returns the codes found in img, upright or turned a quarter (a
// label on a wrist is often vertical in a photo).
func Decode(img image.Image) ([]Code, error) {
	var out []Code
	seen := map[string]bool{}
	hints := map[gozxing.DecodeHintType]interface{}{gozxing.DecodeHintType_TRY_HARDER: true}
	for _, im := range []image.Image{img, imaging.Rotate90(img)} {
		bmp, err := gozxing.NewBinaryBitmapFromImage(im)
		if err != nil {
			return nil, fmt.Errorf("barcode: %w", err)
		}
		for _, r := range readers() {
			res, err := r.Decode(bmp, hints)
			if err != nil {
				// Not found, a bad checksum or a malformed code all mean
				// this reader read nothing here.
				continue
			}
			key := res.GetBarcodeFormat().String() + "\x00" + res.GetText()
			if !seen[key] {
				seen[key] = true
				out = append(out, Code{Format: res.GetBarcodeFormat().String(), Text: res.GetText()})
			}
		}
	}
	return out, nil
}
