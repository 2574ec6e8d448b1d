package report

import (
	"bytes"
	"encoding/csv"
	"html"
	"image"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"photoaudit/risk"
)

func sample() *Report {
	r := &Report{Schema: Schema, ToolVersion: "test", Started: "2026-01-01T00:00:00Z", Images: []Image{
		{Source: "b.jpg", Decision: risk.Block, Score: 80, Level: risk.LevelCritical, Findings: []Finding{
			FromRisk(risk.Finding{Kind: risk.KindText, Box: image.Rect(10, 20, 110, 40), Confidence: 0.9,
				Identifiers: []risk.Identifier{risk.IDName, risk.IDDate}, MaskedText: risk.Mask("John Smith 03/14/1961"),
				Detector: "tesseract", Redacted: true}),
		}},
		{Source: "a.jpg", Decision: risk.Pass, Level: risk.LevelNone, Findings: []Finding{}},
		{Source: "c.jpg", Error: "photo: c.jpg: empty file", Findings: []Finding{}},
		{Source: "<script>.jpg", Decision: risk.Review, Findings: []Finding{}},
	}}
	r.Summarize()
	return r
}

func TestSummarize(t *testing.T) {
	r := sample()
	want := Summary{Images: 4, Pass: 1, Review: 1, Block: 1, Errors: 1}
	if r.Summary != want {
		t.Errorf("summary %+v, want %+v", r.Summary, want)
	}
	if r.Images[0].Source != "<script>.jpg" || r.Images[1].Source != "a.jpg" {
		t.Errorf("images not sorted by source: %s, %s", r.Images[0].Source, r.Images[1].Source)
	}
	if got := r.Images[2].Findings[0].Box; len(got) != 4 || got[2] != 100 || got[3] != 20 {
		t.Errorf("box %v, want [10 20 100 20] as x, y, w, h", got)
	}
}

func TestWriters(t *testing.T) {
	r := sample()
	var js, htm, cs bytes.Buffer
	if err := r.WriteJSON(&js); err != nil {
		t.Fatal(err)
	}
	back, err := ReadJSON(&js)
	if err != nil || back.Summary != r.Summary {
		t.Fatalf("JSON round trip: %v, %+v", err, back)
	}
	if err := r.WriteHTML(&htm); err != nil {
		t.Fatal(err)
	}
	page := htm.String()
	if strings.Contains(page, "<script>.jpg") || !strings.Contains(page, "&lt;script&gt;.jpg") {
		t.Error("file names are not escaped in the HTML")
	}
	if !strings.Contains(page, "J*** S**** **/**/1961") || strings.Contains(page, "Smith") {
		t.Error("HTML does not show the masked text only")
	}
	// Each photo says what may be done with its safe copy.
	for _, im := range r.Images {
		if im.Error == "" && !strings.Contains(page, html.EscapeString(im.Decision.Advice())) {
			t.Errorf("%s: the page does not say %q", im.Source, im.Decision.Advice())
		}
	}
	if risk.Pass.Advice() == risk.Review.Advice() || risk.Review.Advice() == risk.Block.Advice() {
		t.Error("two decisions give the same advice")
	}
	if err := r.WriteCSV(&cs); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&cs).ReadAll()
	if err != nil || len(rows) != 5 {
		t.Fatalf("CSV: %d rows, %v", len(rows), err)
	}
	if b := rows[3]; b[0] != "b.jpg" || b[6] != "block" || b[10] != "date;name" {
		t.Errorf("CSV row %q", b)
	}
	// A capture date in the metadata is stripped, not shown: it is a
	// kind on the row, not an identifier the photo exposes.
	m := Report{Images: []Image{{Source: "m.jpg", Decision: risk.Pass, Findings: []Finding{
		FromRisk(risk.Finding{Kind: risk.KindMetadata, Identifiers: []risk.Identifier{risk.IDDate}, Redacted: true})}}}}
	cs.Reset()
	if err := m.WriteCSV(&cs); err != nil {
		t.Fatal(err)
	}
	if rows, _ := csv.NewReader(&cs).ReadAll(); len(rows) != 2 || rows[1][9] != "metadata" || rows[1][10] != "" {
		t.Errorf("metadata row %q, want kind metadata and no identifier", rows)
	}
}

func TestReadJSONSchema(t *testing.T) {
	if _, err := ReadJSON(strings.NewReader(`{"schema":"other/v9"}`)); err == nil {
		t.Error("a report of another schema was accepted")
	}
}

func TestWriteFileAtomic(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "sub", "r.json")
	for _, body := range []string{"first", "second"} {
		if err := WriteFileAtomic(p, func(f *os.File) error { _, err := f.WriteString(body); return err }); err != nil {
			t.Fatal(err)
		}
	}
	if data, _ := os.ReadFile(p); string(data) != "second" {
		t.Errorf("file holds %q", data)
	}
	failed := WriteFileAtomic(p, func(f *os.File) error { f.WriteString("half"); return os.ErrClosed })
	if failed == nil {
		t.Fatal("a failed write reported success")
	}
	if data, _ := os.ReadFile(p); string(data) != "second" {
		t.Errorf("a failed write replaced the file with %q", data)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, "sub", ".*")); len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

