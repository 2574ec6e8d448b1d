// Package detect owns what is in one photo: it runs the detectors of
// packages vision (faces, text lines, surfaces, barcode stripes) and ocr
// (Tesseract and the identifier classifier) over a decoded photo and
// applies the rules that turn what they see into findings: surfaces read
// and judged, scene text read line by line, codes with the labels they
// are printed on, cards, plates and the file's metadata. How a run goes
// (inputs, workers, redaction, the look at the safe copy, writing) is
// package pipeline's.
package detect

import (
	"errors"
	"fmt"
	"image"
	"slices"
	"time"

	"github.com/disintegration/imaging"

	"photoaudit/barcode"
	"photoaudit/models"
	"photoaudit/ocr"
	"photoaudit/photo"
	"photoaudit/risk"
	"photoaudit/vision"
)

// Options tune the detectors and the classifier.
type Options struct {
	Vision   vision.Options
	Surfaces vision.SurfaceOptions
	OCR      ocr.Options
	Lists    ocr.Lists
}

// DefaultOptions returns the documented defaults.
func DefaultOptions() Options {
	return Options{Vision: vision.DefaultOptions(), Surfaces: vision.DefaultSurfaceOptions(), OCR: ocr.DefaultOptions()}
}

// Detector holds one set of native detectors (OpenCV's, ONNX Runtime's,
// a Tesseract client). It is not safe for concurrent use: give each
// worker its own, and Close it.
type Detector struct {
	opts   Options
	vision *vision.Detector
	reader *ocr.Reader
	cls    *ocr.Classifier
	// rechecked names the looks run on a safe copy, for the report.
	rechecked []string
	// recognised are the lines the recogniser read in this look;
	// cropLines the text lines found on each surface cut out, cropLying
	// those found on it as it stands (surfaceLyingLines).
	recognised map[image.Rectangle]bool
	cropLines  map[image.Rectangle][]vision.Region
	cropLying  map[image.Rectangle][]vision.Region
	// stages are the times of the stages of the looks at one photo, from
	// its first look (Photo) on.
	stages []Stage
	suffix string // of the look under way
	probe  func() int64
}

// Stage is the time one stage of a look took (photoaudit bench), and
// what the memory probe (SetProbe) read when it ended.
type Stage struct {
	Name   string
	Time   time.Duration
	Memory int64
}

// SetProbe makes each stage read probe when it ends (photoaudit bench
// reads the process's peak resident set); nil reads nothing.
func (d *Detector) SetProbe(probe func() int64) { d.probe = probe }

// spent notes the time since start as stage name's, and returns now.
func (d *Detector) spent(name string, start time.Time) time.Time {
	now := time.Now()
	s := Stage{Name: name + d.suffix, Time: now.Sub(start)}
	if d.probe != nil {
		s.Memory = d.probe()
	}
	d.stages = append(d.stages, s)
	return now
}

// Stages returns the stages' times of the looks at the last photo, in
// order, "/verify" added to the look at a safe copy's.
func (d *Detector) Stages() []Stage { return slices.Clone(d.stages) }

// New loads the detectors for opts.
func New(opts Options) (*Detector, error) {
	v, err := vision.NewDetector(opts.Vision)
	if err != nil {
		return nil, err
	}
	r, err := ocr.NewReader(opts.OCR)
	if err != nil {
		v.Close()
		return nil, err
	}
	// What the look at a safe copy reads text with (see Look).
	text := "text: tesseract's page pass"
	if v.FindsTextLines() {
		text = "text: every line " + models.TextDet.Name + " finds, read by tesseract"
	}
	if v.ReadsTextLines() {
		text += " and " + models.TextRec.Name
	}
	return &Detector{opts: opts, vision: v, reader: r, cls: ocr.NewClassifier(opts.Lists),
		rechecked: append(v.RecheckLooks(), text, "surfaces, barcodes, cards and plates")}, nil
}

// Close frees the native detectors.
func (d *Detector) Close() error {
	return errors.Join(d.vision.Close(), d.reader.Close())
}

// Faces is the face detector alone, as the first look runs it.
func (d *Detector) Faces(img image.Image) ([]vision.Region, error) { return d.vision.Faces(img) }

