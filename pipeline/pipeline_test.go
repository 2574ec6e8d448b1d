package pipeline

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"image"
	"image/color"
	"image/draw"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/disintegration/imaging"

	"photoaudit/barcode"
	"photoaudit/blur"
	"photoaudit/detect"
	"photoaudit/internal/fixture"
	"photoaudit/ocr"
	"photoaudit/photo"
	"photoaudit/report"
	"photoaudit/risk"
)

func testOptions(out string) Options {
	return Options{
		Out: out, Workers: 2, Photo: photo.DefaultOptions(), Detect: detect.DefaultOptions(),
		Policy: risk.DefaultPolicy(), Redact: blur.DefaultOptions(),
		ToolVersion: "test",
	}
}

// scan is one shared run over the generated scenes plus bad inputs; the
// tests below each check one part of its outcome.
var scan struct {
	once   sync.Once
	in     string
	out    string
	scenes map[string]fixture.Scene
	rep    *report.Report
	err    error
	hashes map[string][32]byte
}

func scanned(t *testing.T) (*report.Report, map[string]report.Image) {
	t.Helper()
	scan.once.Do(func() {
		face, err := fixture.LoadFace(fixture.FacePath())
		if err != nil {
			scan.err = err
			return
		}
		base, err := os.MkdirTemp("", "photoaudit-pipeline-")
		if err != nil {
			scan.err = err
			return
		}
		scan.in, scan.out = filepath.Join(base, "in"), filepath.Join(base, "out")
		scenes := fixture.Scenes(face)
		if scan.err = fixture.Write(scan.in, scenes); scan.err != nil {
			return
		}
		scan.scenes = map[string]fixture.Scene{}
		for _, s := range scenes {
			scan.scenes[s.Name] = s
		}
		good, _ := os.ReadFile(filepath.Join(scan.in, "poster.jpg"))
		bad := map[string][]byte{
			"bad/empty.jpg":     nil,
			"bad/notes.jpg":     []byte("not a photo at all"),
			"bad/truncated.jpg": good[:len(good)/3],
			"bad/readme.txt":    []byte("skipped, not a photo by name"),
		}
		for name, data := range bad {
			p := filepath.Join(scan.in, name)
			os.MkdirAll(filepath.Dir(p), 0o755)
			os.WriteFile(p, data, 0o644)
		}
		os.Symlink("loop.jpg", filepath.Join(scan.in, "bad", "loop.jpg"))
		os.Symlink("..", filepath.Join(scan.in, "bad", "up"))
		scan.hashes = hashTree(scan.in)
		inputs, skipped := Collect([]string{scan.in}, scan.out)
		scan.rep, scan.err = Run(context.Background(), inputs, skipped, testOptions(scan.out), nil)
	})
	if scan.err != nil {
		t.Fatalf("scan: %v", scan.err)
	}
	by := map[string]report.Image{}
	for _, im := range scan.rep.Images {
		by[im.Source] = im
	}
	return scan.rep, by
}

func hashTree(dir string) map[string][32]byte {
	out := map[string][32]byte{}
	filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err == nil && fi.Mode().IsRegular() {
			data, _ := os.ReadFile(p)
			out[p] = sha256.Sum256(data)
		}
		return nil
	})
	return out
}

func kinds(im report.Image) map[risk.Kind][]report.Finding {
	out := map[risk.Kind][]report.Finding{}
	for _, f := range im.Findings {
		out[f.Kind] = append(out[f.Kind], f)
	}
	return out
}

func ids(im report.Image) map[risk.Identifier]bool {
	out := map[risk.Identifier]bool{}
	for _, f := range im.Findings {
		for _, id := range f.Identifiers {
			out[id] = true
		}
	}
	return out
}

