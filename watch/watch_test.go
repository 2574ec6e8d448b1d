package watch

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/png"
	"math/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"photoaudit/blur"
	"photoaudit/detect"
	"photoaudit/internal/fixture"
	"photoaudit/photo"
	"photoaudit/pipeline"
	"photoaudit/risk"
)

func testOptions(inbox, out string) Options {
	return Options{
		Inbox: inbox, Out: out, Settle: 300 * time.Millisecond, Rescan: time.Second,
		Pipeline: pipeline.Options{
			Photo: photo.DefaultOptions(), Detect: detect.DefaultOptions(),
			Policy: risk.DefaultPolicy(), Redact: blur.DefaultOptions(), ToolVersion: "test",
		},
		PolicyVersion: "test-policy",
	}
}

// readLog returns audit.log's entries; it fails the test on a torn or
// unparsable line.
func readLog(t *testing.T, out string) []LogEntry {
	t.Helper()
	f, err := os.Open(filepath.Join(out, "audit.log"))
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var es []LogEntry
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var e LogEntry
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatalf("audit.log line %d: %v: %q", len(es)+1, err, sc.Text())
		}
		es = append(es, e)
	}
	return es
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", d, what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func sum(data []byte) string {
	h := sha256.Sum256(data)
	return hex.EncodeToString(h[:])
}

// checkLog checks the audit log holds exactly one line per content hash
// in want, numbered 1..n without gaps, each with outputs that exist.
func checkLog(t *testing.T, out string, want map[string]string) []LogEntry {
	t.Helper()
	es := readLog(t, out)
	got := map[string]int{}
	for i, e := range es {
		if e.Seq != uint64(i+1) {
			t.Errorf("line %d has seq %d", i+1, e.Seq)
		}
		got[e.SHA256]++
		for _, o := range e.Outputs {
			if _, err := os.Stat(filepath.Join(out, o)); err != nil {
				t.Errorf("%s: output %s: %v", e.Source, o, err)
			}
		}
	}
	for h, name := range want {
		if got[h] != 1 {
			t.Errorf("%s: %d audit log lines, want 1", name, got[h])
		}
	}
	if len(es) != len(want) {
		t.Errorf("%d audit log lines, want %d", len(es), len(want))
	}
	return es
}

// checkNothingLost checks every dropped file's bytes are in originals/ or
// quarantine/, and no temporary file is left anywhere under out.
func checkNothingLost(t *testing.T, out string, dropped map[string][]byte) {
	t.Helper()
	kept := map[string]bool{}
	for _, d := range []string{DirOriginals, DirQuarantine} {
		ents, _ := os.ReadDir(filepath.Join(out, d))
		for _, e := range ents {
			data, err := os.ReadFile(filepath.Join(out, d, e.Name()))
			if err == nil {
				kept[sum(data)] = true
			}
		}
	}
	for name, data := range dropped {
		if !kept[sum(data)] {
			t.Errorf("%s: its bytes are in neither originals/ nor quarantine/", name)
		}
	}
	filepath.Walk(out, func(p string, info os.FileInfo, err error) error {
		if err == nil && strings.Contains(filepath.Base(p), ".tmp-") {
			t.Errorf("temporary file left: %s", p)
		}
		return nil
	})
}

