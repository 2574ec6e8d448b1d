package vision

import (
	"image"
	"image/color"
	"image/draw"
	"math"
	"os"
	"path/filepath"
	"testing"

	"photoaudit/internal/fixture"
	"photoaudit/models"
)

// ONNX Runtime and OpenCV's dnn run the same network: on a tile with faces
// of 20 to 120 px their outputs agree to within float rounding, and so do
// the faces decoded from them.
func TestBlazeRuntimesAgree(t *testing.T) {
	path, err := models.Verify("", models.BlazeFace)
	if err != nil {
		t.Fatalf("%v (run scripts/setup.sh test)", err)
	}
	lib, err := models.Verify("", models.OnnxRuntime)
	if err != nil {
		t.Fatalf("%v (run scripts/setup.sh test)", err)
	}
	face, err := fixture.LoadFace(fixture.FacePath())
	if err != nil {
		t.Fatal(err)
	}
	img := image.NewNRGBA(image.Rect(0, 0, blazeSize, blazeSize))
	draw.Draw(img, img.Bounds(), image.NewUniform(color.NRGBA{90, 110, 120, 255}), image.Point{}, draw.Src)
	for _, f := range []struct{ x, y, side int }{{10, 10, 20}, {60, 10, 40}, {120, 10, 120}, {10, 140, 80}} {
		fixture.Face(img, face, f.x, f.y, f.side)
	}
	m, err := rgbaMat(img)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()

	var outs [2][4][]float32
	var hits [2][]blazeHit
	for i, lib := range []string{lib, ""} {
		b, err := loadBlazeFace(path, lib)
		if err != nil {
			t.Fatal(err)
		}
		defer b.Close()
		if _, _, err := fillBlob(b.net.input(), m, 0, 0); err != nil {
			t.Fatal(err)
		}
		got, err := b.net.run()
		if err != nil {
			t.Fatal(err)
		}
		for k := range got {
			outs[i][k] = append([]float32(nil), got[k]...)
		}
		if hits[i], err = b.forward(image.Point{}, 1, 0.5, 0); err != nil {
			t.Fatal(err)
		}
	}
	for k, name := range blazeOutputs {
		a, b := outs[0][k], outs[1][k]
		if len(a) != len(b) {
			t.Fatalf("%s: %d values on ONNX Runtime, %d on OpenCV", name, len(a), len(b))
		}
		worst := 0.0
		for j := range a {
			worst = max(worst, math.Abs(float64(a[j]-b[j]))/max(1, math.Abs(float64(b[j]))))
		}
		// Measured: scores within 2e-5, regressions (pixels) within
		// 2e-4; the two sum in different orders.
		if worst > 1e-3 {
			t.Errorf("%s: outputs differ by up to %.2g (relative)", name, worst)
		}
	}
	if len(hits[0]) == 0 || len(hits[0]) != len(hits[1]) {
		t.Fatalf("%d anchors score as faces on ONNX Runtime, %d on OpenCV; want the same, some", len(hits[0]), len(hits[1]))
	}
	for j := range hits[0] {
		a, b := hits[0][j], hits[1][j]
		for k := range a.box {
			if math.Abs(a.box[k]-b.box[k]) > 0.01 || math.Abs(a.score-b.score) > 1e-4 {
				t.Errorf("hit %d: %v %.4f on ONNX Runtime, %v %.4f on OpenCV", j, a.box, a.score, b.box, b.score)
				break
			}
		}
	}
}