func TestDecisions(t *testing.T) {
	_, by := scanned(t)
	tests := []struct {
		name     string
		decision risk.Decision
		kind     risk.Kind
		ids      []risk.Identifier
	}{
		{"screen.jpg", risk.Block, risk.KindText, []risk.Identifier{risk.IDName, risk.IDDate}},
		{"document.jpg", risk.Block, risk.KindText, []risk.Identifier{risk.IDName, risk.IDDate, risk.IDRecord, risk.IDPhone}},
		{"face.jpg", risk.Review, risk.KindFace, []risk.Identifier{risk.IDFullFace}},
		{"poster.jpg", risk.Pass, "", nil},
		{"rotated_gps.jpg", risk.Block, risk.KindText, []risk.Identifier{risk.IDName, risk.IDDate, risk.IDGeo}},
		{"signin.jpg", risk.Block, risk.KindSigninSheet, []risk.Identifier{risk.IDName}},
		{"badge_wristband.jpg", risk.Block, risk.KindWristband, []risk.Identifier{risk.IDName, risk.IDRecord}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			im, ok := by[tt.name]
			if !ok {
				t.Fatal("not in the report")
			}
			if im.Error != "" {
				t.Fatalf("error: %s", im.Error)
			}
			if im.Decision != tt.decision {
				t.Errorf("decision %s (score %d), want %s; findings %+v", im.Decision, im.Score, tt.decision, im.Findings)
			}
			if tt.kind != "" && len(kinds(im)[tt.kind]) == 0 {
				t.Errorf("no %s finding: %+v", tt.kind, im.Findings)
			}
			got := ids(im)
			for _, id := range tt.ids {
				if !got[id] {
					t.Errorf("identifier %s not found; have %v", id, got)
				}
			}
			if im.Decision != risk.Pass && !im.Verified {
				t.Error("safe copy not verified")
			}
			// "Verified" says what was looked at: the faces' second
			// opinion, text and surfaces.
			if re := strings.Join(im.Rechecked, "; "); !strings.Contains(re, "in-between scales") || !strings.Contains(re, "text:") {
				t.Errorf("rechecked %q: want the faces' in-between scales and text named", re)
			}
			for _, f := range im.Findings {
				if !f.Redacted && !f.Harmless {
					t.Errorf("finding not redacted: %+v", f)
				}
				if f.Harmless && (f.Redacted || len(f.Identifiers) > 0) {
					t.Errorf("text judged harmless but covered or identifying: %+v", f)
				}
			}
		})
	}
}

// The rotated scene's findings are in upright coordinates: they sit on
// the document where the scene drew it.
func TestRotatedBoxes(t *testing.T) {
	_, by := scanned(t)
	im := by["rotated_gps.jpg"]
	s := scan.scenes["rotated_gps.jpg"]
	if im.Width != s.Image.Bounds().Dx() || im.Height != s.Image.Bounds().Dy() {
		t.Fatalf("size %dx%d, want upright %v", im.Width, im.Height, s.Image.Bounds())
	}
	doc := s.Regions[0].Box
	text := kinds(im)[risk.KindText]
	if len(text) == 0 {
		t.Fatal("no text found")
	}
	for _, f := range text {
		if f.Harmless {
			continue // a poster's text, read and left
		}
		if in := f.Rect().Intersect(doc); in.Empty() {
			t.Errorf("text box %v is off the document %v", f.Rect(), doc)
		}
	}
}

