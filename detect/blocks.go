package detect

import (
	"fmt"
	"image"
	"image/color"
	"math"
	"slices"
	"sort"
	"strings"

	"github.com/disintegration/imaging"

	"photoaudit/models"
	"photoaudit/ocr"
	"photoaudit/risk"
	"photoaudit/vision"
)

// Text blocks. A page, a screen's content, a label or a board is a block
// of text lines that align and sit close. What one line of it gives away
// the rest usually does too: a chart with a patient's name on it is PHI
// from top to bottom, and the line Tesseract could not read is as likely
// the name as the one it could. So the neural detector's lines are
// grouped into blocks, whatever the paper's colour, the background or
// whether a quad was found, and each block is judged whole by what was
// read inside it:
//   - an identifier, a patient's label ("DOB", "MRN") or clinical words
//     ("BP", "HbA1c", "diagnosis") anywhere in it: redacted whole;
//   - lines that cannot be read (blockUnread of them or more, or most of
//     a block of blockMinLines): redacted whole, after a try at reading
//     them mirrored (a screen or a page seen in glass);
//   - read, and nothing identifying: left alone (a poster, a sign, a page
//     of a book).

const (
	// blockMinLines is the fewest lines a block needs to be redacted for
	// being unread: one or two unread lines alone are as often a logo or
	// a pattern as text.
	blockMinLines = 3
	// blockUnread is how many unread lines make a block unread whatever
	// share of it they are.
	blockUnread = 5
	// blockStack is the widest gap, in line heights, between two lines
	// of one block stacked one over the other; blockRow, between two
	// pieces of one row (words the detector split, a table's columns).
	blockStack = 1.5
	blockRow   = 3.0
	// blockHeights is the most two lines' heights may differ (as a
	// ratio) and still be one block: a headline over body text is two.
	blockHeights = 2.2
	// blockMinLength is the least length, in line heights (about two
	// characters each), of a block redacted for its unread lines: three
	// short marks on a busy wall read as nothing and are not text.
	blockMinLength = 20
	// cardLines is the most lines a block on a card of its own has;
	// cardMinLength the least length, in line heights, of a name (a first
	// name and a surname, about ten letters): a brand's one word under
	// its logo is not a badge.
	cardLines     = 6
	cardMinLength = 5
)

// textBlock is a group of detected lines.
type textBlock struct {
	box    image.Rectangle
	lines  []vision.Region
	height int // median line height
}

// connect joins the pairs of n items that near says are near into
// connected groups, and returns each item's group (by a representative).
func connect(n int, near func(i, j int) bool) func(int) int {
	parent := make([]int, n)
	for i := range parent {
		parent[i] = i
	}
	var find func(int) int
	find = func(i int) int {
		if parent[i] != i {
			parent[i] = find(parent[i])
		}
		return parent[i]
	}
	for i := 0; i < n; i++ {
		for j := i + 1; j < n; j++ {
			if near(i, j) {
				parent[find(i)] = find(j)
			}
		}
	}
	return find
}

// lineHeight is a detected line's thickness: its rotated rectangle's short
// side where the detector gives it (a tilted line's box is tall).
func lineHeight(r vision.Region) int {
	if r.Thick > 0 {
		return max(1, int(r.Thick+0.5))
	}
	return max(1, min(r.Box.Dx(), r.Box.Dy()))
}

// overlap is how far [a0,a1) and [b0,b1) overlap; negative, the gap
// between them.
func overlap(a0, a1, b0, b1 int) int { return min(a1, b1) - max(a0, b0) }

// neighbours says whether two lines belong to one block: of like height,
// and either stacked (overlapping sideways, a small gap up or down) or on
// one row (overlapping up and down by half a line, a small gap sideways).
func neighbours(a, b vision.Region) bool {
	ha, hb := lineHeight(a), lineHeight(b)
	if float64(max(ha, hb)) > blockHeights*float64(min(ha, hb)) {
		return false
	}
	h := float64(max(ha, hb))
	ox := overlap(a.Box.Min.X, a.Box.Max.X, b.Box.Min.X, b.Box.Max.X)
	oy := overlap(a.Box.Min.Y, a.Box.Max.Y, b.Box.Min.Y, b.Box.Max.Y)
	if ox > 0 && float64(-oy) <= blockStack*h {
		return true
	}
	return 2*oy >= min(ha, hb) && float64(-ox) <= blockRow*h
}