// The runtime is ONNX Runtime when its library is installed, OpenCV's
// dnn when asked or when the library is missing; an altered library is an
// error, as an altered model is.
func TestNeuralRuntime(t *testing.T) {
	lib, err := neuralRuntime(DefaultOptions())
	if err != nil || filepath.Base(lib) != models.OnnxRuntime.Installed() {
		t.Errorf("installed: %q, %v; want ONNX Runtime (run scripts/setup.sh test)", lib, err)
	}
	opts := DefaultOptions()
	opts.Runtime = RuntimeOpenCV
	if lib, err := neuralRuntime(opts); err != nil || lib != "" {
		t.Errorf("opencv: %q, %v; want OpenCV's dnn", lib, err)
	}
	opts = DefaultOptions()
	opts.ModelDir = t.TempDir()
	if lib, err := neuralRuntime(opts); err != nil || lib != "" {
		t.Errorf("no library: %q, %v; want OpenCV's dnn", lib, err)
	}
	// ONNX Runtime runs the text detector as shipped; without that file
	// the converted one runs on OpenCV.
	if path, textLib, err := textModel("", lib); err != nil || textLib != lib || filepath.Base(path) != models.TextDetOriginal.Installed() {
		t.Errorf("text detector, installed: %q on %q, %v; want the original on ONNX Runtime", path, textLib, err)
	}
	converted, err := os.ReadFile(filepath.Join(models.Dir(""), models.TextDet.Installed()))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(opts.ModelDir, models.TextDet.Installed()), converted, 0o644); err != nil {
		t.Fatal(err)
	}
	if path, textLib, err := textModel(opts.ModelDir, lib); err != nil || textLib != "" || filepath.Base(path) != models.TextDet.Installed() {
		t.Errorf("text detector, no original: %q on %q, %v; want the converted one on OpenCV", path, textLib, err)
	}
	if err := os.WriteFile(filepath.Join(opts.ModelDir, models.OnnxRuntime.Installed()), []byte("altered"), 0o644); err != nil {
		t.Fatal(err)
	}
	if d, err := NewDetector(opts); err == nil {
		d.Close()
		t.Error("altered library: NewDetector succeeded, want an error")
	}
	opts = DefaultOptions()
	opts.Runtime = "tensorflow"
	if d, err := NewDetector(opts); err == nil {
		d.Close()
		t.Error(`runtime "tensorflow": NewDetector succeeded, want an error`)
	}
}

// Both runtimes find the same faces in the generated scenes, to the pixel.
func TestFaceRuntimesSameFaces(t *testing.T) {
	ort, cv := bothRuntimes(t)
	sameRegions(t, "faces", ort, cv, (*Detector).Faces)
}

// Both runtimes find the same text lines in the generated scenes, to the
// pixel.
func TestTextRuntimesSameLines(t *testing.T) {
	ort, cv := bothRuntimes(t)
	if ort.text == nil || ort.text.lib == "" || cv.text == nil || cv.text.lib != "" {
		t.Fatal("want the text detector on ONNX Runtime and on OpenCV (run scripts/setup.sh test)")
	}
	sameRegions(t, "text lines", ort, cv, (*Detector).TextLines)
}

// bothRuntimes returns a detector on each runtime: ONNX Runtime, installed
// by the setup script, and OpenCV's dnn.
func bothRuntimes(t *testing.T) (ort, cv *Detector) {
	opencv := DefaultOptions()
	opencv.Runtime = RuntimeOpenCV
	return newTestDetector(t), newDetectorWith(t, opencv)
}

// sameRegions wants look to find the same regions with ort and cv in
// every generated scene, and some in one of them.
func sameRegions(t *testing.T, what string, ort, cv *Detector, look func(*Detector, image.Image) ([]Region, error)) {
	t.Helper()
	found := 0
	for name, s := range scenes(t) {
		a, err := look(ort, s.Image)
		if err != nil {
			t.Fatal(err)
		}
		b, err := look(cv, s.Image)
		if err != nil {
			t.Fatal(err)
		}
		found += len(a)
		if len(a) != len(b) {
			t.Errorf("%s: %d %s on ONNX Runtime, %d on OpenCV", name, len(a), what, len(b))
			continue
		}
		for i := range a {
			if a[i].Box != b[i].Box || math.Abs(a[i].Confidence-b[i].Confidence) > 0.01 {
				t.Errorf("%s: %v %.2f on ONNX Runtime, %v %.2f on OpenCV", name, a[i].Box, a[i].Confidence, b[i].Box, b[i].Confidence)
			}
		}
	}
	if found == 0 {
		t.Errorf("no %s in any scene", what)
	}
}