// Read is Tesseract alone over img.
func (d *Detector) Read(img image.Image) ([]ocr.Line, error) { return d.reader.Read(img) }

// Rechecked names what a look at a safe copy (Look with a previous look)
// runs, as the report says it.
func (d *Detector) Rechecked() []string { return d.rechecked }

// Names names the detectors a Detector made with v uses, and warns of
// each neural one that is missing and what stands in for it.
func Names(v vision.Options) (names, warnings []string) {
	faces, missing := vision.FaceDetectors(v)
	names = append(faces, "tesseract", "surface")
	if missing != nil {
		warnings = append(warnings, "faces were found with the Haar cascades only, which miss more: "+missing.Error())
	}
	if err := vision.TextDetector(v); err != nil {
		warnings = append(warnings, "scene text was found by Tesseract's own layout only, which misses text on screens and signs: "+err.Error())
	} else {
		names = append(names, models.TextDet.Name)
	}
	if err := vision.ObjectDetector(v); err != nil {
		warnings = append(warnings, "monitors, laptops and phones were found by the paper detector only, which misses colourful screens: "+err.Error())
	} else {
		names = append(names, models.Objects.Name)
	}
	return names, warnings
}

// UnreadLines describes a block of text lines none of which could be
// read.
const UnreadLines = "lines of text that could not be read"

// Seen is what one look saw besides its findings; the look at a safe
// copy is given the first look's.
type Seen struct {
	// harmless are surfaces and text blocks read and judged harmless
	// (posters, signs, a book's page).
	harmless []image.Rectangle
	// lines are the lying text lines the detector found.
	lines []image.Rectangle
	// redacted, for the look at a safe copy, are the boxes its
	// redaction covered (Redacted).
	redacted []image.Rectangle
}

// Redacted returns what s saw, for the look at a safe copy whose
// redaction covered boxes (margins included): where the copy differs from
// the photo s saw. Faces are looked for at the first look's scales only
// there (vision.RecheckFaces).
func (s *Seen) Redacted(boxes []image.Rectangle) *Seen {
	c := *s
	c.redacted = boxes
	return &c
}

// Photo is the first look at a decoded photo: what its pixels show and
// what its metadata gives away.
func (d *Detector) Photo(p *photo.Photo) ([]risk.Finding, *Seen, error) {
	d.stages = d.stages[:0] // a photo's looks at a time
	fs, seen, err := d.Look(p.Image, nil)
	if err != nil {
		return nil, nil, err
	}
	return append(fs, Metadata(p.Meta)...), seen, nil
}