func TestWatchDrops(t *testing.T) {
	face, err := fixture.LoadFace(fixture.FacePath())
	if err != nil {
		t.Fatal(err)
	}
	scenes := t.TempDir()
	var ss []fixture.Scene
	for _, s := range fixture.Scenes(face) {
		if s.Name == "poster.jpg" || s.Name == "face.jpg" || s.Name == "document.jpg" {
			ss = append(ss, s)
		}
	}
	if err := fixture.Write(scenes, ss); err != nil {
		t.Fatal(err)
	}
	read := func(name string) []byte {
		data, err := os.ReadFile(filepath.Join(scenes, name))
		if err != nil {
			t.Fatal(err)
		}
		return data
	}
	poster, faceJPG, document := read("poster.jpg"), read("face.jpg"), read("document.jpg")

	inbox, out := t.TempDir(), t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	var logBuf bytes.Buffer
	opts := testOptions(inbox, out)
	opts.Log = &logBuf
	go func() { done <- Run(ctx, opts) }()

	dropped := map[string][]byte{
		"poster.jpg":          poster,
		"sub/face.jpg":        faceJPG,
		"notes.jpg":           []byte("not a photo"),
		"truncated.jpg":       document[:len(document)/2],
		"poster copy.jpg":     poster, // a duplicate drop
		"slow/document.jpg":   document,
		".partial-upload.jpg": []byte("hidden: never read"),
	}
	for name, data := range dropped {
		if name == "slow/document.jpg" || name == "poster copy.jpg" {
			continue
		}
		p := filepath.Join(inbox, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// A slow copy: a chunk every 100 ms, under the 300 ms settle time. It
	// must be read whole, not quarantined as truncated.
	slow := filepath.Join(inbox, "slow", "document.jpg")
	os.MkdirAll(filepath.Dir(slow), 0o755)
	f, err := os.Create(slow)
	if err != nil {
		t.Fatal(err)
	}
	for off := 0; off < len(document); off += len(document) / 10 {
		f.Write(document[off:min(off+len(document)/10, len(document))])
		time.Sleep(100 * time.Millisecond)
	}
	f.Close()
	delete(dropped, ".partial-upload.jpg")
	want := map[string]string{}
	for name, data := range dropped {
		want[sum(data)] = name
	}
	waitFor(t, 3*time.Minute, "the first drops", func() bool { return len(readLog(t, out)) == len(want) })
	// The duplicate, dropped after the first is done.
	os.WriteFile(filepath.Join(inbox, "poster copy.jpg"), poster, 0o644)
	waitFor(t, time.Minute, "the duplicate to be filed", func() bool {
		_, err := os.Stat(filepath.Join(inbox, "poster copy.jpg"))
		return os.IsNotExist(err)
	})
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}

	es := checkLog(t, out, want)
	checkNothingLost(t, out, dropped)
	by := map[string]LogEntry{}
	for _, e := range es {
		by[e.Source] = e
	}
	for name, decision := range map[string]string{
		"poster.jpg": "pass", "sub/face.jpg": "review", "slow/document.jpg": "block",
		"notes.jpg": "quarantine", "truncated.jpg": "quarantine",
	} {
		e := by[name]
		if e.Decision != decision {
			t.Errorf("%s: decision %q, want %q", name, e.Decision, decision)
		}
		if e.ToolVersion != "test" || e.PolicyVersion != "test-policy" || e.Time.IsZero() {
			t.Errorf("%s: log entry lacks versions or time: %+v", name, e)
		}
	}
	// Review and block apart, each output hashed as written.
	for name, dir := range map[string]string{"sub/face.jpg": DirReview, "slow/document.jpg": DirBlocked, "poster.jpg": DirApproved} {
		e := by[name]
		for _, o := range e.Outputs {
			if !strings.HasPrefix(o, dir+"/") || len(e.OutputSHA256[o]) != 64 {
				t.Errorf("%s: output %s (SHA-256 %q), want it in %s/ with its hash", name, o, e.OutputSHA256[o], dir)
			}
		}
		if len(e.Outputs) == 0 {
			t.Errorf("%s: no outputs", name)
		}
	}
	if e := by["sub/face.jpg"]; e.Findings["face"] != 1 || len(e.Identifiers) == 0 {
		t.Errorf("face.jpg: findings %v, identifiers %v", e.Findings, e.Identifiers)
	}
	for _, name := range []string{"sub_face-" + sum(faceJPG)[:12] + ".json", "sub_face-" + sum(faceJPG)[:12] + ".preview.jpg"} {
		if _, err := os.Stat(filepath.Join(out, DirReview, name)); err != nil {
			t.Errorf("review/: %v", err)
		}
	}
	reason, err := os.ReadFile(filepath.Join(out, DirQuarantine, "notes-"+sum([]byte("not a photo"))[:12]+".reason.txt"))
	if err != nil || !strings.Contains(string(reason), "not a supported image") {
		t.Errorf("quarantine reason: %q, %v", reason, err)
	}
	if _, err := os.Stat(filepath.Join(inbox, ".partial-upload.jpg")); err != nil {
		t.Errorf("hidden file was touched: %v", err)
	}
	if !strings.Contains(logBuf.String(), "same content as poster.jpg") {
		t.Errorf("duplicate not reported in the log:\n%s", logBuf.String())
	}

	// A restart with a renamed copy of a done photo: nothing is audited
	// again and the log does not grow.
	os.WriteFile(filepath.Join(inbox, "renamed.jpg"), faceJPG, 0o644)
	ctx, cancel = context.WithCancel(context.Background())
	go func() { done <- Run(ctx, opts) }()
	waitFor(t, time.Minute, "the renamed file to be filed", func() bool {
		_, err := os.Stat(filepath.Join(inbox, "renamed.jpg"))
		return os.IsNotExist(err)
	})
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	checkLog(t, out, want)

	// A second watcher on the same out folder is refused.
	ctx, cancel = context.WithCancel(context.Background())
	defer cancel()
	go func() { done <- Run(ctx, opts) }()
	time.Sleep(300 * time.Millisecond)
	if err := Run(ctx, opts); err == nil || !strings.Contains(err.Error(), "another photoaudit watch") {
		t.Errorf("second watcher: %v", err)
	}
	cancel()
	<-done
}

func TestWatchKeepOriginals(t *testing.T) {
	inbox, out := t.TempDir(), t.TempDir()
	files := smallPhotos(t, inbox, 3)
	opts := testOptions(inbox, out)
	opts.KeepOriginals, opts.Settle, opts.Rescan = true, 50*time.Millisecond, 200*time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Run(ctx, opts) }()
	want := map[string]string{}
	for name, data := range files {
		want[sum(data)] = name
	}
	waitFor(t, time.Minute, "three photos", func() bool { return len(readLog(t, out)) == 3 })
	time.Sleep(time.Second) // several rescans: kept files are not done again
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	checkLog(t, out, want)
	for name, data := range files {
		got, err := os.ReadFile(filepath.Join(inbox, name))
		if err != nil || !bytes.Equal(got, data) {
			t.Errorf("%s: original changed or gone: %v", name, err)
		}
	}
}

