package detect

import (
	"image"
	"math"
	"slices"
	"strings"
	"unicode"

	"github.com/disintegration/imaging"

	"photoaudit/barcode"
	"photoaudit/models"
	"photoaudit/ocr"
	"photoaudit/risk"
	"photoaudit/vision"
)

// What a surface exposes when it cannot be read, by kind: fail closed with
// what such an object usually carries.
var surfaceIDs = map[string][]risk.Identifier{
	"screen":       {risk.IDName, risk.IDDate},
	"document":     {risk.IDName, risk.IDDate},
	"whiteboard":   {risk.IDName},
	"signin_sheet": {risk.IDName, risk.IDDate},
	"badge":        {risk.IDName},
	"wristband":    {risk.IDName, risk.IDDate, risk.IDRecord},
}

// Confidence of a surface finding when reading found nothing identifying:
// sign-in sheets exist to carry names; the rest are unreadable text that
// might. (A wristband's barcode, when decoded, counts as identifiers read.)
const (
	alwaysConf     = 0.9
	unreadableConf = 0.5
	// goodWordConf is the confidence from which a word of three or more
	// letters counts towards proving a surface harmless ("Your" on a poster
	// read at 0.79). At 0.6 three handwritten whiteboards passed as
	// harmless on the composites.
	goodWordConf = 0.7
	// carrierMaxText and carrierMaxShare bound a text's carrier: at
	// most this many times the text's area, and under 1/carrierMaxShare
	// of the photo (larger is a page or a wall, left to the surfaces).
	carrierMaxText  = 30
	carrierMaxShare = 25
	// plateMaxText is the most a plate's area may be of its number's:
	// the number fills most of a plate (a poster's title does not).
	plateMaxText = 6
	// minRowsUnread is how many text rows a surface needs to be redacted
	// when OCR reads nothing at all from it.
	minRowsUnread = 4
)