// Look runs every detector on img. prev is nil for the first look; for
// the look at the safe copy it is what the first look saw, faces are
// looked for at more scales (vision.RecheckFaces), and "/verify" is
// appended to the detector names so the report tells the looks apart.
func (d *Detector) Look(img image.Image, prev *Seen) ([]risk.Finding, *Seen, error) {
	suffix := ""
	if prev != nil {
		suffix = "/verify"
	}
	d.suffix = suffix
	seen := &Seen{}
	d.forget()
	findFaces := d.vision.Faces
	if prev != nil {
		findFaces = func(img image.Image) ([]vision.Region, error) { return d.vision.RecheckFaces(img, prev.redacted) }
	}
	t := time.Now()
	faces, err := findFaces(img)
	t = d.spent("faces", t)
	if err != nil {
		return nil, nil, err
	}
	var out []risk.Finding
	for _, f := range faces {
		out = append(out, risk.Finding{
			Kind: risk.KindFace, Box: f.Box, Confidence: f.Confidence,
			Identifiers: []risk.Identifier{risk.IDFullFace}, Detector: f.Detector + suffix,
		})
	}
	// Tesseract's page pass reads the first look only. The safe copy is
	// the original with boxes covered and JPEG's noise elsewhere: the
	// page pass there re-read what was read (1.3-3.2 s on a busy 12 MP
	// photo, a quarter of the audit) and found nothing new on eval-dev's
	// composites, real-surfaces or the hard scenes (0 strings readable
	// either way). The detector's lines on the safe copy are still read,
	// all of them (scene text, below): what was covered must not read,
	// and what shows must say nothing.
	// Without the detector the page pass is all the reading there is.
	// With it, the page pass reads each line once, as it stands
	// (ocr.Reader.ReadUpright). A line of light text on dark is then the
	// detector's to read: scene text reads it dark on light where the
	// page pass read nothing, and the text blocks give the recogniser
	// those where it read nothing confident.
	var lines []ocr.Line
	if prev == nil || !d.vision.FindsTextLines() {
		read := d.reader.Read
		if d.vision.FindsTextLines() {
			read = d.reader.ReadUpright
		}
		lines, err = read(img)
		t = d.spent("tesseract page", t)
		if err != nil {
			return nil, nil, err
		}
	}
	for _, m := range d.cls.Classify(lines) {
		out = append(out, risk.Finding{
			Kind: risk.KindText, Box: m.Box, Confidence: m.Confidence,
			Identifiers: m.Identifiers, MaskedText: risk.Mask(m.Text), Detector: "tesseract" + suffix,
		})
	}
	found, err := d.textLines(img)
	t = d.spent("text lines", t)
	if err != nil {
		return nil, nil, err
	}
	stripes, err := vision.BarcodeStripes(img)
	t = d.spent("barcode stripes", t)
	if err != nil {
		return nil, nil, err
	}
	surfaces, err := vision.Surfaces(img, d.opts.Surfaces)
	t = d.spent("surfaces", t)
	if err != nil {
		return nil, nil, err
	}
	// Objects only in the first look: all they make is harmless
	// findings, which the look at a safe copy drops (StillRisky).
	var objects []vision.Object
	if prev == nil {
		objects, err = d.vision.Objects(img)
		t = d.spent("objects", t)
		if err != nil {
			return nil, nil, err
		}
	}
	for _, s := range surfaces {
		if prev != nil && insideAny(s.Box, prev.redacted) {
			// The redaction's own box, a flat or blocky rectangle: what
			// it covered is looked for by the faces and the text lines
			// here, and judged there.
			continue
		}
		if prev != nil && overlapsAny(s.Box, prev.harmless, 0.7) {
			// Judged harmless on the original; the safe copy differs only
			// by recompression there, and OCR's confidence is not stable
			// enough under it to judge the same poster twice.
			seen.harmless = append(seen.harmless, s.Box)
			continue
		}
		ok, err := d.evidenced(img, s, found, stripes, surfaces)
		if err != nil {
			return nil, nil, err
		}
		if !ok {
			continue
		}
		fs, err := d.readSurface(img, s, suffix)
		if err != nil {
			return nil, nil, err
		}
		if len(fs) == 1 && fs[0].Harmless {
			seen.harmless = append(seen.harmless, s.Box)
		}
		out = append(out, fs...)
	}
	var covered []image.Rectangle
	for _, f := range out {
		if f.Kind != risk.KindFace && f.Kind != risk.KindText && !f.Box.Empty() && !f.LeftVisible() {
			covered = append(covered, f.Box)
		}
	}
	t = d.spent("surface reading", t)
	codes, err := d.barcodes(img, stripes, covered, suffix)
	t = d.spent("barcodes", t)
	if err != nil {
		return nil, nil, err
	}
	out = append(out, codes...)
	// Scene text last: lines inside a surface that is redacted whole need
	// no reading. A label around a code is still read: what its text
	// names is what the report must say.
	scene, err := d.sceneText(img, found, lines, covered)
	t = d.spent("scene text", t)
	if err != nil {
		return nil, nil, err
	}
	for _, m := range d.cls.Classify(scene) {
		out = append(out, risk.Finding{
			Kind: risk.KindText, Box: m.Box, Confidence: m.Confidence,
			Identifiers: m.Identifiers, MaskedText: risk.Mask(m.Text), Detector: models.TextDet.Name + "+tesseract" + suffix,
		})
	}
	out = append(out, d.carriers(img, out, covered, suffix)...)
	read := slices.Concat(scene, lines)
	// The detector's lines in blocks, once for the plates and the blocks.
	grouped := groupLines(textSizedLines(found, img.Bounds()))
	out = append(out, plates(img, read, grouped, covered, suffix)...)
	// Blocks last: what was read and found anywhere in a block decides
	// for all of it.
	seen.lines = lyingBoxes(found)
	t = d.spent("cards and plates", t)
	blocks, err := d.blocks(img, grouped, read, out, covered, prev, suffix)
	d.spent("text blocks", t)
	if err != nil {
		return nil, nil, err
	}
	for _, f := range blocks {
		if f.Harmless {
			seen.harmless = append(seen.harmless, f.Box)
		}
	}
	// Objects are not read as surfaces are: what is read on them is the
	// text blocks' to judge. Each is reported as seen with nothing
	// identifying until something on it says otherwise (judgedOnce).
	// They give blocks no extent: their boxes take in bezels, keyboards
	// and hands, which a block's own hull leaves out.
	objs := objectFindings(objects, surfaces, found, suffix)
	return keptFaces(judgedOnce(slices.Concat(out, blocks, objs))), seen, nil
}