func TestWatchRefusesNestedFolders(t *testing.T) {
	dir := t.TempDir()
	for _, c := range [][2]string{{dir, filepath.Join(dir, "out")}, {filepath.Join(dir, "in"), dir}} {
		os.MkdirAll(c[0], 0o755)
		opts := testOptions(c[0], c[1])
		if err := Run(context.Background(), opts); err == nil || !strings.Contains(err.Error(), "contain") {
			t.Errorf("inbox %s, out %s: %v", c[0], c[1], err)
		}
	}
}

// smallPhotos writes n distinct 64x48 noise PNGs into dir.
func smallPhotos(t testing.TB, dir string, n int) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	for i := 0; i < n; i++ {
		img := image.NewNRGBA(image.Rect(0, 0, 64, 48))
		rand.New(rand.NewSource(int64(i))).Read(img.Pix)
		var buf bytes.Buffer
		if err := png.Encode(&buf, img); err != nil {
			t.Fatal(err)
		}
		name := fmt.Sprintf("p%04d.png", i)
		if err := os.WriteFile(filepath.Join(dir, name), buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		files[name] = buf.Bytes()
	}
	return files
}

// A second watcher on a running watcher's out folder is refused before it
// touches anything: the first one's files mid-write stay, and the second
// never says it is watching.
func TestSecondWatcherTouchesNothing(t *testing.T) {
	inbox, out := t.TempDir(), t.TempDir()
	opts := testOptions(inbox, out)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var firstLog bytes.Buffer
	opts.Log = &firstLog // read once the watcher has ended
	done := make(chan error, 1)
	go func() { done <- Run(ctx, opts) }()
	waitFor(t, 30*time.Second, "the first watcher to start", func() bool {
		_, err := os.Stat(filepath.Join(out, "state.db"))
		return err == nil
	})
	// A write of the first watcher's, in flight.
	tmp := filepath.Join(out, DirReview, ".a.jpg.tmp-12345")
	if err := os.WriteFile(tmp, []byte("half a photo"), 0o644); err != nil {
		t.Fatal(err)
	}
	var secondLog bytes.Buffer
	second := opts
	second.Log = &secondLog
	if err := Run(ctx, second); err == nil || !strings.Contains(err.Error(), "another photoaudit watch") {
		t.Fatalf("second watcher: %v, want refused", err)
	}
	if _, err := os.Stat(tmp); err != nil {
		t.Errorf("the refused watcher removed the running one's file in flight: %v", err)
	}
	if strings.Contains(secondLog.String(), "watching") {
		t.Errorf("the refused watcher said %q", secondLog.String())
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(firstLog.String(), "watching "+inbox) {
		t.Errorf("the first watcher did not say what it watches: %q", firstLog.String())
	}
}

// A running watch keeps its health file fresh; once it stops, the file
// goes stale and the probe fails, as it does for a photo in hand too
// long or no watch at all.
func TestHealth(t *testing.T) {
	inbox, out := t.TempDir(), t.TempDir()
	smallPhotos(t, inbox, 2)
	opts := testOptions(inbox, out)
	opts.Settle, opts.Rescan = 50*time.Millisecond, 200*time.Millisecond
	defer func(every time.Duration) { HealthEvery = every }(HealthEvery)
	HealthEvery = 100 * time.Millisecond
	if _, err := CheckHealth(out, time.Minute, 0, time.Now()); !errors.Is(err, ErrUnhealthy) {
		t.Errorf("before any watch: %v, want unhealthy", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Run(ctx, opts) }()
	waitFor(t, time.Minute, "two photos", func() bool { return len(readLog(t, out)) == 2 })
	time.Sleep(3 * HealthEvery)
	h, err := CheckHealth(out, time.Second, time.Minute, time.Now())
	if err != nil || h.Done != 2 || h.PID != os.Getpid() || h.BusySince != nil {
		t.Errorf("running, idle: %+v, %v; want healthy, 2 done, nothing in hand", h, err)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if _, err := CheckHealth(out, time.Second, 0, time.Now().Add(2*time.Second)); !errors.Is(err, ErrUnhealthy) {
		t.Errorf("stopped two seconds ago: %v, want unhealthy", err)
	}
	// A photo in hand for an hour.
	busy := time.Now().Add(-time.Hour)
	data, _ := json.Marshal(Health{Time: time.Now(), BusySince: &busy})
	if err := os.WriteFile(filepath.Join(out, HealthFile), data, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := CheckHealth(out, time.Minute, 15*time.Minute, time.Now()); !errors.Is(err, ErrUnhealthy) {
		t.Errorf("photo in hand an hour: %v, want unhealthy", err)
	}
	if _, err := CheckHealth(out, time.Minute, 0, time.Now()); err != nil {
		t.Errorf("no limit on a photo in hand: %v", err)
	}
}

// The audit log shows tampering: a line changed, a line removed, an
// approved safe copy changed or added by hand, each fails VerifyLog.
func TestAuditLogVerifies(t *testing.T) {
	inbox, out := t.TempDir(), t.TempDir()
	smallPhotos(t, inbox, 3)
	opts := testOptions(inbox, out)
	opts.Settle, opts.Rescan = 50*time.Millisecond, 200*time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Run(ctx, opts) }()
	waitFor(t, time.Minute, "three photos", func() bool { return len(readLog(t, out)) == 3 })
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if n, problems, err := VerifyLog(out); err != nil || n != 3 {
		t.Fatalf("untouched: %d lines, %v, %v", n, problems, err)
	}
	approved, _ := filepath.Glob(filepath.Join(out, DirApproved, "*"))
	if len(approved) == 0 {
		t.Fatal("nothing approved to tamper with")
	}
	logPath := filepath.Join(out, "audit.log")
	orig, _ := os.ReadFile(logPath)
	lines := strings.SplitAfter(string(orig), "\n")
	for name, tamper := range map[string]func(){
		"a decision changed": func() {
			os.WriteFile(logPath, []byte(strings.Replace(string(orig), `"decision":"pass"`, `"decision":"block"`, 1)), 0o644)
		},
		"a line removed": func() { os.WriteFile(logPath, []byte(lines[0]+lines[2]), 0o644) },
		"an approved copy changed": func() {
			os.WriteFile(approved[0], []byte("edited"), 0o644)
		},
		"a file slipped into approved/": func() {
			os.WriteFile(filepath.Join(out, DirApproved, "extra.jpg"), []byte("x"), 0o644)
		},
	} {
		before, _ := os.ReadFile(approved[0])
		tamper()
		if _, problems, err := VerifyLog(out); !errors.Is(err, ErrLogBroken) || len(problems) == 0 {
			t.Errorf("%s: %v, %v; want it caught", name, problems, err)
		}
		os.WriteFile(logPath, orig, 0o644)
		os.WriteFile(approved[0], before, 0o644)
		os.Remove(filepath.Join(out, DirApproved, "extra.jpg"))
	}
	if _, problems, err := VerifyLog(out); err != nil {
		t.Errorf("restored: %v, %v", problems, err)
	}
}