// readSurface returns nil findings when the surface is not text, and one
// Harmless finding when it was read and nothing identifying was found.
// It reads a surface again, enlarged (ocr.Reader enlarges small crops),
// and judges it: identifiers read (or a barcode decoded) make a
// finding with them; a sign-in sheet is a finding whatever is read; text read confidently
// with no identifiers (a poster) is harmless; anything else is text we
// cannot prove harmless, and is a finding too.
func (d *Detector) readSurface(img image.Image, s vision.Surface, suffix string) ([]risk.Finding, error) {
	sub, ok := img.(interface {
		SubImage(image.Rectangle) image.Image
	})
	if !ok {
		return nil, nil
	}
	box := readBox(img, s)
	lines, err := d.reader.Read(sub.SubImage(box))
	if err != nil {
		return nil, err
	}
	var out []risk.Finding
	region := risk.Finding{Kind: risk.Kind(s.Kind), Box: s.Box, Detector: "surface" + suffix}
	ids := map[risk.Identifier]bool{}
	// take adds what a reading identified, as text findings and as what
	// the surface exposes.
	take := func(lines []ocr.Line, detector string) {
		for _, m := range d.cls.Classify(lines) {
			out = append(out, risk.Finding{Kind: risk.KindText, Box: m.Box, Confidence: m.Confidence,
				Identifiers: m.Identifiers, MaskedText: risk.Mask(m.Text), Detector: detector + suffix})
			for _, id := range m.Identifiers {
				ids[id] = true
			}
			region.Confidence = max(region.Confidence, m.Confidence)
		}
	}
	take(lines, "tesseract-surface")
	if s.Kind == "wristband" || s.Kind == "badge" || s.Kind == "document" {
		codes, err := barcode.Decode(sub.SubImage(box))
		if err != nil {
			return nil, err
		}
		for _, c := range codes {
			f := d.decodedCode(c, s.Box, suffix)
			out = append(out, f)
			if f.Harmless {
				continue // a product's code says nothing of the surface
			}
			for _, id := range f.Identifiers {
				ids[id] = true
			}
			region.Confidence = max(region.Confidence, f.Confidence)
		}
	}
	words, harmless := judgeWords(lines)
	// Nothing read and few rows is no text, unless the text detector
	// says otherwise: with it, the surface has shown lines already
	// (evidenced), and reading them line by line decides. A board
	// softened by focus or JPEG reads as nothing to Tesseract whole.
	notText := words == 0 && s.Rows < minRowsUnread && s.Kind != "wristband" && !d.vision.FindsTextLines()
	// uprightWords is how many words the upright readings read
	// confidently: what a turned reading must beat.
	uprightWords := confidentWords(lines)
	var found []vision.Region
	byLine := false
	// readByLine is a second reading, line by line: the text detector's
	// lines on the surface, each on white at a good height. Tinted
	// posters and signs that the whole-crop reading garbles read clean.
	readByLine := func() error {
		byLine = true
		var err error
		found, err = d.surfaceLines(img, box)
		if err != nil {
			return err
		}
		again, err := d.readLines(img, found)
		if err != nil {
			return err
		}
		take(again, models.TextDet.Name+"+tesseract-surface")
		judged := counted(found, again)
		switch {
		case len(ids) > 0:
		case lineShaped(judged) == 0 && s.Kind != "wristband":
			// The text detector sees no line at all, only blobs (a
			// window's reflection, a spoon's highlight): what Tesseract
			// took for words is texture (shelves, boxes, wood grain).
			notText = true
		default:
			// Every line the detector saw must have been read, or an
			// unread line of handwriting could hide behind a clean title.
			_, harmless = judgeWords(again)
			harmless = harmless && allRead(textSized(judged), again)
		}
		uprightWords = max(uprightWords, confidentWords(again))
		return nil
	}
	if !harmless && !notText && len(ids) == 0 && s.Kind != "signin_sheet" {
		if err := readByLine(); err != nil {
			return nil, err
		}
	}
	if len(ids) == 0 && !notText && s.Kind != "signin_sheet" {
		// Turned text (a sign on its side, a note upside down on a
		// desk) reads upright as nothing, or as confident nonsense
		// ("SION", "UOS}IM"), and a sheet at an angle reads badly: it is
		// read square on and turned too, and a view that reads more
		// confident words than upright is what the surface says.
		turned, err := d.readTurned(img, s, sub.SubImage(box), found, uprightWords)
		if err != nil {
			return nil, err
		}
		// The lines a turned view must have read: those the upright
		// view read line by line, when it had to.
		mustRead := counted(found, nil)
		if turned != nil && !byLine {
			// The upright reading passed on the whole crop's words alone,
			// which for large print are often a few fragments ("e silen",
			// "phone"): before a turned view overrules it, the upright
			// view is read line by line too, and must be beaten by that.
			if err := readByLine(); err != nil {
				return nil, err
			}
			if len(ids) > 0 || notText || confidentWords(turned) <= uprightWords {
				turned = nil
			}
		}
		if turned != nil {
			take(turned, "tesseract-surface-turned")
			_, harmless = judgeWords(turned)
			harmless = harmless && len(ids) == 0 && allRead(textSized(mustRead), turned)
		}
	}
	switch {
	case len(ids) > 0:
		for id := range ids {
			region.Identifiers = append(region.Identifiers, id)
		}
		region.MaskedText = "identifiers read on the " + strings.ReplaceAll(s.Kind, "_", " ")
	case s.Kind == "signin_sheet":
		region.Identifiers = surfaceIDs[s.Kind]
		region.Confidence = alwaysConf
		region.MaskedText = strings.ReplaceAll(s.Kind, "_", " ") + ", redacted whole"
	case harmless:
		// Read, and nothing identifying: a poster, a sign, a page of a
		// book. Reported, for a person to check, and left visible.
		return []risk.Finding{{Kind: region.Kind, Box: s.Box, Confidence: max(region.Confidence, unreadableConf),
			MaskedText: "read: nothing identifying", Detector: region.Detector, Harmless: true}}, nil
	case notText:
		// Not text after all. A wristband's print is often too small to
		// read at all; a band-shaped label with a row of ink fails closed.
		return nil, nil
	default:
		region.Identifiers = surfaceIDs[s.Kind]
		region.Confidence = unreadableConf
		region.MaskedText = "text that could not be read"
	}
	slices.Sort(region.Identifiers)
	return append(out, region), nil
}