// forget drops what the last look read and found on surfaces: each look
// reads its own photo.
func (d *Detector) forget() {
	d.recognised = map[image.Rectangle]bool{}
	d.cropLines = map[image.Rectangle][]vision.Region{}
	d.cropLying = map[image.Rectangle][]vision.Region{}
}

// lyingBoxes are the boxes of the lines of found that lie: the look at a
// safe copy finds lying lines only, and a line the first look found only
// turned (a stripe of clutter, standing) is not text seen where that
// look finds a lying one.
func lyingBoxes(found []vision.Region) []image.Rectangle {
	var out []image.Rectangle
	for _, l := range lyingLines(found) {
		out = append(out, l.Box)
	}
	return out
}

// lyingLines are the lines of found that were found as they stand, not
// only on the photo turned a quarter (vision.Region.Turned).
func lyingLines(found []vision.Region) []vision.Region {
	var out []vision.Region
	for _, l := range found {
		if !l.Turned {
			out = append(out, l)
		}
	}
	return out
}

// textLines are the detector's text lines of img: in the look at a safe
// copy, only those found as it stands (vision.LyingTextLines). The first
// look has looked for standing lines on the photo turned a quarter, and
// a standing line counts once read, which the safe copy's noise does not
// make more likely (the turned pass is 0.4 s a look at 12 MP).
func (d *Detector) textLines(img image.Image) ([]vision.Region, error) {
	if d.suffix != "" {
		return d.vision.LyingTextLines(img)
	}
	return d.vision.TextLines(img)
}

// keptFaces leaves visible the faces on a badge the roster keeps: the
// photo on a staff member's ID is the same person who agreed to be shown.
// Each becomes a finding under the badge's consent reference.
func keptFaces(fs []risk.Finding) []risk.Finding {
	var kept []risk.Finding
	for _, f := range fs {
		if f.Consent != "" && f.Kind == risk.KindBadge && !f.Box.Empty() {
			kept = append(kept, f)
		}
	}
	for i, f := range fs {
		if f.Kind != risk.KindFace {
			continue
		}
		for _, k := range kept {
			if insideAny(f.Box, []image.Rectangle{k.Box}) {
				fs[i].Identifiers, fs[i].Consent = []risk.Identifier{}, k.Consent
				fs[i].MaskedText = "the photo on a badge the roster keeps, kept visible"
				break
			}
		}
	}
	return fs
}

// judgedOnce drops what was judged harmless where something identifying
// was found after all (a name another reading caught, a block on it
// redacted whole): the report says one thing of each surface.
func judgedOnce(fs []risk.Finding) []risk.Finding {
	var risky []image.Rectangle
	for _, f := range fs {
		if !f.Harmless && f.Kind != risk.KindFace && !f.Box.Empty() && len(f.Identifiers) > 0 {
			risky = append(risky, f.Box)
		}
	}
	return slices.DeleteFunc(fs, func(f risk.Finding) bool {
		if !f.Harmless {
			return false
		}
		for _, r := range risky {
			if center(r).In(f.Box) || insideAny(f.Box, []image.Rectangle{r}) {
				return true
			}
		}
		return false
	})
}

// objectSure is the score from which an object the detector found is
// reported even with no text seen on it (a laptop from the side, a
// phone's dark screen); below it, an object needs evidenceLines text
// lines on it, as a surface does.
const objectSure = 0.5

