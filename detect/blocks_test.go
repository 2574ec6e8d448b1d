package detect

import (
	"image"
	"image/color"
	"image/draw"
	"slices"
	"strings"
	"testing"

	"github.com/disintegration/imaging"

	"photoaudit/internal/fixture"
	"photoaudit/ocr"
	"photoaudit/risk"
	"photoaudit/vision"
)

func line(x0, y0, x1, y1 int) vision.Region {
	return vision.Region{Kind: "text", Box: image.Rect(x0, y0, x1, y1)}
}

// Lines that align and sit close are one block: a page's lines stacked,
// a table's columns side by side. A headline far larger than the body, and
// lines far apart, are blocks of their own.
func TestGroupLines(t *testing.T) {
	var lines []vision.Region
	for row := 0; row < 4; row++ {
		y := 100 + row*40
		lines = append(lines, line(100, y, 300, y+25), line(320, y, 420, y+25))
	}
	lines = append(lines,
		line(100, 20, 400, 80),       // a headline, three times the body's height
		line(1000, 1000, 1200, 1025), // a line on its own across the photo
		line(1000, 1100, 1200, 1125), // four line heights under it: apart
	)
	got := groupLines(lines)
	if len(got) != 4 {
		t.Fatalf("%d blocks, want 4: %+v", len(got), got)
	}
	if got[0].box != image.Rect(100, 100, 420, 245) || len(got[0].lines) != 8 || got[0].height != 25 {
		t.Errorf("table: %v with %d lines of %d px, want [100,100,420,245] with 8 of 25", got[0].box, len(got[0].lines), got[0].height)
	}
	for _, b := range got[1:] {
		if len(b.lines) != 1 {
			t.Errorf("block %v has %d lines, want 1", b.box, len(b.lines))
		}
	}
}

// A tilted page: each line's box is tall, but its own rectangle is thin,
// and the lines still stack into one block.
func TestGroupTiltedLines(t *testing.T) {
	var lines []vision.Region
	for row := 0; row < 5; row++ {
		y := 100 + row*30
		r := line(100+row*10, y, 400+row*10, y+70) // 300 px at about 10 degrees
		r.Long, r.Thick = 305, 20
		lines = append(lines, r)
	}
	if got := groupLines(lines); len(got) != 1 || got[0].height != 20 {
		t.Errorf("tilted page: %+v, want one block of 20 px lines", got)
	}
}

func TestBlockVerdict(t *testing.T) {
	for _, c := range []struct {
		v     blockVerdict
		lines int
		want  bool
	}{
		{blockVerdict{}, 10, false},
		{blockVerdict{unread: 1}, 2, false},
		{blockVerdict{unread: 2}, 3, true},  // 30 heights long
		{blockVerdict{unread: 2}, 2, false}, // too few lines to be sure
		{blockVerdict{unread: 4}, 20, false},
		{blockVerdict{unread: blockUnread}, 40, true},
		{blockVerdict{clinical: true}, 1, true},
	} {
		if _, got := c.v.risky(c.lines, 10*float64(c.lines)); got != c.want {
			t.Errorf("%+v over %d lines: risky %v, want %v", c.v, c.lines, got, c.want)
		}
	}
}

// The recogniser's readings become words: split at spaces and where a
// small letter runs into a capital, each with its share of the line.
func TestReadingLine(t *testing.T) {
	l, ok := readingLine(vision.Reading{Box: image.Rect(100, 10, 300, 40), Text: "Patient RobertTaylor", Conf: 0.9})
	if !ok {
		t.Fatal("no line")
	}
	var got []string
	for _, w := range l.Words {
		got = append(got, w.Text)
		if w.Conf != 0.9 || !w.Box.In(l.Box) || w.Box.Empty() {
			t.Errorf("word %q: box %v conf %v, want inside %v at 0.9", w.Text, w.Box, w.Conf, l.Box)
		}
	}
	if strings.Join(got, "|") != "Patient|Robert|Taylor" {
		t.Errorf("words %q, want Patient|Robert|Taylor", got)
	}
	if _, ok := readingLine(vision.Reading{Box: image.Rect(0, 0, 10, 10), Text: "  "}); ok {
		t.Error("an empty reading made a line")
	}
}