// The safe copies: no metadata, upright, and OCR of them no longer yields
// the identifiers the originals showed.
func TestSafeCopies(t *testing.T) {
	_, by := scanned(t)
	rd, err := ocr.NewReader(ocr.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Close()
	cls := ocr.NewClassifier(ocr.Lists{})
	for _, name := range []string{"screen.jpg", "document.jpg", "rotated_gps.jpg", "face.jpg", "poster.jpg", "signin.jpg", "badge_wristband.jpg"} {
		t.Run(name, func(t *testing.T) {
			im := by[name]
			if im.SafeCopy == "" {
				t.Fatal("no safe copy")
			}
			data, err := os.ReadFile(filepath.Join(scan.out, im.SafeCopy))
			if err != nil {
				t.Fatal(err)
			}
			if bytes.Contains(data, []byte("Exif\x00")) {
				t.Error("safe copy has an EXIF segment")
			}
			p, err := photo.Decode(data, photo.DefaultOptions())
			if err != nil {
				t.Fatal(err)
			}
			if p.Meta.GPS != nil || p.Orientation != 1 {
				t.Errorf("GPS %v, orientation %d in safe copy", p.Meta.GPS, p.Orientation)
			}
			if p.Image.Bounds().Dx() != im.Width {
				t.Errorf("safe copy is %v, not upright %dx%d", p.Image.Bounds(), im.Width, im.Height)
			}
			lines, err := rd.Read(p.Image)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range cls.Classify(lines) {
				t.Errorf("safe copy still reads %v: %q", m.Identifiers, risk.Mask(m.Text))
			}
			var all strings.Builder
			for _, l := range lines {
				all.WriteString(l.Text() + " ")
			}
			for _, r := range scan.scenes[name].Regions {
				for _, phi := range r.PHI {
					if strings.Contains(all.String(), phi) {
						t.Errorf("safe copy still shows %q", risk.Mask(phi))
					}
				}
			}
			if name == "poster.jpg" && !strings.Contains(strings.ToUpper(all.String()), "WASH") {
				t.Errorf("the harmless poster was redacted; safe copy reads %q", all.String())
			}
		})
	}
}

func TestBadInputs(t *testing.T) {
	rep, by := scanned(t)
	// Each error is sorted by what an operator does about it.
	for name, kind := range map[string]string{"bad/empty.jpg": ErrorEmpty, "bad/notes.jpg": ErrorNotImage,
		"bad/truncated.jpg": ErrorUnreadable, "bad/loop.jpg": ErrorUnreadable} {
		im, ok := by[name]
		if !ok {
			t.Errorf("%s: no report entry", name)
			continue
		}
		if im.Error == "" || im.SafeCopy != "" || im.ErrorKind != kind {
			t.Errorf("%s: error %q (%s), safe copy %q; want a %s error and no copy", name, im.Error, im.ErrorKind, im.SafeCopy, kind)
		}
	}
	if rep.Summary.Errors != 4 || rep.Summary.Images != 11 {
		t.Errorf("summary %+v, want 11 images with 4 errors", rep.Summary)
	}
	var skipped []string
	for _, s := range rep.Skipped {
		skipped = append(skipped, s.Source)
	}
	if strings.Join(skipped, ",") != "bad/readme.txt,bad/up,labels.json" {
		t.Errorf("skipped %v, want the text file, the folder link and labels.json", skipped)
	}
}

func TestInputsUntouched(t *testing.T) {
	scanned(t)
	after := hashTree(scan.in)
	if len(after) != len(scan.hashes) {
		t.Errorf("input folder had %d files, now %d", len(scan.hashes), len(after))
	}
	for p, h := range scan.hashes {
		if after[p] != h {
			t.Errorf("%s changed", p)
		}
	}
}

func TestReportsWritten(t *testing.T) {
	rep, _ := scanned(t)
	f, err := os.Open(filepath.Join(scan.out, "report.json"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	back, err := report.ReadJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	if back.Summary != rep.Summary || len(back.Images) != len(rep.Images) {
		t.Errorf("report.json summary %+v, want %+v", back.Summary, rep.Summary)
	}
	for _, name := range []string{"report.html", "report.csv"} {
		data, err := os.ReadFile(filepath.Join(scan.out, name))
		if err != nil {
			t.Fatal(err)
		}
		// No raw identifier reaches any report.
		for _, p := range fixture.Patients {
			for _, s := range []string{p.Name, p.DOB, p.MRN} {
				if bytes.Contains(data, []byte(s)) {
					t.Errorf("%s contains %q", name, risk.Mask(s))
				}
			}
		}
	}
	for _, p := range fixture.Patients {
		for _, s := range []string{p.Name, p.DOB, p.MRN} {
			data, _ := os.ReadFile(filepath.Join(scan.out, "report.json"))
			if bytes.Contains(data, []byte(s)) {
				t.Errorf("report.json contains %q", risk.Mask(s))
			}
		}
	}
	leftovers, _ := filepath.Glob(filepath.Join(scan.out, ".*tmp*"))
	if len(leftovers) > 0 {
		t.Errorf("temporary files left: %v", leftovers)
	}
}

func TestCollectRel(t *testing.T) {
	dir := t.TempDir()
	for _, p := range []string{"a/x.jpg", "b/x.jpg", "c.PNG", ".hidden/y.jpg", "out/z.jpg"} {
		os.MkdirAll(filepath.Join(dir, filepath.Dir(p)), 0o755)
		os.WriteFile(filepath.Join(dir, p), []byte("x"), 0o644)
	}
	inputs, _ := Collect([]string{dir}, filepath.Join(dir, "out"))
	var rels []string
	for _, in := range inputs {
		rels = append(rels, in.Rel)
	}
	if got := strings.Join(rels, ","); got != "a/x.jpg,b/x.jpg,c.PNG" {
		t.Errorf("rel paths %s", got)
	}
	inputs, _ = Collect([]string{filepath.Join(dir, "a"), filepath.Join(dir, "b")}, "")
	rels = rels[:0]
	for _, in := range inputs {
		rels = append(rels, in.Rel)
	}
	if got := strings.Join(rels, ","); got != "a/x.jpg,b/x.jpg" {
		t.Errorf("rel paths for two folders %s", got)
	}
	// Files named on the command line go by their own names; the same
	// file named twice, or named and inside a folder named, once.
	ax, bx, c := filepath.Join(dir, "a/x.jpg"), filepath.Join(dir, "b/x.jpg"), filepath.Join(dir, "c.PNG")
	inputs, skipped := Collect([]string{c, ax, bx, c, filepath.Join(dir, "a")}, "")
	rels = rels[:0]
	for _, in := range inputs {
		rels = append(rels, in.Rel)
	}
	if got := strings.Join(rels, ","); got != "c.PNG,x.jpg,x~2.jpg" {
		t.Errorf("rel paths for files named %s, want c.PNG,x.jpg,x~2.jpg", got)
	}
	if len(skipped) != 2 || !strings.Contains(skipped[0].Reason, "same file as c.PNG") || !strings.Contains(skipped[1].Reason, "same file as x.jpg") {
		t.Errorf("skipped %+v, want c.PNG and a/x.jpg named again", skipped)
	}
}

func TestBarcodeMasked(t *testing.T) {
	_, by := scanned(t)
	im := by["badge_wristband.jpg"]
	codes := kinds(im)[risk.KindBarcode]
	if len(codes) == 0 {
		t.Fatalf("wristband barcode not read; findings %+v", im.Findings)
	}
	if got := codes[0].MaskedText; got != "CODE_128: ********" {
		t.Errorf("barcode reported as %q, want the format and a masked number", got)
	}
}

// The shared run has the neural models; without them the scan still
// runs, on the Haar cascades and Tesseract's own layout, and the report
// says so.
func TestModelMissing(t *testing.T) {
	rep, _ := scanned(t)
	if len(rep.Warnings) != 0 || rep.Detectors[0] != "blazeface-back-256" || !slices.Contains(rep.Detectors, "ppocr-v4-det") ||
		!slices.Contains(rep.Detectors, "centernet-coco") {
		t.Errorf("with the model: detectors %v, warnings %v", rep.Detectors, rep.Warnings)
	}
	face, err := fixture.LoadFace(fixture.FacePath())
	if err != nil {
		t.Fatal(err)
	}
	in, out := t.TempDir(), t.TempDir()
	for _, s := range fixture.Scenes(face) {
		if s.Name == "face.jpg" {
			if err := fixture.Write(in, []fixture.Scene{s}); err != nil {
				t.Fatal(err)
			}
		}
	}
	opts := testOptions(out)
	opts.Detect.Vision.ModelDir = t.TempDir()
	inputs, skipped := Collect([]string{in}, out)
	rep, err = Run(context.Background(), inputs, skipped, opts, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Warnings) != 3 || !strings.Contains(rep.Warnings[0], "Haar") || !strings.Contains(rep.Warnings[1], "scene text") ||
		!strings.Contains(rep.Warnings[2], "monitors, laptops and phones") ||
		!slices.Contains(rep.Detectors, "haar-frontal") || slices.Contains(rep.Detectors, "ppocr-v4-det") || slices.Contains(rep.Detectors, "centernet-coco") {
		t.Errorf("without the model: detectors %v, warnings %v", rep.Detectors, rep.Warnings)
	}
	if len(rep.Images) != 1 || len(kinds(rep.Images[0])[risk.KindFace]) != 1 {
		t.Errorf("without the model the face was not found: %+v", rep.Images)
	}
}

// Three shards of the shared run's inputs, merged, give the report the
// unsharded run gave: the same photos once each, the same decisions.
func TestShardsEqualOneRun(t *testing.T) {
	whole, _ := scanned(t)
	out := t.TempDir()
	inputs, skipped := Collect([]string{scan.in}, scan.out)
	var shards []*report.Report
	counted := 0
	for i := 1; i <= 3; i++ {
		spec := report.ShardSpec{I: i, N: 3}
		share := Shard(inputs, spec)
		counted += len(share)
		opts := testOptions(out)
		opts.Shard = spec
		rep, err := Run(context.Background(), share, skipped, opts, nil)
		if err != nil {
			t.Fatal(err)
		}
		f, err := os.Open(filepath.Join(out, ReportName(spec)+".json"))
		if err != nil {
			t.Fatal(err)
		}
		back, err := report.ReadJSON(f)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		if back.Shard != spec.String() || len(back.Images) != len(rep.Images) {
			t.Errorf("shard %v: report says %q with %d photos", spec, back.Shard, len(back.Images))
		}
		shards = append(shards, back)
	}
	if counted != len(inputs) {
		t.Errorf("shares hold %d inputs, want %d", counted, len(inputs))
	}
	merged, err := report.Merge(shards)
	if err != nil {
		t.Fatal(err)
	}
	if merged.Summary != whole.Summary || len(merged.Images) != len(whole.Images) || len(merged.Skipped) != len(whole.Skipped) {
		t.Fatalf("merged summary %+v (%d skipped), one run %+v (%d skipped)", merged.Summary, len(merged.Skipped), whole.Summary, len(whole.Skipped))
	}
	for i, im := range merged.Images {
		w := whole.Images[i]
		if im.Source != w.Source || im.Decision != w.Decision || im.Score != w.Score || im.SafeCopy != w.SafeCopy ||
			len(im.Findings) != len(w.Findings) || (im.Error == "") != (w.Error == "") {
			t.Errorf("%s: merged %s %d (%d findings, safe %q, error %q); one run %s %s %d (%d findings, safe %q, error %q)",
				im.Source, im.Decision, im.Score, len(im.Findings), im.SafeCopy, im.Error,
				w.Source, w.Decision, w.Score, len(w.Findings), w.SafeCopy, w.Error)
		}
	}
	if _, err := report.Merge(shards[:2]); err == nil || !strings.Contains(err.Error(), "3/3") {
		t.Errorf("merge without shard 3/3: error %v", err)
	}
	if _, err := report.Merge(append(shards, shards[0])); err == nil {
		t.Error("merge accepted a shard twice")
	}
}

// A wristband lying at an angle on something as light as itself is not a
// surface of its own, and its code is too small and turned to decode: the
// code's stripes still make a finding over the label, which the safe
// copy covers.
func TestBarcodeStripesRedacted(t *testing.T) {
	img := image.NewNRGBA(image.Rect(0, 0, 1600, 1200))
	draw.Draw(img, img.Bounds(), image.NewUniform(color.NRGBA{236, 236, 232, 255}), image.Point{}, draw.Src)
	band := fixture.Wristband(img, 480, 560)
	turned := imaging.Rotate(img, 25, color.NRGBA{236, 236, 232, 255})
	dir := t.TempDir()
	path := filepath.Join(dir, "band.jpg")
	if err := imaging.Save(turned, path, imaging.JPEGQuality(92)); err != nil {
		t.Fatal(err)
	}
	a, err := NewAuditor(testOptions(filepath.Join(dir, "out")))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	res, err := a.Inspect(path, "band.jpg")
	if err != nil {
		t.Fatal(err)
	}
	if res.Image.Decision == risk.Pass || !res.Image.Verified {
		t.Errorf("decision %s, verified %v; want the label flagged and a verified copy", res.Image.Decision, res.Image.Verified)
	}
	want := fixture.TurnedBox(band.Box, img.Bounds(), turned.Bounds(), 25)
	var boxes []image.Rectangle
	for _, f := range kinds(res.Image)[risk.KindBarcode] {
		boxes = append(boxes, f.Rect())
	}
	if !covers(want, boxes, 0.6) {
		t.Errorf("band %v: barcode findings %v cover less than 0.6 of it; findings %+v", want, boxes, res.Image.Findings)
	}
	if res.Safe != nil {
		if codes, err := barcode.Decode(res.Safe.Image); err != nil || len(codes) > 0 {
			t.Errorf("safe copy still decodes: %v, %v", codes, err)
		}
	}
}

// covers says whether boxes together cover share of r.
func covers(r image.Rectangle, boxes []image.Rectangle, share float64) bool {
	in := 0
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			for _, b := range boxes {
				if image.Pt(x, y).In(b) {
					in++
					break
				}
			}
		}
	}
	return float64(in) >= share*float64(r.Dx()*r.Dy())
}

// A licence plate read by itself on its plate is a vehicle identifier,
// the plate redacted whole; a poster's "COVID-19" title, as plate-like
// by its letters, is not on a plate and passes.
func TestLicensePlate(t *testing.T) {
	img := image.NewNRGBA(image.Rect(0, 0, 1600, 1200))
	draw.Draw(img, img.Bounds(), image.NewUniform(color.NRGBA{150, 150, 145, 255}), image.Point{}, draw.Src)
	plate := fixture.Plate(img, 600, 600)
	poster := image.NewNRGBA(image.Rect(0, 0, 1600, 1200))
	draw.Draw(poster, poster.Bounds(), image.NewUniform(color.NRGBA{200, 196, 186, 255}), image.Point{}, draw.Src)
	draw.Draw(poster, image.Rect(500, 200, 1100, 900), image.NewUniform(color.NRGBA{250, 250, 250, 255}), image.Point{}, draw.Src)
	fixture.Text(poster, 560, 260, 72, color.NRGBA{20, 60, 140, 255}, "COVID19")
	fixture.Text(poster, 560, 420, 40, color.Black, "Vaccines here today")
	fixture.Text(poster, 560, 500, 40, color.Black, "Ask at the front desk")
	// A course code boxed in red at the head of a whiteboard's notes:
	// plate-like, on a plate-shaped patch of board, and a page's line.
	board := image.NewNRGBA(image.Rect(0, 0, 1600, 1200))
	draw.Draw(board, board.Bounds(), image.NewUniform(color.NRGBA{236, 236, 232, 255}), image.Point{}, draw.Src)
	code := fixture.Text(board, 300, 200, 64, color.NRGBA{30, 30, 30, 255}, "DVA-C02")
	red := image.NewUniform(color.NRGBA{200, 40, 40, 255})
	frame := code.Inset(-24)
	for _, r := range []image.Rectangle{{frame.Min, image.Pt(frame.Max.X, frame.Min.Y+5)}, {image.Pt(frame.Min.X, frame.Max.Y-5), frame.Max},
		{frame.Min, image.Pt(frame.Min.X+5, frame.Max.Y)}, {image.Pt(frame.Max.X-5, frame.Min.Y), frame.Max}} {
		draw.Draw(board, r, red, image.Point{}, draw.Src)
	}
	for i, line := range []string{"Exam guide outline", "Four domains to study", "Security and deployment"} {
		fixture.Text(board, 300, 330+i*100, 60, color.NRGBA{30, 30, 30, 255}, line)
	}
	dir := t.TempDir()
	for name, im := range map[string]image.Image{"car.jpg": img, "poster.jpg": poster, "board.jpg": board} {
		if err := imaging.Save(im, filepath.Join(dir, name), imaging.JPEGQuality(92)); err != nil {
			t.Fatal(err)
		}
	}
	a, err := NewAuditor(testOptions(filepath.Join(dir, "out")))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	res, err := a.Inspect(filepath.Join(dir, "car.jpg"), "car.jpg")
	if err != nil {
		t.Fatal(err)
	}
	var boxes []image.Rectangle
	for _, f := range kinds(res.Image)[risk.KindLicensePlate] {
		boxes = append(boxes, f.Rect())
		if !slices.Contains(f.Identifiers, risk.IDVehicle) {
			t.Errorf("plate finding exposes %v, want vehicle_id", f.Identifiers)
		}
	}
	if !covers(plate.Box, boxes, 0.8) || res.Image.Decision == risk.Pass {
		t.Errorf("plate %v: found %v, decision %s; findings %+v", plate.Box, boxes, res.Image.Decision, res.Image.Findings)
	}
	res, err = a.Inspect(filepath.Join(dir, "poster.jpg"), "poster.jpg")
	if err != nil {
		t.Fatal(err)
	}
	if got := kinds(res.Image)[risk.KindLicensePlate]; len(got) > 0 {
		t.Errorf("poster title taken for a plate: %+v", got)
	}
	res, err = a.Inspect(filepath.Join(dir, "board.jpg"), "board.jpg")
	if err != nil {
		t.Fatal(err)
	}
	if got := kinds(res.Image)[risk.KindLicensePlate]; len(got) > 0 {
		t.Errorf("a whiteboard's boxed heading taken for a plate: %+v", got)
	}
}

// Text on its side or upside down is read turned: a sign on its side
// passes as the sign it is, and a note upside down on a desk gives away
// its patient's name where it is printed.
func TestTurnedSurfaces(t *testing.T) {
	dir := t.TempDir()
	a, err := NewAuditor(testOptions(filepath.Join(dir, "out")))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	wall := func() *image.NRGBA {
		img := image.NewNRGBA(image.Rect(0, 0, 1600, 1200))
		draw.Draw(img, img.Bounds(), image.NewUniform(color.NRGBA{120, 126, 140, 255}), image.Point{}, draw.Src)
		return img
	}
	sign := wall()
	draw.Draw(sign, image.Rect(560, 380, 1060, 720), image.NewUniform(color.NRGBA{250, 250, 246, 255}), image.Point{}, draw.Src)
	fixture.Text(sign, 600, 420, 44, color.Black, "PLEASE SILENCE")
	fixture.Text(sign, 600, 500, 44, color.Black, "YOUR PHONE")
	fixture.Text(sign, 600, 600, 32, color.Black, "Thank you")
	note := wall()
	doc := fixture.Document(note, 500, 400)
	for _, c := range []struct {
		name string
		img  image.Image
		pass bool
	}{
		{"sign-90.jpg", imaging.Rotate90(sign), true},
		{"sign-270.jpg", imaging.Rotate270(sign), true},
		{"note-180.jpg", imaging.Rotate180(note), false},
		{"note-90.jpg", imaging.Rotate90(note), false},
		{"note-45.jpg", imaging.Rotate(note, 45, color.NRGBA{120, 126, 140, 255}), false},
	} {
		path := filepath.Join(dir, c.name)
		if err := imaging.Save(c.img, path, imaging.JPEGQuality(92)); err != nil {
			t.Fatal(err)
		}
		res, err := a.Inspect(path, c.name)
		if err != nil {
			t.Fatal(err)
		}
		if c.pass {
			if res.Image.Decision != risk.Pass {
				t.Errorf("%s: %s, want pass; findings %+v", c.name, res.Image.Decision, res.Image.Findings)
			}
			continue
		}
		// Where the paper went: turned half round, mirrored; a quarter
		// (counter-clockwise), x becomes y and y becomes 1600-x.
		paper := image.Rect(1600-doc.Box.Max.X, 1200-doc.Box.Max.Y, 1600-doc.Box.Min.X, 1200-doc.Box.Min.Y)
		switch c.name {
		case "note-90.jpg":
			paper = image.Rect(doc.Box.Min.Y, 1600-doc.Box.Max.X, doc.Box.Max.Y, 1600-doc.Box.Min.X)
		case "note-45.jpg":
			paper = fixture.TurnedBox(doc.Box, image.Rect(0, 0, 1600, 1200), c.img.Bounds(), 45)
		}
		named := false
		for _, f := range res.Image.Findings {
			// Read, not the block of unread lines that fails closed.
			if f.Kind == risk.KindText && f.MaskedText != detect.UnreadLines && slices.Contains(f.Identifiers, risk.IDName) && paper.Intersect(f.Rect()).Eq(f.Rect()) {
				named = true
			}
		}
		if !named {
			t.Errorf("%s: no name read inside the paper %v; findings %+v", c.name, paper, res.Image.Findings)
		}
	}
}

// Cancelled mid-run (Ctrl-C, SIGTERM), the photos in hand are finished
// and every safe copy written is in the report.
func TestCancelKeepsReportWhole(t *testing.T) {
	face, err := fixture.LoadFace(fixture.FacePath())
	if err != nil {
		t.Fatal(err)
	}
	in, out := t.TempDir(), t.TempDir()
	if err := fixture.Write(in, fixture.Scenes(face)); err != nil {
		t.Fatal(err)
	}
	inputs, skipped := Collect([]string{in}, out)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	rep, err := Run(ctx, inputs, skipped, testOptions(out), func(done, total int, im report.Image) { cancel() })
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Run: %v, want cancelled", err)
	}
	if len(rep.Images) == 0 || len(rep.Images) == len(inputs) {
		t.Fatalf("%d of %d photos in the report: the cancel came too late to test anything", len(rep.Images), len(inputs))
	}
	data, err := os.ReadFile(filepath.Join(out, "report.json"))
	if err != nil {
		t.Fatal(err)
	}
	var written report.Report
	if err := json.Unmarshal(data, &written); err != nil {
		t.Fatal(err)
	}
	inReport := map[string]bool{}
	for _, im := range written.Images {
		inReport[im.SafeCopy] = true
	}
	filepath.WalkDir(filepath.Join(out, "safe"), func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(out, path)
			if !inReport[filepath.ToSlash(rel)] {
				t.Errorf("%s is in safe/ but not in report.json", rel)
			}
		}
		return nil
	})
}

// iPhones' HEIC photos are photos by name; a text file is not.
func TestIsPhotoName(t *testing.T) {
	for name, want := range map[string]bool{"IMG_0001.HEIC": true, "a.heif": true, "a.avif": true, "a.JPG": true, "notes.txt": false, "a.heic.txt": false} {
		if got := IsPhotoName(name); got != want {
			t.Errorf("IsPhotoName(%q) = %v, want %v", name, got, want)
		}
	}
}
