package detect

import (
	"image"
	"image/color"
	"image/draw"
	"slices"
	"strings"
	"testing"

	"photoaudit/internal/fixture"
	"photoaudit/ocr"
	"photoaudit/risk"
	"photoaudit/vision"
)

// Lines of different sizes, cut into a mosaic, read by Tesseract and
// mapped back, land on the words where they are in the photo.
func TestMosaicRoundTrip(t *testing.T) {
	img := image.NewNRGBA(image.Rect(0, 0, 2000, 1500))
	draw.Draw(img, img.Bounds(), image.NewUniform(color.NRGBA{200, 190, 170, 255}), image.Point{}, draw.Src)
	texts := []struct {
		x, y, size int
		text       string
	}{
		{100, 100, 14, "Patient Harold Jenkins"},
		{900, 700, 40, "Room 12 follow up"},
		{300, 1300, 20, "DOB 04/12/1957"},
	}
	var lines []vision.Region
	for _, tx := range texts {
		box := fixture.Text(img, tx.x, tx.y, float64(tx.size), color.Black, tx.text)
		// A loose box, as the detector gives.
		lines = append(lines, vision.Region{Kind: "text", Box: box.Inset(-4)})
	}
	page, strips, rest := mosaic(img, lines)
	if len(rest) != 0 || len(strips) != 3 {
		t.Fatalf("%d strips, %d left over", len(strips), len(rest))
	}
	r, err := ocr.NewReader(ocr.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	read, err := r.ReadAsIs(page)
	if err != nil {
		t.Fatal(err)
	}
	back := unmosaic(read, strips)
	for i, tx := range texts {
		var got []string
		for _, l := range back {
			if l.Box.In(lines[i].Box.Inset(-max(2, lines[i].Box.Dy()/8))) {
				got = append(got, l.Text())
			}
		}
		if joined := strings.Join(got, " "); !strings.Contains(joined, strings.Fields(tx.text)[1]) {
			t.Errorf("line %q: read back in its box as %q; all: %v", tx.text, joined, back)
		}
	}
}

// A page holds as many lines as fit in mosaicPage px; the rest come back.
func TestMosaicPages(t *testing.T) {
	img := image.NewNRGBA(image.Rect(0, 0, 500, 5000))
	var lines []vision.Region
	for y := 0; y+20 <= 5000; y += 25 {
		lines = append(lines, vision.Region{Box: image.Rect(10, y, 300, y+20)})
	}
	page, strips, rest := mosaic(img, lines)
	if page.Bounds().Dy() > mosaicPage || len(strips)+len(rest) != len(lines) || len(rest) == 0 {
		t.Errorf("page %v, %d strips, %d left of %d", page.Bounds(), len(strips), len(rest), len(lines))
	}
}

// A surface passes as harmless on its second reading only if every line
// the detector saw was read: a clean title must not clear unread
// handwriting below it.
func TestAllRead(t *testing.T) {
	title := vision.Region{Box: image.Rect(0, 0, 400, 40)}
	scrawl := vision.Region{Box: image.Rect(0, 60, 400, 100)}
	read := []ocr.Line{{Words: []ocr.Word{
		{Text: "WASH", Box: image.Rect(10, 5, 90, 35), Conf: 0.92},
		{Text: "HANDS", Box: image.Rect(100, 5, 200, 35), Conf: 0.9},
	}}, {Words: []ocr.Word{{Text: "jx", Box: image.Rect(10, 65, 40, 95), Conf: 0.2}}}}
	if !allRead([]vision.Region{title}, read) {
		t.Error("the title alone was read and should count as read")
	}
	if allRead([]vision.Region{title, scrawl}, read) {
		t.Error("the unread scrawl line counted as read")
	}
	words, harmless := judgeWords(read[:1])
	if words != 2 || !harmless {
		t.Errorf("WASH HANDS: %d words, harmless %v", words, harmless)
	}
	if _, harmless := judgeWords([]ocr.Line{{Words: []ocr.Word{
		{Text: "Patient", Conf: 0.95}, {Text: "Room", Conf: 0.95}, {Text: "twelve", Conf: 0.95},
	}}}); harmless {
		t.Error("a line naming a patient passed as harmless")
	}
}

// Only detections shaped like a line of text count as lines: the square
// highlight on a saucer and specks do not; a short word and a line on its
// side do.
func TestLineShaped(t *testing.T) {
	got := lineShaped([]vision.Region{
		{Box: image.Rect(2350, 2166, 2484, 2302)},                   // highlight, 134x136
		{Box: image.Rect(1443, 2137, 1456, 2149)},                   // speck
		{Box: image.Rect(2203, 613, 2210, 617)},                     // speck, wide but 4 px
		{Box: image.Rect(100, 100, 160, 124)},                       // "Room", 60x24
		{Box: image.Rect(300, 100, 324, 400)},                       // a line on its side
		{Box: image.Rect(500, 500, 730, 730), Long: 340, Thick: 40}, // a line at 45 degrees
		{Box: image.Rect(800, 500, 980, 609), Long: 193, Thick: 85}, // a window's reflection
	})
	if got != 3 {
		t.Errorf("lineShaped = %d, want 3 (the word, the line on its side, the line at 45 degrees)", got)
	}
}

// A line of light text on a dark band, which the page pass reads as it
// stands (ocr.ReadUpright) and so cannot read, is read as scene text:
// the name on it is a finding, its box on the line.
func TestLightOnDarkRead(t *testing.T) {
	img := image.NewNRGBA(image.Rect(0, 0, 1600, 1200))
	draw.Draw(img, img.Bounds(), image.NewUniform(color.NRGBA{200, 196, 188, 255}), image.Point{}, draw.Src)
	draw.Draw(img, image.Rect(360, 400, 1000, 480), image.NewUniform(color.NRGBA{28, 32, 40, 255}), image.Point{}, draw.Src)
	line := fixture.Text(img, 380, 420, 30, color.White, "Patient Helen Okafor")
	var got []string
	for _, f := range lookOnce(t, DefaultOptions(), img) {
		got = append(got, f.Detector+" "+string(f.Kind))
		if f.Kind == risk.KindText && slices.Contains(f.Identifiers, risk.IDName) && f.Box.Overlaps(line) {
			return
		}
	}
	t.Errorf("the name in light text on dark at %v is no finding; found %q", line, got)
}