func TestPreview(t *testing.T) {
	img := image.NewNRGBA(image.Rect(0, 0, 1600, 1200))
	jpg, err := Preview(img, []Finding{{Kind: risk.KindFace, Box: []int{100, 100, 200, 200}}, {Kind: risk.KindMetadata}})
	if err != nil || len(jpg) == 0 {
		t.Fatalf("preview: %d bytes, %v", len(jpg), err)
	}
}

// A photo's name is never run as a formula when report.csv is opened in a
// spreadsheet.
func TestCSVFormulas(t *testing.T) {
	names := []string{"@SUM(1+1).jpg", "=HYPERLINK(\"http://x\").jpg", "+1.jpg", "-1.jpg", "\tx.jpg", "plain.jpg"}
	r := &Report{}
	for _, n := range names {
		r.Images = append(r.Images, Image{Source: n, SafeCopy: "safe/" + n, Error: n})
	}
	var b strings.Builder
	if err := r.WriteCSV(&b); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(strings.NewReader(b.String())).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	for i, row := range rows[1:] {
		for _, c := range []int{0, 11} { // source and error
			if got := row[c]; strings.ContainsRune("=+-@\t\r", rune(got[0])) {
				t.Errorf("%q: cell %d is %q, which a spreadsheet runs", names[i], c, got)
			}
		}
		if names[i] == "plain.jpg" && row[0] != "plain.jpg" {
			t.Errorf("plain name changed to %q", row[0])
		}
	}
}

// The page lists photos riskiest first, says findings in words, and
// shows one row for what two detectors both found.
func TestTriage(t *testing.T) {
	ims := []Image{
		{Source: "a.jpg", Decision: risk.Pass},
		{Source: "b.jpg", Decision: risk.Review, Score: 20},
		{Source: "c.jpg", Error: "truncated"},
		{Source: "d.jpg", Decision: risk.Block, Score: 60},
		{Source: "e.jpg", Decision: risk.Review, Score: 40},
	}
	var order []string
	for _, im := range Triage(ims) {
		order = append(order, im.Source)
	}
	if got := strings.Join(order, " "); got != "d.jpg e.jpg b.jpg a.jpg c.jpg" {
		t.Errorf("order %s, want d.jpg e.jpg b.jpg a.jpg c.jpg", got)
	}
	for want, f := range map[string]Finding{
		"face":                                  {Kind: risk.KindFace, Identifiers: []risk.Identifier{risk.IDFullFace}},
		"name, date in text":                    {Kind: risk.KindText, Identifiers: []risk.Identifier{risk.IDName, risk.IDDate}},
		"wristband or label with record number": {Kind: risk.KindWristband, Identifiers: []risk.Identifier{risk.IDRecord}},
		"sign-in sheet with name":               {Kind: risk.KindSigninSheet, Identifiers: []risk.Identifier{risk.IDName}},
		"file metadata with location":           {Kind: risk.KindMetadata, Identifiers: []risk.Identifier{risk.IDGeo}},
	} {
		if got := Describe(f); got != want {
			t.Errorf("Describe(%+v) = %q, want %q", f, got, want)
		}
	}
	rs := rows([]Finding{
		{Kind: risk.KindText, Box: []int{10, 10, 100, 20}, MaskedText: "J*** S****", Detector: "tesseract", Confidence: 0.6},
		{Kind: risk.KindText, Box: []int{12, 11, 100, 20}, MaskedText: "J*** S****", Detector: "tesseract-surface", Confidence: 0.9},
		{Kind: risk.KindText, Box: []int{10, 300, 100, 20}, MaskedText: "J*** S****", Detector: "tesseract"},
	})
	if len(rs) != 2 || len(rs[0].Detectors) != 2 || rs[0].Confidence != 0.9 {
		t.Errorf("rows %+v, want the first two merged at 0.9", rs)
	}
}

// WriteFiles writes each format asked for, whole, and refuses one it does
// not know before writing it.
func TestWriteFiles(t *testing.T) {
	dir := t.TempDir()
	r := sample()
	if err := r.WriteFiles(dir, "report", nil); err != nil {
		t.Fatal(err)
	}
	for _, ext := range []string{"json", "html", "csv"} {
		data, err := os.ReadFile(filepath.Join(dir, "report."+ext))
		if err != nil || len(data) == 0 {
			t.Errorf("report.%s: %d bytes, %v", ext, len(data), err)
		}
	}
	f, err := os.Open(filepath.Join(dir, "report.json"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if back, err := ReadJSON(f); err != nil || back.Summary != r.Summary {
		t.Errorf("report.json reads back as %+v, %v", back, err)
	}
	if err := r.WriteFiles(dir, "other", []string{"csv", "pdf"}); err == nil || !strings.Contains(err.Error(), "pdf") {
		t.Errorf("unknown format: %v", err)
	}
}

// Reports are pure Go: a merge of shards or a report read again links no
// OpenCV, Tesseract or ONNX Runtime (a build without cgo compiles them).
func TestReportCgoFree(t *testing.T) {
	for _, pkg := range []string{"photoaudit/report", "photoaudit/risk", "photoaudit/blur", "photoaudit/photo"} {
		cmd := exec.Command("go", "build", "-o", os.DevNull, pkg)
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("%s does not build without cgo: %v\n%s", pkg, err, out)
		}
	}
}