// readBox is the part of img a surface is read from: its box with a
// thirtieth of its short side around it. The evidence a surface needs
// and its reading cut out the same box (and share its lines).
func readBox(img image.Image, s vision.Surface) image.Rectangle {
	return s.Box.Inset(-min(s.Box.Dx(), s.Box.Dy()) / 30).Intersect(img.Bounds())
}

// readTurned reads a surface square on and turned: rectified from its
// corners when it is seen at an angle (vision.Skewed), then turned a
// quarter each way when most of the text detector's lines on it stand
// upright, and half a turn otherwise. It returns the reading with the
// most confident words, if that is more than beat and at least two, its
// boxes mapped back into the photo; nil when nothing reads better.
func (d *Detector) readTurned(img image.Image, s vision.Surface, crop image.Image, found []vision.Region, beat int) ([]ocr.Line, error) {
	standing := 0
	for _, f := range found {
		if 2*f.Box.Dy() >= 3*f.Box.Dx() {
			standing++
		}
	}
	turns := []int{180}
	if 2*standing > len(found) {
		turns = []int{90, 270}
	}
	base := crop
	toPhoto := func(r image.Rectangle) image.Rectangle { return r }
	if vision.Skewed(s.Quad) {
		rect, back, err := vision.Rectify(img, s.Quad)
		if err == nil {
			base = rect
			toPhoto = func(r image.Rectangle) image.Rectangle {
				var out image.Rectangle
				for i, p := range []image.Point{r.Min, {r.Max.X, r.Min.Y}, r.Max, {r.Min.X, r.Max.Y}} {
					x, y := back(float64(p.X), float64(p.Y))
					q := image.Rect(int(math.Floor(x)), int(math.Floor(y)), int(math.Ceil(x)), int(math.Ceil(y)))
					if i == 0 {
						out = q
					}
					out = out.Union(q)
				}
				return out
			}
			turns = append([]int{0}, turns...)
		}
	}
	b := base.Bounds()
	var best []ocr.Line
	bestGood := max(beat, 1)
	for _, deg := range turns {
		var im image.Image
		switch deg {
		case 0:
			im = base
		case 90:
			im = imaging.Rotate90(base)
		case 180:
			im = imaging.Rotate180(base)
		default:
			im = imaging.Rotate270(base)
		}
		lines, err := d.reader.Read(im)
		if err != nil {
			return nil, err
		}
		if g := confidentWords(lines); g > bestGood {
			for i := range lines {
				lines[i] = mapLine(unturn(lines[i], deg, b), toPhoto)
			}
			best, bestGood = lines, g
		}
	}
	return best, nil
}

// mapLine maps a line's boxes with f.
func mapLine(l ocr.Line, f func(image.Rectangle) image.Rectangle) ocr.Line {
	out := ocr.Line{Box: f(l.Box)}
	for _, wd := range l.Words {
		wd.Box = f(wd.Box)
		out.Words = append(out.Words, wd)
	}
	return out
}

// unturn maps a line read on an image of bounds b turned deg degrees
// counter-clockwise (imaging.Rotate90/180/270, origin at 0,0; 0 is not
// turned) back into b's coordinates.
func unturn(l ocr.Line, deg int, b image.Rectangle) ocr.Line {
	if deg == 0 {
		return l
	}
	w, h := b.Dx(), b.Dy()
	pt := func(x, y int) image.Point { // a corner of the turned image to b
		switch deg {
		case 90:
			return image.Pt(w-y, x)
		case 180:
			return image.Pt(w-x, h-y)
		default:
			return image.Pt(y, h-x)
		}
	}
	return mapLine(l, func(r image.Rectangle) image.Rectangle {
		return image.Rectangle{Min: pt(r.Min.X, r.Min.Y), Max: pt(r.Max.X, r.Max.Y)}.Canon().Add(b.Min)
	})
}

