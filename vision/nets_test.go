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
		if hits[i], err = b.forward(image.Point{}, 1, 0.5); err != nil {
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

// FaceRuntime picks ONNX Runtime when its library is installed, OpenCV's
// dnn when asked or when the library is missing; an altered library is an
// error, as an altered model is.
func TestFaceRuntime(t *testing.T) {
	lib, err := faceRuntime(DefaultOptions())
	if err != nil || filepath.Base(lib) != models.OnnxRuntime.Installed() {
		t.Errorf("installed: %q, %v; want ONNX Runtime (run scripts/setup.sh test)", lib, err)
	}
	opts := DefaultOptions()
	opts.FaceRuntime = RuntimeOpenCV
	if lib, err := faceRuntime(opts); err != nil || lib != "" {
		t.Errorf("opencv: %q, %v; want OpenCV's dnn", lib, err)
	}
	opts = DefaultOptions()
	opts.ModelDir = t.TempDir()
	if lib, err := faceRuntime(opts); err != nil || lib != "" {
		t.Errorf("no library: %q, %v; want OpenCV's dnn", lib, err)
	}
	if err := os.WriteFile(filepath.Join(opts.ModelDir, models.OnnxRuntime.Installed()), []byte("altered"), 0o644); err != nil {
		t.Fatal(err)
	}
	if d, err := NewDetector(opts); err == nil {
		d.Close()
		t.Error("altered library: NewDetector succeeded, want an error")
	}
	opts = DefaultOptions()
	opts.FaceRuntime = "tensorflow"
	if d, err := NewDetector(opts); err == nil {
		d.Close()
		t.Error(`face_runtime "tensorflow": NewDetector succeeded, want an error`)
	}
}

// Both runtimes find the same faces in the generated scenes, to the pixel.
func TestFaceRuntimesSameFaces(t *testing.T) {
	opencv := DefaultOptions()
	opencv.FaceRuntime = RuntimeOpenCV
	ort, cv := newTestDetector(t), newDetectorWith(t, opencv)
	found := 0
	for name, s := range scenes(t) {
		a, err := ort.Faces(s.Image)
		if err != nil {
			t.Fatal(err)
		}
		b, err := cv.Faces(s.Image)
		if err != nil {
			t.Fatal(err)
		}
		found += len(a)
		if len(a) != len(b) {
			t.Errorf("%s: %d faces on ONNX Runtime, %d on OpenCV", name, len(a), len(b))
			continue
		}
		for i := range a {
			if a[i].Box != b[i].Box {
				t.Errorf("%s: face %v on ONNX Runtime, %v on OpenCV", name, a[i].Box, b[i].Box)
			}
		}
	}
	if found == 0 {
		t.Error("no face in any scene")
	}
}