// textSizedLines are the lines of found that can be text in a photo of
// bounds b: short words ("Sun", "14") join a screen's lines into one
// block; blobs as thick as a tenth of the photo are not text.
func textSizedLines(found []vision.Region, b image.Rectangle) []vision.Region {
	var words []vision.Region
	for _, l := range found {
		if h := lineHeight(l); h >= 6 && 10*h <= min(b.Dx(), b.Dy()) {
			words = append(words, l)
		}
	}
	return words
}

// groupLines groups lines into blocks (connected groups of neighbours).
func groupLines(lines []vision.Region) []textBlock {
	find := connect(len(lines), func(i, j int) bool { return neighbours(lines[i], lines[j]) })
	byRoot := map[int]*textBlock{}
	var roots []int
	for i, l := range lines {
		r := find(i)
		b, ok := byRoot[r]
		if !ok {
			b = &textBlock{box: l.Box}
			byRoot[r] = b
			roots = append(roots, r)
		}
		b.box = b.box.Union(l.Box)
		b.lines = append(b.lines, l)
	}
	out := make([]textBlock, 0, len(roots))
	for _, r := range roots {
		b := byRoot[r]
		hs := make([]int, len(b.lines))
		for i, l := range b.lines {
			hs[i] = lineHeight(l)
		}
		sort.Ints(hs)
		b.height = hs[len(hs)/2]
		out = append(out, *b)
	}
	return out
}

// blockVerdict is what reading found in a block.
type blockVerdict struct {
	ids      []risk.Identifier
	conf     float64
	clinical bool // a patient's label or clinical words
	unread   int  // lines with no confidently read word
	mirrored bool // read only mirrored: seen in glass
}

// risky says whether the block must be redacted whole, and why, for the
// report.
func (v blockVerdict) risky(lines int, length float64) (string, bool) {
	switch {
	case len(v.ids) > 0:
		return "identifiers", true
	case v.clinical:
		return "a patient's record", true
	case v.unread >= blockUnread || lines >= blockMinLines && 2*v.unread >= lines && length >= blockMinLength:
		return "lines that could not be read", true
	}
	return "", false
}

// length is how long the block's lines are together, in line heights:
// about two characters each.
func (b textBlock) length() float64 {
	n := 0.0
	for _, l := range b.lines {
		long := float64(max(l.Box.Dx(), l.Box.Dy()))
		if l.Long > 0 {
			long = l.Long
		}
		n += long / float64(lineHeight(l))
	}
	return n
}

// isPage says whether p, the plain-coloured region around a block of
// text, is a sheet or a screen: larger than the text (four times its
// area: more than its margin) and at most a quarter of the photo (more
// is a wall or the sky).
func isPage(p, text, photo image.Rectangle) bool {
	area := p.Dx() * p.Dy()
	return 4*area <= photo.Dx()*photo.Dy() && area >= 4*text.Dx()*text.Dy()
}

// isCard says whether c, the plain-coloured region around a block of
// text, is a card: a small part of the photo (as carriers are) that the
// text does not fill (a card has margins, a photo, a header).
func isCard(c, text, photo image.Rectangle) bool {
	area := c.Dx() * c.Dy()
	return area*carrierMaxShare <= photo.Dx()*photo.Dy() && area >= 2*text.Dx()*text.Dy()
}