// objectFindings turns the object detector's monitors, laptops, phones
// and books into Harmless findings of their kind (never covered by
// themselves), except where a quad the surface detector found is the
// same thing.
func objectFindings(objects []vision.Object, surfaces []vision.Surface, lines []vision.Region, suffix string) []risk.Finding {
	var boxes []image.Rectangle
	for _, s := range surfaces {
		boxes = append(boxes, s.Box)
	}
	var out []risk.Finding
	for _, o := range objects {
		if overlapsAny(o.Box, boxes, 0.5) {
			continue // the same thing, found as a quad
		}
		var on []vision.Region
		for _, l := range lines {
			if insideAny(l.Box, []image.Rectangle{o.Box}) {
				on = append(on, l)
			}
		}
		what := o.Name + ", no text seen on it"
		switch n := lineShaped(on); {
		case n >= evidenceLines:
			what = fmt.Sprintf("%s, %d lines of text on it, nothing identifying", o.Name, n)
		case o.Confidence < objectSure:
			continue
		}
		out = append(out, risk.Finding{Kind: risk.Kind(o.Kind), Box: o.Box, Confidence: o.Confidence, Harmless: true,
			Identifiers: []risk.Identifier{}, MaskedText: what, Detector: models.Objects.Name + "-" + o.Name + suffix})
		boxes = append(boxes, o.Box)
	}
	return out
}

// plates finds licence plates: a line that reads like one by itself
// (ocr.PlateLike), printed on a plain plate of a plate's shape that it
// mostly fills, and not one of a page's lines (grouped: the detector's
// lines in blocks). Vehicle numbers are an identifier of their own.
func plates(img image.Image, lines []ocr.Line, grouped []textBlock, covered []image.Rectangle, suffix string) []risk.Finding {
	// A line of a page (a block of blockMinLines lines or more of like
	// height) is text, not a plate: "AWS DVA-C02" boxed in red above a
	// whiteboard's notes. A plate's other lines (a state's name, a
	// dealer's frame) are a fraction of its number's height and make no
	// block with it.
	var page []image.Rectangle
	for _, blk := range grouped {
		if len(blk.lines) >= blockMinLines {
			for _, l := range blk.lines {
				page = append(page, l.Box)
			}
		}
	}
	var out []risk.Finding
	for _, l := range lines {
		if !ocr.PlateLike(l) || insideAny(l.Box, covered) || slices.ContainsFunc(page, center(l.Box).In) {
			continue
		}
		c, ok := vision.Carrier(img, l.Box)
		if !ok {
			continue
		}
		aspect := float64(c.Dx()) / float64(max(c.Dy(), 1))
		if c.Dx()*c.Dy() > plateMaxText*l.Box.Dx()*l.Box.Dy() || aspect < 1.4 || aspect > 5.5 {
			continue
		}
		out = append(out, risk.Finding{Kind: risk.KindLicensePlate, Box: c, Confidence: 0.7,
			Identifiers: []risk.Identifier{risk.IDVehicle}, MaskedText: risk.Mask(l.Text()), Detector: "plate" + suffix})
		covered = append(covered, c)
	}
	return out
}

// carriers finds the badge, card or label each identifying text finding
// outside the surfaces already redacted (covered) is printed on, and
// makes it a finding of its own with the text's identifiers: a card that
// names someone also shows their photo or an ID number.
func (d *Detector) carriers(img image.Image, fs []risk.Finding, covered []image.Rectangle, suffix string) []risk.Finding {
	var out []risk.Finding
	b := img.Bounds()
	for _, f := range fs {
		if f.Kind != risk.KindText || len(f.Identifiers) == 0 || f.MaskedText == UnreadLines || insideAny(f.Box, covered) {
			continue
		}
		c, ok := vision.Carrier(img, f.Box)
		if !ok || insideAny(c, covered) {
			continue
		}
		// A card, not a page: a few times the text's size and a small
		// part of the photo.
		if area := c.Dx() * c.Dy(); area > carrierMaxText*f.Box.Dx()*f.Box.Dy() || area*carrierMaxShare > b.Dx()*b.Dy() {
			continue
		}
		kind := risk.KindBadge
		if long, short := max(c.Dx(), c.Dy()), min(c.Dx(), c.Dy()); long >= 3*short {
			kind = risk.KindWristband
		}
		out = append(out, risk.Finding{Kind: kind, Box: c, Confidence: f.Confidence,
			Identifiers: f.Identifiers, MaskedText: "printed with " + f.MaskedText, Detector: "carrier" + suffix})
		covered = append(covered, c)
	}
	return out
}

