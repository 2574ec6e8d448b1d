package eval

import (
	"context"
	"path/filepath"
	"testing"

	"photoaudit/blur"
	"photoaudit/detect"
	"photoaudit/internal/fixture"
	"photoaudit/photo"
	"photoaudit/pipeline"
	"photoaudit/risk"
)

// The hard scenes, end to end as photoaudit eval scores them: a patient
// intake form tilted on an outdoor background (no surface of a known
// colour on a known background) leaves nothing on it readable in the safe
// copy; staff badges in a corner of a dark or a busy photo are found; a
// white pole against a dark sky, patterned cloth and a poster pass; a
// dark-theme schedule on a monitor and a message on a phone held up
// outdoors are found and leave nothing readable; a whiteboard of room
// assignments is found, one of staff notes passes. Drawn in the Go fonts,
// then in handwriting and a serif (Debian's fonts-dkg-handwriting and
// fonts-dejavu-core, which scripts/setup.sh test installs).
func TestHardScenes(t *testing.T) {
	t.Run("go fonts", func(t *testing.T) { hardScenes(t, fixture.HardScenes(2)) })
	t.Run("handwriting", func(t *testing.T) {
		fonts := []string{"/usr/share/fonts/truetype/fifthhorseman/dkg.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf"}
		for _, f := range fonts {
			if err := fixture.LoadFont(f); err != nil {
				t.Fatalf("%v (scripts/setup.sh test installs it)", err)
			}
		}
		hardScenes(t, fixture.HardScenes(1, fonts...))
	})
}

func hardScenes(t *testing.T, scenes []fixture.Scene) {
	in, out := t.TempDir(), t.TempDir()
	if err := fixture.Write(in, scenes); err != nil {
		t.Fatal(err)
	}
	res, _, err := Run(context.Background(), Options{
		Labels: filepath.Join(in, "labels.json"), Images: in,
		Pipeline: pipeline.Options{Out: out, Workers: 2, Photo: photo.DefaultOptions(), Detect: detect.DefaultOptions(),
			Policy: risk.DefaultPolicy(), Redact: blur.DefaultOptions()},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, kind := range []string{"document", "badge", "screen", "whiteboard"} {
		if r := res.Recall[kind]; r.Labelled == 0 || r.Found != r.Labelled {
			t.Errorf("%s: found %d of %d", kind, r.Found, r.Labelled)
		}
	}
	if res.FalseAlarms != 0 || res.Errors != 0 {
		t.Errorf("%d false alarms of %d pass photos, %d errors", res.FalseAlarms, res.PassPhotos, res.Errors)
	}
	if res.Leaks.Total() != 0 || res.Leaks.PHIChecked == 0 {
		t.Errorf("leaks %+v (%d strings checked)", res.Leaks, res.Leaks.PHIChecked)
	}
	if t.Failed() {
		t.Logf("misses: %v", res.Misses)
	}
}