// confidentWords counts the words read confidently (goodWordConf, three
// letters or more).
func confidentWords(lines []ocr.Line) int {
	n := 0
	for _, l := range lines {
		for _, wd := range l.Words {
			if wd.Conf >= goodWordConf && letters(wd.Text) >= 3 {
				n++
			}
		}
	}
	return n
}

// lineShaped counts the detected lines shaped like a line of text, at any
// angle (the line's own rectangle where the detector gives it): at least
// 2.5 times as long as thick (a word of four letters or more) and 6 px
// thick. On
// eval-dev's false alarms the "lines" on a dark saucer and on building
// windows were squares of highlight and specks.
func lineShaped(lines []vision.Region) int {
	n := 0
	for _, l := range lines {
		if isLine(l) {
			n++
		}
	}
	return n
}

// isLine says whether one detected line is shaped like a line of text.
func isLine(l vision.Region) bool {
	long, thick := float64(max(l.Box.Dx(), l.Box.Dy())), float64(min(l.Box.Dx(), l.Box.Dy()))
	if l.Long > 0 {
		// The line's own rectangle: a line at 45 degrees has a square
		// box.
		long, thick = l.Long, max(l.Thick, 1)
	}
	return long >= 2.5*thick && thick >= 6
}

// judgeWords counts the words of two or more letters in lines and says
// whether they prove the text harmless: mostly confident words, none of
// the headers that only records about patients carry, and no room list.
// (Looser rules measured on the composites cut false alarms from 6 to 3
// of 14 but cleared handwritten whiteboards and left 6-7 surnames
// readable in safe copies: a leak is worse than a review.)
func judgeWords(lines []ocr.Line) (words int, harmless bool) {
	good := 0
	var all []string
	for _, l := range lines {
		all = append(all, l.Text())
		for _, wd := range l.Words {
			n := letters(wd.Text)
			if n < 2 {
				continue // "|", "—", "j": edges and specks read as text
			}
			// Low-confidence words do count: unread handwriting is what
			// they mostly are, and it must keep a surface from passing.
			words++
			if wd.Conf >= goodWordConf && n >= 3 {
				good++
			}
		}
	}
	text := strings.Join(all, " ")
	return words, good >= 2 && float64(good) >= 0.6*float64(words) && !ocr.MentionsPatient(text) && !ocr.RoomList(text)
}

// counted are the lines of found a surface's reading answers for: those
// found lying, and those found only turned (vision.Region.Turned) that
// read holds words on. A stripe of clutter taken for a standing line
// makes no surface unread.
func counted(found []vision.Region, read []ocr.Line) []vision.Region {
	var out []vision.Region
	for _, l := range found {
		if !l.Turned || allRead([]vision.Region{l}, read) {
			out = append(out, l)
		}
	}
	return out
}

// textSized drops the detected lines under half the median line's
// height: a speck or a stroke beside writing twice its size, which no
// reader makes words of.
func textSized(found []vision.Region) []vision.Region {
	if len(found) < 3 {
		return found
	}
	hs := make([]int, len(found))
	for i, f := range found {
		hs[i] = lineHeight(f)
	}
	slices.Sort(hs)
	med := hs[len(hs)/2]
	var out []vision.Region
	for _, f := range found {
		if 2*lineHeight(f) >= med {
			out = append(out, f)
		}
	}
	return out
}

// allRead says whether each detected line holds a confidently read word
// of three letters or a number of two digits or more ("24%": what a number
// says the classifier judges).
func allRead(found []vision.Region, lines []ocr.Line) bool {
	for _, f := range found {
		ok := false
		for _, l := range lines {
			for _, wd := range l.Words {
				c := wd.Box.Min.Add(wd.Box.Max).Div(2)
				if c.In(f.Box) && wd.Conf >= goodWordConf && (letters(wd.Text) >= 3 || digits(wd.Text) >= 2) {
					ok = true
				}
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

func digits(s string) int { return count(s, unicode.IsDigit) }

func letters(s string) int { return count(s, unicode.IsLetter) }

// count counts the runes of s that is says yes to.
func count(s string, is func(rune) bool) int {
	n := 0
	for _, r := range s {
		if is(r) {
			n++
		}
	}
	return n
}