// A block on the page of one that identifies someone is risky too; a
// block across the photo, or of far larger print, is another page.
func TestPages(t *testing.T) {
	blk := func(x0, y0, x1, y1, h int) textBlock {
		return textBlock{box: image.Rect(x0, y0, x1, y1), height: h}
	}
	js := []judgement{
		{blk: blk(100, 100, 500, 160, 20), identifies: true, v: blockVerdict{ids: []risk.Identifier{risk.IDName}, conf: 0.9}},
		{blk: blk(100, 200, 500, 600, 20)},   // the items under it, two lines down
		{blk: blk(1500, 100, 1900, 400, 20)}, // across the photo
		{blk: blk(100, 620, 900, 900, 90)},   // a headline far larger, touching
		// A display with a name on it, and a logo on the bezel a line
		// beside it: the display ends the page.
		{blk: blk(3000, 100, 3400, 400, 20), identifies: true, covered: true, sits: image.Rect(2980, 80, 3420, 520)},
		{blk: blk(3440, 100, 3460, 200, 20)},
		// Under the same name, on the same paper: one page.
		{blk: blk(3000, 430, 3400, 500, 20), sits: image.Rect(2980, 80, 3420, 520)},
		// Two lines under the name again, printed on grey: a logo on the
		// backdrop behind the page, not the page.
		{blk: blk(100, 180, 500, 190, 20), paper: [3]uint8{120, 120, 130}},
		// A white label with a name on it, and a white sign below it
		// beyond a strip of wooden table: two papers of one colour.
		{blk: blk(1000, 600, 1300, 640, 20), identifies: true, v: blockVerdict{ids: []risk.Identifier{risk.IDName}, conf: 0.9}},
		{blk: blk(1000, 700, 1300, 760, 20)},
	}
	white := [3]uint8{235, 232, 228}
	for i := range js[:7] {
		js[i].paper = white
	}
	js[1].paper = [3]uint8{200, 205, 210} // the same paper in shade
	js[8].paper, js[9].paper = white, white
	img := image.NewNRGBA(image.Rect(0, 0, 3500, 1000))
	draw.Draw(img, img.Bounds(), image.NewUniform(color.NRGBA{235, 232, 228, 255}), image.Point{}, draw.Src)
	draw.Draw(img, image.Rect(900, 650, 1400, 690), image.NewUniform(color.NRGBA{120, 80, 50, 255}), image.Point{}, draw.Src)
	pages(img, js)
	if !js[6].risky {
		t.Errorf("block on the display under its name: %+v, want risky", js[6])
	}
	if !js[1].risky || js[1].v.conf != 0.9 || !slices.Equal(js[1].v.ids, []risk.Identifier{risk.IDName}) {
		t.Errorf("block under the name: %+v, want risky with the name at 0.9", js[1])
	}
	for _, i := range []int{2, 3, 5, 7, 9} {
		if js[i].risky {
			t.Errorf("block %d (%v) made risky: %+v", i, js[i].blk.box, js[i])
		}
	}
}

// A staff badge is redacted whole; with its wearer on the roster as
// "keep", it stays, and the report names the entry and its consent.
func TestRosterKeepsBadge(t *testing.T) {
	img := fixture.Dark(1600, 1200, 7)
	badge := fixture.StaffBadge(img, 1100, 700, 1.2, 0, color.NRGBA{200, 40, 50, 255}, fixture.FontRegular, "Karen Mitchell", "Medical Assistant")
	// Her photo in the badge's photo square.
	face, err := fixture.LoadFace(fixture.FacePath())
	if err != nil {
		t.Fatal(err)
	}
	photo := fixture.Face(img, face, badge.Box.Min.X+70, badge.Box.Min.Y+78, 104)
	look := func(staff []ocr.Staff) []risk.Finding {
		opts := DefaultOptions()
		opts.Lists.Staff = staff
		return lookOnce(t, opts, img)
	}
	covers := func(fs []risk.Finding) bool {
		for _, f := range fs {
			if f.Harmless || f.Consent != "" {
				continue // reported, never covered
			}
			if in := f.Box.Intersect(badge.Box); 2*in.Dx()*in.Dy() >= badge.Box.Dx()*badge.Box.Dy()/2 {
				return true
			}
		}
		return false
	}
	if fs := look(nil); !covers(fs) {
		t.Fatalf("no roster: the badge %v is not covered: %+v", badge.Box, fs)
	}
	fs := look([]ocr.Staff{{Name: "Linda Martin", Policy: "redact"}, {Name: "Karen Mitchell", Consent: "STAFF-2026-07", Policy: "keep"}})
	if covers(fs) {
		t.Errorf("kept by the roster, the badge is still covered: %+v", fs)
	}
	kept, keptFace := false, false
	for _, f := range fs {
		if f.Consent == "STAFF-2026-07" && strings.Contains(f.MaskedText, "entry 2") && insideAny(f.Box, []image.Rectangle{badge.Box}) {
			kept = true
		}
		if f.Kind == risk.KindFace && f.Box.Overlaps(photo.Box) {
			if f.Consent != "STAFF-2026-07" || len(f.Identifiers) > 0 {
				t.Errorf("the badge's photo is a face to cover: %+v", f)
			}
			keptFace = true
		}
	}
	if !kept {
		t.Errorf("no finding names roster entry 2, its consent and where the badge is: %+v", fs)
	}
	if !keptFace {
		t.Errorf("the badge's photo was not found as a face at all: %+v", fs)
	}
}

