package review

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
	"github.com/disintegration/imaging"

	"photoaudit/blur"
	"photoaudit/detect"
	"photoaudit/internal/fixture"
	"photoaudit/photo"
	"photoaudit/pipeline"
	"photoaudit/report"
	"photoaudit/risk"
	"photoaudit/watch"
)

// scanFolder scans the face and the document scenes into a new --out
// folder and returns it with the options an approval runs with and the
// scan's report.
func scanFolder(t *testing.T) (string, Options, *report.Report) {
	t.Helper()
	face, err := fixture.LoadFace(fixture.FacePath())
	if err != nil {
		t.Fatal(err)
	}
	in, out := t.TempDir(), t.TempDir()
	var scenes []fixture.Scene
	for _, s := range fixture.Scenes(face) {
		if s.Name == "face.jpg" || s.Name == "document.jpg" {
			scenes = append(scenes, s)
		}
	}
	if err := fixture.Write(in, scenes); err != nil {
		t.Fatal(err)
	}
	inputs, skipped := pipeline.Collect([]string{in}, out)
	popts := pipeline.Options{Out: out, Workers: 2, Photo: photo.DefaultOptions(), Detect: detect.DefaultOptions(),
		Policy: risk.DefaultPolicy(), Redact: blur.DefaultOptions(), ToolVersion: "test"}
	rep, err := pipeline.Run(context.Background(), inputs, skipped, popts, nil)
	if err != nil {
		t.Fatal(err)
	}
	return out, Options{Detect: popts.Detect, Photo: popts.Photo, Redact: popts.Redact, ToolVersion: "test", PolicyVersion: "p"}, rep
}