// blocks judges the text blocks of the detector's lines (grouped, by
// groupLines over textSizedLines) by the readings of them and by the findings made so far (fs), and returns a
// finding for each block that must be redacted whole: its hull with a
// line's margin, grown to the surface or card it sits on. A block inside
// one of judged (a surface redacted whole) was judged with it. A block on
// a surface that reading judged harmless is judged again: handwriting
// read turned can pass for a sign's words.
// before, for the look at a safe copy, is what the first look saw: a
// block it read and judged harmless that only now reads as unread stays
// as it was judged, and lines only this look finds, where the first saw
// no text, are not redacted for being unread (JPEG's noise on stripes and
// clutter makes "lines" of its own); what they say still counts.
func (d *Detector) blocks(img image.Image, grouped []textBlock, readings []ocr.Line, fs []risk.Finding, judged []image.Rectangle, before *Seen, suffix string) ([]risk.Finding, error) {
	var out []risk.Finding
	b := img.Bounds()
	var js []judgement
	for _, blk := range grouped {
		if on, ok := insideWhich(blk.box, judged); ok {
			// On a surface redacted whole: what the rest of its page
			// shows goes with it.
			js = append(js, judgement{blk: blk, covered: true, identifies: true, sits: on, paper: paperColour(img, blk.lines)})
			continue
		}
		near := blk.box.Inset(-blk.height / 2)
		var in []ocr.Line
		for _, l := range readings {
			if c := center(l.Box); c.In(near) {
				in = append(in, l)
			}
		}
		// Lines Tesseract's page pass took for read but read nothing
		// confident on have not been to the recogniser yet.
		rec, err := d.recognise(img, blk.lines, in)
		if err != nil {
			return nil, err
		}
		in = append(in, rec...)
		v := blockVerdict{}
		standing := 0 // lines found only turned that nothing read
		for _, l := range blk.lines {
			switch {
			case allRead([]vision.Region{l}, in):
			case l.Turned:
				standing++
			default:
				v.unread++
			}
		}
		if standing == len(blk.lines) {
			// Stripes of clutter the turned pass took for standing lines
			// (the hard scenes' shelves), which no reader makes words of.
			continue
		}
		for _, m := range d.cls.Classify(rec) {
			out = append(out, risk.Finding{Kind: risk.KindText, Box: m.Box, Confidence: m.Confidence,
				Identifiers: m.Identifiers, MaskedText: risk.Mask(m.Text), Detector: models.TextRec.Name + suffix})
			fs = append(slices.Clip(fs), out[len(out)-1])
		}
		ids := map[risk.Identifier]bool{}
		var kind risk.Kind
		var sits image.Rectangle // the surface the block sits on
		for _, f := range fs {
			if f.Box.Empty() || f.Kind == risk.KindFace {
				continue
			}
			if f.Kind != risk.KindText && f.Kind != risk.KindBarcode {
				// A surface found and judged: the block takes its kind
				// when it lies mostly on it.
				if insideAny(blk.box, []image.Rectangle{f.Box}) {
					kind, sits = f.Kind, f.Box
				}
			}
			// What was read decides; a surface's own identifiers are
			// what it would carry if it could not be read.
			if f.Kind != risk.KindText && f.Kind != risk.KindBarcode || f.MaskedText == UnreadLines || !center(f.Box).In(near) {
				continue
			}
			for _, id := range f.Identifiers {
				ids[id] = true
			}
			v.conf = max(v.conf, f.Confidence)
		}
		text := lineTexts(in)
		v.clinical = ocr.PatientRecord(text) || ocr.Clinical(text)
		if _, risky := v.risky(len(blk.lines), blk.length()); risky && len(ids) == 0 && !v.clinical {
			// Unread: a screen or a page in a window or a mirror reads
			// backwards. Read it mirrored before calling it unreadable.
			m, err := d.readMirrored(img, blk)
			if err != nil {
				return nil, err
			}
			if confidentWords(m) > confidentWords(in) {
				v.mirrored = true
				v.unread = 0
				for _, l := range blk.lines {
					if !allRead([]vision.Region{l}, m) && !l.Turned {
						v.unread++
					}
				}
				for _, mt := range d.cls.Classify(m) {
					for _, id := range mt.Identifiers {
						ids[id] = true
					}
					v.conf = max(v.conf, mt.Confidence)
				}
				mtext := lineTexts(m)
				v.clinical = ocr.PatientRecord(mtext) || ocr.Clinical(mtext)
			}
		}
		for id := range ids {
			v.ids = append(v.ids, id)
		}
		why, risky := v.risky(len(blk.lines), blk.length())
		if risky && len(v.ids) == 0 && !v.clinical && before != nil &&
			(overlapsAny(blk.box, before.harmless, 0.7) || !textSeenIn(blk, before.lines)) {
			// Read and judged harmless on the original, or no text seen
			// there at all: the safe copy differs there only by
			// recompression, and a line read at 0.72 there may read at
			// 0.65 here. Unread now is not news.
			why, risky = "", false
		}
		var card image.Rectangle
		staff, entry := ocr.StaffIn(d.opts.Lists.Staff, text)
		if !risky && entry > 0 && staff.Keeps() {
			// A staff member on the roster who agreed to be shown: the
			// badge stays, its photo too (keptFaces), and the report says
			// which entry decided it and where.
			where := blk.box
			if c, ok := vision.Carrier(img, blk.box); ok && isCard(c, blk.box, b) {
				where = c
			}
			out = append(out, risk.Finding{Kind: risk.KindBadge, Box: where, Confidence: 1, Identifiers: []risk.Identifier{},
				MaskedText: fmt.Sprintf("staff on the roster (entry %d), kept visible", entry), Detector: "roster" + suffix,
				Consent: staff.Consent})
		} else if !risky && len(blk.lines) <= cardLines && blk.length() >= cardMinLength {
			// A few lines on a card of their own beside a photo: a staff
			// or patient ID, which names its wearer however its name
			// reads (a monospace name, tilted, read as "witchell").
			if c, ok := vision.Carrier(img, blk.box); ok && isCard(c, blk.box, b) && vision.PhotoSquare(img, c, blk.box, blk.height) {
				why, risky, card = "a photo beside it, on a card", true, c
			}
		}
		js = append(js, judgement{blk: blk, v: v, why: why, risky: risky, card: card, kind: kind, sits: sits,
			identifies: len(v.ids) > 0 || v.clinical, paper: paperColour(img, blk.lines)})
	}
	pages(img, js)
	for _, j := range js {
		blk, v, why, risky, card, kind, sits := j.blk, j.v, j.why, j.risky, j.card, j.kind, j.sits
		if !j.covered && !risky && kind == "" && len(blk.lines) >= blockMinLines {
			// A page's worth of text, read, with nothing identifying in
			// it and no surface under it to report it: said, for a
			// person to check, and left visible.
			out = append(out, risk.Finding{Kind: risk.KindText, Box: blk.box, Confidence: unreadableConf, Harmless: true,
				MaskedText: fmt.Sprintf("block of %d lines, read: nothing identifying", len(blk.lines)),
				Detector:   models.TextDet.Name + "-block" + suffix})
		}
		if j.covered || !risky {
			continue
		}
		slices.Sort(v.ids)
		if len(v.ids) == 0 {
			v.ids = []risk.Identifier{risk.IDName}
			if v.clinical {
				v.ids = []risk.Identifier{risk.IDName, risk.IDDate}
			}
		}
		if v.conf == 0 {
			v.conf = unreadableConf
			if v.clinical {
				v.conf = alwaysConf
			}
		}
		box := blk.box.Inset(-blk.height).Intersect(b)
		if !sits.Empty() {
			box = box.Union(sits)
		} else if card.Empty() && len(blk.lines) <= cardLines {
			if c, ok := vision.Carrier(img, blk.box); ok && isCard(c, blk.box, b) {
				card = c
			}
		}
		if !card.Empty() {
			// A card or label of its own colour around the block (a
			// badge, a sticker): its photo and codes go with the text.
			box = box.Union(card)
			if kind == "" {
				kind = risk.KindBadge
			}
		}
		if sits.Empty() && card.Empty() && j.identifies {
			// No surface found under a block that identifies (a form's
			// header read, its lines in small print or a faint hand that
			// the detector did not see): the paper of its colour around
			// it goes with it. (It does not bound the block's page: a
			// table's rules cut its paper into cells.)
			if p, ok := vision.Page(img, blk.box); ok && isPage(p, blk.box, b) {
				box = box.Union(p)
			}
		}
		if kind == "" {
			kind = risk.KindDocument
		}
		what := fmt.Sprintf("block of %d lines with %s, redacted whole", len(blk.lines), why)
		if v.mirrored {
			what = fmt.Sprintf("block of %d lines seen mirrored (a reflection) with %s, redacted whole", len(blk.lines), why)
		}
		out = append(out, risk.Finding{Kind: kind, Box: box, Confidence: v.conf, Identifiers: v.ids,
			MaskedText: what, Detector: models.TextDet.Name + "-block" + suffix})
	}
	return out, nil
}