// In the look at a safe copy, a block the first look read and judged
// harmless is not redacted for reading worse after recompression, nor
// are unread lines where the first look saw no text; a block of lines
// that nothing could read is redacted otherwise.
func TestBlocksReadBefore(t *testing.T) {
	var rows []image.Rectangle
	for row := 0; row < 6; row++ {
		y := 100 + row*40
		rows = append(rows, image.Rect(100, y, 700, y+24))
	}
	img, found := scribbled(rows)
	d, err := New(DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	var lines []image.Rectangle
	for _, l := range found {
		lines = append(lines, l.Box)
	}
	look := func(before *Seen) []risk.Finding { return riskyBlocks(t, d, img, found, before, "/verify") }
	if got := look(nil); len(got) != 1 || !strings.Contains(got[0].MaskedText, "could not be read") {
		t.Fatalf("unread block (first look): %+v, want it redacted whole as unread", got)
	}
	if got := look(&Seen{lines: lines}); len(got) != 1 {
		t.Errorf("unread block the first look saw too: %+v, want it redacted whole", got)
	}
	if got := look(&Seen{harmless: []image.Rectangle{image.Rect(96, 96, 704, 324)}, lines: lines}); len(got) != 0 {
		t.Errorf("a block judged harmless in the first look was redacted in the second: %+v", got)
	}
	if got := look(&Seen{lines: []image.Rectangle{image.Rect(900, 500, 1000, 520)}}); len(got) != 0 {
		t.Errorf("unread lines only the second look found (JPEG's noise) were redacted: %+v", got)
	}
	// The first look found a standing stripe there, and no lying line.
	standing := []vision.Region{{Kind: "text", Box: image.Rect(300, 90, 340, 330), Turned: true}}
	if got := look(&Seen{lines: lyingBoxes(standing)}); len(got) != 0 {
		t.Errorf("unread lines where the first look saw only a standing stripe were redacted: %+v", got)
	}
}

// Text on a phone held up against a band of sky is the phone's evidence,
// not the band's: a line counts for the smallest surface it lies on.
// The band's own lines still count for it.
func TestEvidenceOnSmallerSurface(t *testing.T) {
	img := image.NewNRGBA(image.Rect(0, 0, 1200, 800)) // blank: the enlarged pass finds nothing more
	band := vision.Surface{Kind: "whiteboard", Box: image.Rect(0, 100, 1200, 500)}
	phone := vision.Surface{Kind: "screen", Box: image.Rect(500, 200, 700, 600)}
	all := []vision.Surface{band, phone}
	onPhone := []vision.Region{line(520, 250, 680, 275), line(520, 300, 680, 325), line(520, 350, 680, 375)}
	d, err := New(DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	d.forget()
	check := func(what string, s vision.Surface, found []vision.Region, want bool) {
		t.Helper()
		got, err := d.evidenced(img, s, found, nil, all)
		if err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("%s: evidenced %v, want %v", what, got, want)
		}
	}
	check("the phone, by its own lines", phone, onPhone, true)
	check("the band, by the phone's lines", band, onPhone, false)
	check("the band, by lines of its own", band, append(onPhone, line(100, 150, 400, 175), line(100, 200, 400, 225)), true)

	// A dark patch (a hill, dimmed) smaller than a page but not in front
	// of it, its box crossing the page's corner: the page's lines there
	// are the page's.
	page := vision.Surface{Kind: "document", Box: image.Rect(400, 100, 1100, 750)}
	hill := vision.Surface{Kind: "screen", Box: image.Rect(0, 400, 600, 700)}
	all = []vision.Surface{page, hill}
	onCorner := []vision.Region{line(420, 450, 580, 470), line(420, 500, 580, 520), line(420, 550, 580, 570)}
	check("the hill, by the page's lines", hill, onCorner, false)
	check("the hill, by lines of its own", hill, append(onCorner, line(50, 450, 350, 470), line(50, 500, 350, 520)), true)
	check("the page, by its lines beyond the hill", page, append(onCorner, line(700, 200, 1000, 220), line(700, 250, 1000, 270)), true)
}

// The look at a safe copy does not take a redaction's own box for a
// surface: a form found and redacted in the first look is a surface
// there, and where the safe copy covers it the second look leaves it to
// the faces and the text lines.
func TestNoSurfaceOnRedaction(t *testing.T) {
	img := fixture.Dark(1600, 1200, 7)
	form := fixture.IntakeForm(img, 300, 200, 1, 0, fixture.FontRegular, 3)
	d, err := New(DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	onForm := func(fs []risk.Finding) []risk.Finding {
		var out []risk.Finding
		for _, f := range fs {
			if strings.HasPrefix(f.Detector, "surface") && f.Box.Overlaps(form.Box) {
				out = append(out, f)
			}
		}
		return out
	}
	fs, seen, err := d.Look(img, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(onForm(fs)) == 0 {
		t.Fatalf("first look: the form %v is no surface: %+v", form.Box, fs)
	}
	fs, _, err = d.Look(img, seen.Redacted([]image.Rectangle{form.Box.Inset(-20)}))
	if err != nil {
		t.Fatal(err)
	}
	if got := onForm(fs); len(got) != 0 {
		t.Errorf("second look: a surface on the redacted box: %+v", got)
	}
}

// Standing "lines" found only on the photo turned a quarter that nothing
// reads (stripes of clutter) make no unread block; lying ones would.
func TestUnreadStandingLines(t *testing.T) {
	var cols []image.Rectangle
	for col := 0; col < 6; col++ {
		x := 100 + col*30
		cols = append(cols, image.Rect(x, 100, x+16, 400))
	}
	img, found := scribbled(cols)
	d, err := New(DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	risky := func(found []vision.Region) []risk.Finding { return riskyBlocks(t, d, img, found, nil, "") }
	if got := risky(found); len(got) == 0 {
		t.Fatalf("unread lines found lying: no block redacted")
	}
	for i := range found {
		found[i].Turned = true
	}
	if got := risky(found); len(got) != 0 {
		t.Errorf("unread lines found only turned were redacted: %+v", got)
	}
}

// scribbled draws unreadable scribble (strokes of varying length, no
// letters) in each of lines on a light 900 x 600 page, along each line's
// longer side, and returns the page and the lines as the detector gives
// them.
func scribbled(lines []image.Rectangle) (*image.NRGBA, []vision.Region) {
	img := image.NewNRGBA(image.Rect(0, 0, 900, 600))
	for i := range img.Pix {
		img.Pix[i] = 235
	}
	var found []vision.Region
	for i, r := range lines {
		lying := r.Dx() >= r.Dy()
		along, across := r.Dx(), r.Dy()
		if !lying {
			along, across = across, along
		}
		for a := 0; a < along; a++ {
			h := min(across-4, 6+(a*7+i*13)%14)
			for c := 0; c < h; c++ {
				if (a/3+c)%4 == 0 {
					continue
				}
				if lying {
					img.SetNRGBA(r.Min.X+a, r.Max.Y-4-c, color.NRGBA{30, 30, 30, 255})
				} else {
					img.SetNRGBA(r.Min.X+c, r.Min.Y+a, color.NRGBA{30, 30, 30, 255})
				}
			}
		}
		found = append(found, vision.Region{Kind: "text", Box: r, Confidence: 0.8,
			Long: float64(along), Thick: float64(across)})
	}
	return img, found
}

// riskyBlocks runs blocks over found on img as a fresh look would, and
// returns the findings that are not harmless.
func riskyBlocks(t *testing.T, d *Detector, img image.Image, found []vision.Region, before *Seen, suffix string) []risk.Finding {
	t.Helper()
	d.forget()
	fs, err := d.blocks(img, groupLines(textSizedLines(found, img.Bounds())), nil, nil, nil, before, suffix)
	if err != nil {
		t.Fatal(err)
	}
	var risky []risk.Finding
	for _, f := range fs {
		if !f.Harmless {
			risky = append(risky, f)
		}
	}
	return risky
}

// A form whose only line the detector sees is its header ("Patient Intake
// Form": its lines in a faint small hand) is redacted with the sheet the
// header is printed on, though one line is no evidence of a surface.
func TestPageFromHeader(t *testing.T) {
	img := image.NewNRGBA(image.Rect(0, 0, 1600, 1200))
	paint := func(r image.Rectangle, c color.NRGBA) {
		draw.Draw(img, r, image.NewUniform(c), image.Point{}, draw.Src)
	}
	paint(img.Bounds(), color.NRGBA{70, 60, 55, 255})
	sheet := image.Rect(700, 380, 1000, 780)
	paint(sheet, color.NRGBA{250, 250, 244, 255})
	fixture.TextIn(img, fixture.FontBold, 720, 398, 22, color.Black, "Patient Intake Form")
	fs := lookOnce(t, DefaultOptions(), img)
	for _, f := range fs {
		in := f.Box.Intersect(sheet)
		if !f.Harmless && in.Dx()*in.Dy()*10 >= 9*sheet.Dx()*sheet.Dy() {
			return
		}
	}
	t.Errorf("the sheet %v is not redacted whole: %+v", sheet, fs)
}

// lookOnce is the first look at img by a Detector made with opts.
func lookOnce(t *testing.T, opts Options, img image.Image) []risk.Finding {
	t.Helper()
	d, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	fs, _, err := d.Look(img, nil)
	if err != nil {
		t.Fatal(err)
	}
	return fs
}

// A shelf label with a product's EAN-13 is reported and left visible: the
// code names a product, not a person. The same label with a wristband's
// Code 128 beside it is redacted.
func TestProductCode(t *testing.T) {
	look := func(label bool) []risk.Finding {
		img := image.NewNRGBA(image.Rect(0, 0, 1600, 1200))
		draw.Draw(img, img.Bounds(), image.NewUniform(color.NRGBA{90, 110, 100, 255}), image.Point{}, draw.Src)
		card := image.Rect(500, 300, 1100, 800)
		draw.Draw(img, card, image.NewUniform(color.NRGBA{250, 250, 246, 255}), image.Point{}, draw.Src)
		fixture.Text(img, 540, 330, 40, color.Black, "Hand soap refill")
		fixture.Text(img, 540, 400, 40, color.Black, "Aisle four, shelf two")
		ean := fixture.EAN13("400638133393", 380, 140)
		draw.Draw(img, ean.Bounds().Add(image.Pt(540, 500)), ean, image.Point{}, draw.Src)
		if label {
			bars := fixture.Code128("84341540", 300, 100)
			draw.Draw(img, bars.Bounds().Add(image.Pt(540, 670)), bars, image.Point{}, draw.Src)
		}
		return lookOnce(t, DefaultOptions(), img)
	}
	product := false
	for _, f := range look(false) {
		if f.Kind == risk.KindBarcode && f.Harmless && strings.Contains(f.MaskedText, "EAN_13 product code") {
			product = true
		}
		if !f.Harmless && len(f.Identifiers) > 0 {
			t.Errorf("a product's code flagged: %+v", f)
		}
	}
	if !product {
		t.Error("the EAN-13 was not reported as a product code")
	}
	flagged := false
	for _, f := range look(true) {
		if f.Kind == risk.KindBarcode && !f.Harmless && slices.Contains(f.Identifiers, risk.IDOtherNumber) {
			flagged = true
		}
	}
	if !flagged {
		t.Error("a Code 128 beside the product code was not flagged")
	}
}

// A board Tesseract reads nothing on as a whole (handwriting, soft focus)
// is still text when the detector sees lines on it: it is read line by
// line and, unread, redacted whole. A board softened by focus and JPEG
// was dropped as "no text" before, because it showed under
// minRowsUnread rows.
func TestSoftBoardIsText(t *testing.T) {
	font := "/usr/share/fonts/truetype/fifthhorseman/dkg.ttf"
	if err := fixture.LoadFont(font); err != nil {
		t.Fatalf("%v (scripts/setup.sh test installs it)", err)
	}
	img := fixture.Dark(1600, 1200, 7)
	lines, _ := fixture.RoomBoard(0)
	board := fixture.Whiteboard(img, 300, 250, 0.5, 0, font, lines, nil)
	soft := imaging.Blur(img, 2.5)
	d, err := New(DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	d.forget()
	s := vision.Surface{Kind: "whiteboard", Box: board.Box, Rows: 2}
	crop, err := d.reader.Read(imaging.Crop(soft, readBox(soft, s)))
	if err != nil {
		t.Fatal(err)
	}
	if words, _ := judgeWords(crop); words != 0 {
		t.Fatalf("the softened board reads %d words as a whole; the test needs none", words)
	}
	fs, err := d.readSurface(soft, s, "")
	if err != nil {
		t.Fatal(err)
	}
	redacted := false
	for _, f := range fs {
		if f.Kind == risk.KindWhiteboard && f.Box == board.Box && !f.Harmless {
			redacted = true
		}
	}
	if !redacted {
		t.Errorf("softened board %v: findings %+v, want the board redacted", board.Box, fs)
	}
}