// serve scans a folder and serves the review page over it; ids are the
// photos' numbers by source.
func serve(t *testing.T) (dir string, srv *Server, ts *httptest.Server, ids map[string]int) {
	t.Helper()
	dir, opts, rep := scanFolder(t)
	srv, err := NewServer(dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	ts = httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	ids = map[string]int{}
	for i, im := range rep.Images {
		ids[im.Source] = i + 1
	}
	return dir, srv, ts, ids
}

// Nothing is served, and nothing signed off, without the token; files
// are reached by a photo's number only.
func TestReviewNeedsToken(t *testing.T) {
	dir, srv, ts, ids := serve(t)
	tok := srv.Token()
	face := ids["face.jpg"]
	get := func(path string) int {
		resp, err := http.Get(ts.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode
	}
	for _, p := range []string{"/", "/?token=", "/?token=" + tok[:len(tok)-1] + "x", "/photo/1", "/file/1/original", "/file/1/safe?token=nope", "/static/draw.js"} {
		if code := get(p); code != http.StatusForbidden {
			t.Errorf("GET %s without the token: %d, want 403", p, code)
		}
	}
	for p, want := range map[string]int{
		"/?token=" + tok: 200, "/file/1/original?token=" + tok: 200, "/static/draw.js?token=" + tok: 200,
		"/file/9/original?token=" + tok: 404, "/file/1/..%2F..%2Fetc%2Fpasswd?token=" + tok: 404, "/static/..%2Fweb.go?token=" + tok: 404,
	} {
		if code := get(p); code != want {
			t.Errorf("GET %s: %d, want %d", p, code, want)
		}
	}
	// A sign-off without the token, or as a GET, does nothing.
	form := url.Values{"by": {"Mallory"}, "reason": {"x"}}
	resp, err := http.PostForm(ts.URL+"/photo/1/reject", form)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("POST reject without the token: %d", resp.StatusCode)
	}
	if code := get("/photo/1/reject?token=" + tok + "&by=M&reason=x"); code != http.StatusMethodNotAllowed {
		t.Errorf("GET reject with the token: %d, want 405", code)
	}
	if _, err := os.Stat(filepath.Join(dir, watch.AuditLog)); err == nil {
		log, _ := os.ReadFile(filepath.Join(dir, watch.AuditLog))
		if strings.Contains(string(log), "Mallory") || strings.Contains(string(log), `"action"`) {
			t.Errorf("a sign-off was logged without the token:\n%s", log)
		}
	}
	if face == 0 {
		t.Fatal("face.jpg not in the report")
	}
}

// The page as a compliance officer uses it, in headless Chromium: the
// queue riskiest first; on the face photo, a box dragged on the original,
// the face kept with a consent reference, approve; the document rejected
// with a reason. The approved copy and the audit log say what was done.
func TestReviewPageInChromium(t *testing.T) {
	dir, srv, ts, ids := serve(t)
	home := ts.URL + "/?token=" + srv.Token()

	alloc, cancel := chromedp.NewExecAllocator(context.Background(), append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium(t)), chromedp.NoSandbox, chromedp.DisableGPU, chromedp.WindowSize(1400, 1000))...)
	defer cancel()
	ctx, cancel := chromedp.NewContext(alloc)
	defer cancel()
	ctx, cancel = context.WithTimeout(ctx, 3*time.Minute)
	defer cancel()

	do := func(what string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, actions...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	text := func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("text of %s: %v", sel, err)
		}
		return s
	}

	do("open the queue", chromedp.Navigate(home))
	queue := text("#queue")
	doc, face := strings.Index(queue, "document.jpg"), strings.Index(queue, "face.jpg")
	if doc < 0 || face < 0 || doc > face {
		t.Fatalf("queue %q: want the document (block) before the face (review)", queue)
	}

	// The face photo: open it from the queue, drag a box on the original.
	do("open the face photo", chromedp.Click(chromedp.Search(`//a[text()="face.jpg"]`)), chromedp.WaitVisible(chromedp.ID("original")))
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`document.getElementById("original").complete && document.getElementById("original").naturalWidth > 0`)); err != nil {
		t.Fatal(err)
	}
	natural, err := chromedp.Run(ctx, chromedp.Evaluate[[]float64](`[document.getElementById("original").naturalWidth, document.getElementById("original").naturalHeight]`))
	if err != nil {
		t.Fatal(err)
	}
	rect, err := chromedp.Run(ctx, chromedp.Evaluate[[]float64](`(function(){var r=document.getElementById("original").getBoundingClientRect();return [r.left,r.top,r.width,r.height]})()`))
	if err != nil || len(rect) != 4 || len(natural) != 2 {
		t.Fatalf("the original's place %v, size %v: %v", rect, natural, err)
	}
	x0, y0 := rect[0]+0.05*rect[2], rect[1]+0.70*rect[3]
	x1, y1 := rect[0]+0.30*rect[2], rect[1]+0.90*rect[3]
	do("drag a box",
		chromedp.MouseEvent(input.DispatchMouseEventTypeMousePressed, x0, y0, chromedp.ButtonLeft),
		chromedp.MouseEvent(input.DispatchMouseEventTypeMouseMoved, (x0+x1)/2, (y0+y1)/2, chromedp.ButtonLeft),
		chromedp.MouseEvent(input.DispatchMouseEventTypeMouseMoved, x1, y1, chromedp.ButtonLeft),
		chromedp.MouseEvent(input.DispatchMouseEventTypeMouseReleased, x1, y1, chromedp.ButtonLeft))
	added, err := chromedp.Run(ctx, chromedp.Value(chromedp.ID("add")))
	if err != nil {
		t.Fatal(err)
	}
	box, err := ParseBox(strings.TrimSpace(added))
	if err != nil {
		t.Fatalf("the drawn box reads %q: %v", added, err)
	}
	if want := 0.25 * natural[0]; float64(box.Dx()) < 0.9*want || float64(box.Dx()) > 1.1*want || box.Min.Y < int(0.65*natural[1]) {
		t.Errorf("drawn box %v in the original's pixels, want about %.0f wide from 70%% down", box, want)
	}

	do("keep the face with consent and approve",
		chromedp.Click(chromedp.CSS(`input[name="keep"][value="1"]`)),
		chromedp.SendKeys(chromedp.CSS(`input[name="consent-1"]`), "AUTH-2026-114"),
		chromedp.SendKeys(chromedp.ID("approve-by"), "A. Rivera, Privacy Officer"),
		chromedp.Click(chromedp.ID("approve-button")),
		chromedp.WaitVisible(chromedp.ID("done")))
	if done := text("#done"); !strings.Contains(done, "approved by A. Rivera") {
		t.Errorf("after approving, the page says %q", done)
	}

	// The document: rejected, with a reason.
	do("reject the document",
		chromedp.Navigate(ts.URL+"/photo/"+strconv.Itoa(ids["document.jpg"])+"?token="+srv.Token()),
		chromedp.SendKeys(chromedp.CSS(`#reject input[name="by"]`), "A. Rivera"),
		chromedp.SendKeys(chromedp.CSS(`#reject input[name="reason"]`), "chart on the desk"),
		chromedp.Click(chromedp.ID("reject-button")),
		chromedp.WaitVisible(chromedp.ID("done")))
	if done := text("#done"); !strings.Contains(done, "rejected") {
		t.Errorf("after rejecting, the page says %q", done)
	}

	// What the pages did, on disk.
	rep, err := loadReport(dir)
	if err != nil {
		t.Fatal(err)
	}
	faceIm := rep.Images[ids["face.jpg"]-1]
	orig, err := imaging.Open(faceIm.Path)
	if err != nil {
		t.Fatal(err)
	}
	got, err := imaging.Open(filepath.Join(dir, watch.DirApproved, "face.jpg"))
	if err != nil {
		t.Fatalf("no approved copy: %v", err)
	}
	if d := meanDiff(orig, got, faceIm.Findings[0].Box); d > 8 {
		t.Errorf("the kept face differs from the original by %.1f a channel", d)
	}
	if d := meanDiff(orig, got, []int{box.Min.X, box.Min.Y, box.Dx(), box.Dy()}); d < 2 {
		t.Errorf("the drawn box differs from the original by only %.1f a channel: not covered", d)
	}
	entries := logEntries(t, dir)
	if len(entries) != 2 || entries[0].Action != "approve" || entries[1].Action != "reject" {
		t.Fatalf("audit log %+v, want an approval and a rejection", entries)
	}
	a := entries[0]
	if a.By != "A. Rivera, Privacy Officer" || len(a.Consent) != 1 || a.Consent[0] != "AUTH-2026-114" || a.Findings["added"] != 1 || a.Findings["kept"] != 1 {
		t.Errorf("approval logged as %+v", a)
	}
	if entries[1].Reason != "chart on the desk" {
		t.Errorf("rejection logged as %+v", entries[1])
	}
	if n, problems, err := watch.VerifyLog(dir); err != nil || len(problems) > 0 || n != 2 {
		t.Errorf("audit log: %d lines, %v, %v", n, problems, err)
	}

	// So does the spreadsheet.
	csvData, err := os.ReadFile(filepath.Join(dir, "report.csv"))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(strings.NewReader(string(csvData))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	signed := map[string]string{}
	for _, r := range rows[1:] {
		signed[r[0]] = r[12] + " by " + r[13]
	}
	if signed["face.jpg"] != "approved by A. Rivera, Privacy Officer" || signed["document.jpg"] != "rejected by A. Rivera" {
		t.Errorf("report.csv sign-offs %v (header %v)", signed, rows[0])
	}

	// The queue now says who signed off.
	do("open the queue again", chromedp.Navigate(home))
	if queue := text("#queue"); !strings.Contains(queue, "approved by A. Rivera") || !strings.Contains(queue, "rejected by A. Rivera") {
		t.Errorf("queue after sign-off: %q", queue)
	}
}

// chromium is the browser the page is tested in; the setup script
// installs it for the tests.
func chromium(t *testing.T) string {
	for _, p := range []string{"/usr/bin/chromium", "/usr/bin/chromium-browser"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	t.Fatal("no Chromium: run scripts/setup.sh test, which installs it")
	return ""
}

func logEntries(t *testing.T, dir string) []watch.LogEntry {
	data, err := os.ReadFile(filepath.Join(dir, watch.AuditLog))
	if err != nil {
		t.Fatal(err)
	}
	var out []watch.LogEntry
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		var e watch.LogEntry
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			t.Fatal(err)
		}
		out = append(out, e)
	}
	return out
}