// textSeenIn says whether one of lines (another look's) lies on blk.
func textSeenIn(blk textBlock, lines []image.Rectangle) bool {
	near := blk.box.Inset(-blk.height)
	for _, l := range lines {
		if center(l).In(near) {
			return true
		}
	}
	return false
}

// judgement is what blocks made of one block.
type judgement struct {
	blk        textBlock
	v          blockVerdict
	why        string
	risky      bool
	card       image.Rectangle
	kind       risk.Kind
	sits       image.Rectangle
	covered    bool     // inside a surface redacted whole
	identifies bool     // identifiers or a patient's record read in it
	paper      [3]uint8 // the colour its lines are printed on
}

// pageGap is how far apart, in line heights, two blocks of one page
// (a receipt's header and its items, a screen's columns) may be.
const pageGap = 3

// pages joins blocks into pages, blocks of like line heights within
// pageGap lines of each other, on one surface or on one paper of img
// that runs on between them, and makes every block of a page on which
// something identifies someone risky too: the receipt under a name, the
// rest of a chart, the other columns of a screen with a patient list.
// A page ends at the edge of the paper or screen it is on: a block on a
// surface and one off it (an e-reader's logo on its bezel, beside the
// display) are not one page.
func pages(img image.Image, js []judgement) {
	off := func(a, b judgement) bool {
		return !a.sits.Empty() && !insideAny(b.blk.box, []image.Rectangle{a.sits})
	}
	find := connect(len(js), func(i, j int) bool {
		a, b := js[i].blk, js[j].blk
		if max(a.height, b.height) > 3*min(a.height, b.height) ||
			!a.box.Inset(-pageGap*a.height).Overlaps(b.box.Inset(-pageGap*b.height)) ||
			off(js[i], js[j]) || off(js[j], js[i]) {
			return false
		}
		// One surface under both is one page whatever its colours (a
		// screen's sidebar and its list); with none, text on another
		// colour is on something else: a logo on the backdrop beside a
		// monitor, a sign on the wall above a form.
		s := js[i].sits
		if !s.Empty() && s == js[j].sits {
			return true
		}
		// On one colour, the paper runs on between them: a wristband's
		// label and a white sign a table's width below it are two.
		return samePaper(js[i].paper, js[j].paper) && bridged(img, a.box, b.box, js[i].paper, js[j].paper)
	})
	ids := map[int][]risk.Identifier{}
	conf := map[int]float64{}
	for i, j := range js {
		if j.identifies {
			r := find(i)
			ids[r] = append(ids[r], j.v.ids...)
			conf[r] = max(conf[r], j.v.conf)
		}
	}
	for i := range js {
		r := find(i)
		if _, ok := ids[r]; !ok || js[i].identifies || js[i].covered {
			continue
		}
		j := &js[i]
		j.risky, j.why = true, "identifiers elsewhere on its page"
		j.v.ids = slices.Compact(slices.Sorted(slices.Values(ids[r])))
		j.v.conf = max(j.v.conf, conf[r])
	}
}