// barcodes finds the stripes of 1-D codes outside the surfaces already
// redacted whole (covered), each with the label it is printed on. A code
// that decodes says what it holds; one that does not is still a number
// that identifies someone on a wristband or a specimen label, so it is
// redacted all the same.
func (d *Detector) barcodes(img image.Image, stripes []vision.Region, covered []image.Rectangle, suffix string) ([]risk.Finding, error) {
	var out []risk.Finding
	for _, st := range stripes {
		if insideAny(st.Box, covered) {
			continue
		}
		decoded, err := barcode.Decode(imaging.Crop(img, st.Box))
		if err != nil {
			return nil, err
		}
		label := slices.ContainsFunc(decoded, func(c barcode.Code) bool { return !c.Product() })
		if len(decoded) == 0 {
			out = append(out, risk.Finding{Kind: risk.KindBarcode, Box: st.Box, Confidence: st.Confidence,
				Identifiers: []risk.Identifier{risk.IDOtherNumber}, MaskedText: "barcode, not decoded",
				Detector: st.Detector + suffix})
		}
		for _, c := range decoded {
			f := d.decodedCode(c, st.Box, suffix)
			if c.Product() && label {
				// Beside a label's code, the stripes are the label's,
				// whatever this one names.
				f.Harmless, f.Identifiers = false, []risk.Identifier{risk.IDOtherNumber}
			}
			out = append(out, f)
		}
	}
	return out, nil
}

// decodedCode is the finding for a code gozxing read, over box. What the
// code holds decides what it exposes; a code on a patient label with
// nothing recognisable is still an ID. A product's code (UPC, EAN) is
// reported and harmless.
func (d *Detector) decodedCode(c barcode.Code, box image.Rectangle, suffix string) risk.Finding {
	if c.Product() {
		return risk.Finding{Kind: risk.KindBarcode, Box: box, Confidence: 0.9, Identifiers: []risk.Identifier{},
			MaskedText: c.Format + " product code: " + risk.Mask(c.Text), Detector: "gozxing" + suffix, Harmless: true}
	}
	f := risk.Finding{Kind: risk.KindBarcode, Box: box, Confidence: 0.9,
		Identifiers: []risk.Identifier{risk.IDOtherNumber},
		MaskedText:  c.Format + ": " + risk.Mask(c.Text), Detector: "gozxing" + suffix}
	if m, ok := d.cls.Text(c.Text); ok {
		f.Identifiers = m.Identifiers
	}
	return f
}

func overlapsAny(r image.Rectangle, boxes []image.Rectangle, iou float64) bool {
	for _, b := range boxes {
		if vision.IoU(r, b) >= iou {
			return true
		}
	}
	return false
}

// Metadata lists what a file's metadata gives away. The safe copy never
// carries it, so these are redacted by construction.
func Metadata(m photo.Metadata) []risk.Finding {
	var out []risk.Finding
	add := func(detector, what string, ids ...risk.Identifier) {
		if ids == nil {
			ids = []risk.Identifier{}
		}
		out = append(out, risk.Finding{Kind: risk.KindMetadata, Confidence: 1, Identifiers: ids,
			MaskedText: what, Detector: detector, Redacted: true})
	}
	if m.GPS != nil {
		add("exif-gps", "GPS position", risk.IDGeo)
	}
	if m.CaptureTime != "" {
		add("exif-datetime", "capture date "+risk.Mask(m.CaptureTime[:10]), risk.IDDate)
	}
	for _, f := range m.Personal {
		add("exif-"+f, f, risk.IDOtherNumber)
	}
	if m.Thumbnail {
		add("exif-thumbnail", "embedded thumbnail of the unredacted photo")
	}
	if m.EXIFUnreadable {
		add("exif", "EXIF block that could not be read")
	}
	if m.XMP {
		add("xmp", "XMP metadata")
	}
	if m.IPTC {
		add("iptc", "IPTC metadata")
	}
	return out
}
