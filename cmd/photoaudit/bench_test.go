package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"photoaudit/internal/fixture"
)

// bench prints, for each photo, the audit's time against the photo's
// own decode and encode, the peak memory and each stage; it writes
// nothing; a file it cannot decode is an error of its own, and the
// other photos are still measured.
func TestBenchCommand(t *testing.T) {
	face, err := fixture.LoadFace(fixture.FacePath())
	if err != nil {
		t.Fatal(err)
	}
	var doc fixture.Scene
	for _, s := range fixture.Scenes(face) {
		if s.Name == "document.jpg" {
			doc = s
		}
	}
	dir := t.TempDir()
	if err := fixture.Write(dir, []fixture.Scene{doc}); err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(dir, "zero.jpg")
	os.WriteFile(bad, nil, 0o644)
	before, _ := os.ReadDir(dir)
	prof := filepath.Join(t.TempDir(), "cpu.prof")
	code, out := run(t, "bench", "--cpuprofile", prof, bad, filepath.Join(dir, "document.jpg"))
	if code != exitUnreadable {
		t.Errorf("exit %d with an undecodable photo, want %d:\n%s", code, exitUnreadable, out)
	}
	m := regexp.MustCompile(`audit ([0-9.]+) s; decode \+ encode ([0-9.]+) s; ratio ([0-9.]+)x; peak memory ([0-9]+) MiB`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no measurement line:\n%s", out)
	}
	audit, _ := strconv.ParseFloat(m[1], 64)
	floor, _ := strconv.ParseFloat(m[2], 64)
	ratio, _ := strconv.ParseFloat(m[3], 64)
	peak, _ := strconv.Atoi(m[4])
	if audit <= 0 || floor <= 0 || ratio < 0.9*audit/floor || ratio > 1.1*audit/floor+0.1 || peak < 50 {
		t.Errorf("audit %.2f s, floor %.2f s, ratio %.1f, peak %d MiB: inconsistent", audit, floor, ratio, peak)
	}
	for _, stage := range []string{"decode", "faces", "faces/verify", "tesseract page", "text blocks", "redact", "encode"} {
		if !regexp.MustCompile(`(?m)^\s+` + regexp.QuoteMeta(stage) + `\s+[0-9.]+ s`).MatchString(out) {
			t.Errorf("no %q stage:\n%s", stage, out)
		}
	}
	if !strings.Contains(out, "zero.jpg") {
		t.Errorf("the undecodable photo is not named:\n%s", out)
	}
	// A profile pprof reads: gzip-compressed protocol buffers.
	if data, err := os.ReadFile(prof); err != nil || len(data) < 100 || data[0] != 0x1f || data[1] != 0x8b {
		t.Errorf("no CPU profile written (%d bytes, %v)", len(data), err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != len(before) {
		t.Errorf("bench wrote into the photos' folder: %v", entries)
	}
}