// paperColour is the colour lines are printed on: the median of each
// channel over their boxes, where the paper outnumbers the ink.
func paperColour(img image.Image, lines []vision.Region) [3]uint8 {
	var ch [3][]uint8
	area := 0
	for _, l := range lines {
		area += l.Box.Dx() * l.Box.Dy()
	}
	// About 4000 samples, whatever the size of the block.
	step := max(1, int(math.Sqrt(float64(area)/4000)))
	for _, l := range lines {
		r := l.Box.Intersect(img.Bounds())
		for y := r.Min.Y; y < r.Max.Y; y += step {
			for x := r.Min.X; x < r.Max.X; x += step {
				c := color.NRGBAModel.Convert(img.At(x, y)).(color.NRGBA)
				ch[0], ch[1], ch[2] = append(ch[0], c.R), append(ch[1], c.G), append(ch[2], c.B)
			}
		}
	}
	var out [3]uint8
	for i := range ch {
		if len(ch[i]) > 0 {
			slices.Sort(ch[i])
			out[i] = ch[i][len(ch[i])/2]
		}
	}
	return out
}

// paperTolerance is how far apart (RGB distance) the colours of one
// page's blocks may be: shade and a camera's white balance move a
// page's colour across it by some tens of levels; a grey backdrop is a
// hundred from white paper.
const paperTolerance = 64

// samePaper says whether two blocks' paper colours are one paper's.
func samePaper(a, b [3]uint8) bool {
	d := 0
	for i := range a {
		x := int(a[i]) - int(b[i])
		d += x * x
	}
	return d <= paperTolerance*paperTolerance
}

// bridgeShare is the least share of the way between two blocks of one
// page that is their paper: rules, a table's lines and stray marks cross
// it; another object's edge, or the background, takes a third and more.
const bridgeShare = 0.75

// bridged says whether the way from block a to block b, outside both,
// is mostly paper of their colours (pa, pb).
func bridged(img image.Image, a, b image.Rectangle, pa, pb [3]uint8) bool {
	p, q := center(a), center(b)
	d := max(abs(q.X-p.X), abs(q.Y-p.Y))
	paper, n := 0, 0
	for i := 0; i <= d; i += max(1, d/200) {
		pt := image.Pt(p.X+(q.X-p.X)*i/max(d, 1), p.Y+(q.Y-p.Y)*i/max(d, 1))
		if pt.In(a) || pt.In(b) || !pt.In(img.Bounds()) {
			continue
		}
		n++
		c := color.NRGBAModel.Convert(img.At(pt.X, pt.Y)).(color.NRGBA)
		px := [3]uint8{c.R, c.G, c.B}
		if samePaper(px, pa) || samePaper(px, pb) {
			paper++
		}
	}
	return float64(paper) >= bridgeShare*float64(n)
}

func abs(x int) int { return max(x, -x) }

// readMirrored reads a block flipped left to right and maps the words
// back into the photo.
func (d *Detector) readMirrored(img image.Image, blk textBlock) ([]ocr.Line, error) {
	r := blk.box.Inset(-blk.height / 2).Intersect(img.Bounds())
	if r.Dx() < 8 || r.Dy() < 8 {
		return nil, nil // Leptonica cannot scale a sliver
	}
	lines, err := d.reader.Read(imaging.FlipH(imaging.Crop(img, r)))
	if err != nil {
		return nil, err
	}
	w := r.Dx()
	for i := range lines {
		lines[i] = mapLine(lines[i], func(b image.Rectangle) image.Rectangle {
			return image.Rect(r.Min.X+w-b.Max.X, r.Min.Y+b.Min.Y, r.Min.X+w-b.Min.X, r.Min.Y+b.Max.Y)
		})
	}
	return lines, nil
}

func center(r image.Rectangle) image.Point { return r.Min.Add(r.Max).Div(2) }

func lineTexts(lines []ocr.Line) string {
	parts := make([]string, len(lines))
	for i, l := range lines {
		parts[i] = l.Text()
	}
	return strings.Join(parts, " ")
}

// evidenced says whether a surface shows what makes it one: lines of
// text the detector sees lying on it (a stripe of clutter is as often
// taken for a standing line) and on no other surface of all that is in
// front of it or crosses it, in the whole photo or, for small print, on
// the surface cut out and enlarged; or a barcode's stripes. A bright
// quad alone is as often a white pole, a shirt or a wall. Without the
// text detector every surface counts, as before it.
func (d *Detector) evidenced(img image.Image, s vision.Surface, found, stripes []vision.Region, all []vision.Surface) (bool, error) {
	if !d.vision.FindsTextLines() {
		return true, nil
	}
	for _, st := range stripes {
		if center(st.Box).In(s.Box) {
			return true, nil
		}
	}
	// A line counts when it lies on the surface, not across its edge:
	// the edge of a bright band against slats or branches is line-shaped.
	// A line on a smaller surface in front of it or set into it (a phone
	// held up against a band of sky, a note on a board) is that one's.
	// So is a line on a larger surface that crosses this one's box
	// without lying behind it: a page whose corner a dark patch of hill
	// or table overlaps gives the patch none of its lines.
	var others []image.Rectangle
	for _, o := range all {
		if o.Box == s.Box || !o.Box.Overlaps(s.Box) {
			continue
		}
		if o.Box.Dx()*o.Box.Dy() < s.Box.Dx()*s.Box.Dy() || !insideAny(s.Box, []image.Rectangle{o.Box}) {
			others = append(others, o.Box)
		}
	}
	on := func(lines []vision.Region, at image.Point) int {
		var in []vision.Region
		for _, l := range lines {
			r := l.Box.Add(at)
			if !l.Turned && insideAny(r, []image.Rectangle{s.Box}) && !insideAny(r, others) {
				in = append(in, l)
			}
		}
		return lineShaped(in)
	}
	if on(found, image.Point{}) >= evidenceLines {
		return true, nil
	}
	box := readBox(img, s)
	crop, err := d.surfaceLyingLines(img, box)
	if err != nil {
		return false, err
	}
	return on(crop, image.Point{}) >= evidenceLines, nil
}

// surfaceLines finds the text lines of img inside box, cut out and
// enlarged (small print the whole photo's pass misses), in img's
// coordinates; once a look for each box, since both the evidence a
// surface needs and its reading ask. Where surfaceLyingLines has looked
// already, only the pass for standing lines is run.
func (d *Detector) surfaceLines(img image.Image, box image.Rectangle) ([]vision.Region, error) {
	if lines, ok := d.cropLines[box]; ok {
		return lines, nil
	}
	lying, looked := d.cropLying[box]
	if looked && d.suffix != "" {
		return lying, nil // the look at a safe copy finds lying lines only
	}
	crop, at := cut(img, box)
	var lines []vision.Region
	var err error
	if looked {
		lines, err = d.vision.StandingTextLines(crop, shifted(lying, at.Mul(-1)))
	} else {
		lines, err = d.textLines(crop)
	}
	if err != nil {
		return nil, err
	}
	lines = shifted(lines, at)
	d.cropLines[box] = lines
	return lines, nil
}

// surfaceLyingLines are the lines of surfaceLines found as they stand,
// which is all a surface's evidence counts: for a surface that shows none,
// the pass over its crop turned a quarter is not run.
func (d *Detector) surfaceLyingLines(img image.Image, box image.Rectangle) ([]vision.Region, error) {
	if lines, ok := d.cropLines[box]; ok {
		return lyingLines(lines), nil
	}
	if lines, ok := d.cropLying[box]; ok {
		return lines, nil
	}
	crop, at := cut(img, box)
	lines, err := d.vision.LyingTextLines(crop)
	if err != nil {
		return nil, err
	}
	lines = shifted(lines, at)
	d.cropLying[box] = lines
	return lines, nil
}

// cut returns the part of img in box, and where its origin lies in img:
// a sub-image keeps img's coordinates (at is zero), a copy starts at 0,0.
func cut(img image.Image, box image.Rectangle) (crop image.Image, at image.Point) {
	if sub, ok := img.(interface {
		SubImage(image.Rectangle) image.Image
	}); ok {
		return sub.SubImage(box), image.Point{}
	}
	return imaging.Crop(img, box), box.Min
}

// shifted returns lines moved by at (lines itself when at is zero).
func shifted(lines []vision.Region, at image.Point) []vision.Region {
	if at == (image.Point{}) {
		return lines
	}
	out := slices.Clone(lines)
	for i := range out {
		out[i].Box = out[i].Box.Add(at)
	}
	return out
}

// evidenceLines is how many lines of text a surface must show: the
// detector takes a single streak of blurred foliage or cloud for a line
// now and then, and a badge, a wristband or a page has two or more.
const evidenceLines = 2
