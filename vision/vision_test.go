package vision

import (
	"errors"
	"image"
	"image/color"
	"image/draw"
	"os"
	"path/filepath"
	"testing"

	"github.com/disintegration/imaging"
	"gocv.io/x/gocv"

	"photoaudit/internal/fixture"
	"photoaudit/models"
)

func newTestDetector(t testing.TB) *Detector {
	t.Helper()
	return newDetectorWith(t, DefaultOptions())
}

// faceDetectors are the two ways faces are found: BlazeFace (installed by
// the setup script) and the Haar cascades that stand in when the model is
// missing, here an empty models folder.
func faceDetectors(t *testing.T) map[string]*Detector {
	haar := DefaultOptions()
	haar.ModelDir = t.TempDir()
	return map[string]*Detector{"blazeface": newTestDetector(t), "haar": newDetectorWith(t, haar)}
}

func newDetectorWith(t testing.TB, opts Options) *Detector {
	t.Helper()
	d, err := NewDetector(opts)
	if err != nil {
		t.Fatalf("NewDetector: %v (run scripts/setup.sh test)", err)
	}
	t.Cleanup(func() {
		if err := d.Close(); err != nil {
			t.Error(err)
		}
	})
	return d
}

func scenes(t testing.TB) map[string]fixture.Scene {
	t.Helper()
	face, err := fixture.LoadFace(fixture.FacePath())
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]fixture.Scene{}
	for _, s := range fixture.Scenes(face) {
		out[s.Name] = s
	}
	return out
}

// The PhotoPrism pattern: expected face counts per scene.
func TestFaces(t *testing.T) {
	all := scenes(t)
	for det, d := range faceDetectors(t) {
		for name, want := range map[string]int{"face.jpg": 1, "poster.jpg": 0, "screen.jpg": 0, "document.jpg": 0} {
			t.Run(det+"/"+name, func(t *testing.T) {
				s := all[name]
				got, err := d.Faces(s.Image)
				if err != nil {
					t.Fatal(err)
				}
				if len(got) != want {
					t.Fatalf("found %d faces %v, want %d", len(got), got, want)
				}
				for _, r := range s.Regions {
					if r.Kind != "face" {
						continue
					}
					if iou := IoU(got[0].Box, r.Box); iou < 0.3 {
						t.Errorf("face box %v, labelled %v: IoU %.2f", got[0].Box, r.Box, iou)
					}
					if want := wantDetector[det]; got[0].Detector != want {
						t.Errorf("found by %q, want %q", got[0].Detector, want)
					}
				}
			})
		}
	}
}

var wantDetector = map[string]string{"blazeface": "blazeface-back-256", "haar": "haar-frontal"}

// A small face, about 30 px wide in a 2 MP photo, is still found: small
// photos are enlarged for the cascade.
func TestSmallFace(t *testing.T) {
	face, err := fixture.LoadFace(fixture.FacePath())
	if err != nil {
		t.Fatal(err)
	}
	img := image.NewNRGBA(image.Rect(0, 0, 1600, 1200))
	for i := range img.Pix {
		img.Pix[i] = 190
	}
	r := fixture.Face(img, face, 800, 500, 52) // the face itself is about 30 px wide
	for det, d := range faceDetectors(t) {
		got, err := d.Faces(img)
		if err != nil {
			t.Fatal(err)
		}
		if !anyOverlaps(got, r.Box) {
			t.Errorf("%s: face %v (%d px) not found; found %v", det, r.Box, r.Box.Dx(), got)
		}
	}
}

func anyOverlaps(rs []Region, box image.Rectangle) bool {
	for _, g := range rs {
		if IoU(g.Box, box) >= 0.3 {
			return true
		}
	}
	return false
}

// BlazeFace's tiles reach a 24 px face (20 px of face, the smallest the
// scorer counts) anywhere in a 12 MP photo, a tile seam included, and a
// face filling most of the frame.
func TestBlazeFaceSizes(t *testing.T) {
	face, err := fixture.LoadFace(fixture.FacePath())
	if err != nil {
		t.Fatal(err)
	}
	d := newTestDetector(t)
	for _, c := range []struct {
		w, h, x, y, size int
	}{
		{4032, 3024, 2000, 1500, 46},
		{4032, 3024, 420, 60, 46},    // across the first tile's right edge
		{4032, 3024, 3980, 2975, 46}, // in the last, partial tile
		{4032, 3024, 2016, 1512, 2600},
		{640, 480, 320, 240, 400},
	} {
		img := image.NewNRGBA(image.Rect(0, 0, c.w, c.h))
		for i := range img.Pix {
			img.Pix[i] = 160
		}
		r := fixture.Face(img, face, c.x, c.y, c.size)
		got, err := d.Faces(img)
		if err != nil {
			t.Fatal(err)
		}
		if !anyOverlaps(got, r.Box) {
			t.Errorf("%dx%d: face %v (%d px) not found; found %v", c.w, c.h, r.Box, r.Box.Dx(), got)
		}
	}
}

// A tile is run only with skin tones and edges among them: a plain wall
// of skin tone is skipped; a face as small as the finest level makes
// them (MinFace, 24 px, becomes blazeFaceIn px) keeps its tile, even
// blurred or faded past what the network itself can find, and where the
// network can find it, it is found.
func TestBlazeTileCheck(t *testing.T) {
	face, err := fixture.LoadFace(fixture.FacePath())
	if err != nil {
		t.Fatal(err)
	}
	scale := float64(blazeFaceIn) / float64(DefaultOptions().MinFace)
	minSkin := blazeFaceIn * blazeFaceIn / 10
	tile := func(img image.Image, at image.Point) (skin, edged int) {
		t.Helper()
		m, err := rgbaMat(img)
		if err != nil {
			t.Fatal(err)
		}
		defer m.Close()
		small := gocv.NewMat()
		defer small.Close()
		b := img.Bounds()
		gocv.Resize(m, &small, image.Pt(int(float64(b.Dx())*scale), int(float64(b.Dy())*scale)), 0, 0, gocv.InterpolationArea)
		skin, edged, err = fillBlob(make([]float32, blazeSize*blazeSize*3), small, int(float64(at.X)*scale), int(float64(at.Y)*scale))
		if err != nil {
			t.Fatal(err)
		}
		return skin, edged
	}
	wall := func(c color.NRGBA) *image.NRGBA {
		img := image.NewNRGBA(image.Rect(0, 0, 800, 600))
		draw.Draw(img, img.Bounds(), image.NewUniform(c), image.Point{}, draw.Src)
		return img
	}
	if skin, edged := tile(wall(color.NRGBA{150, 110, 80, 255}), image.Point{}); skin < minSkin || edged != 0 {
		t.Errorf("plain desk: %d skin, %d edge pixels; want skin tones and no edges", skin, edged)
	}
	d := newTestDetector(t)
	for _, c := range []struct {
		name  string
		sigma float64 // Gaussian blur
		fade  float64 // contrast left
		found bool    // BlazeFace finds it at this size
	}{
		{"sharp", 0, 1, true},
		{"blurred", 1, 1, true},
		{"faded", 0, 0.7, true},
		{"blurred more", 3, 1, false},
		{"faded more", 1, 0.5, false},
	} {
		img := wall(color.NRGBA{90, 110, 140, 255})
		r := fixture.Face(img, face, 300, 200, 42) // the face itself 24 px wide
		if c.fade != 1 {
			img = imaging.AdjustContrast(img, -100*(1-c.fade))
		}
		if c.sigma > 0 {
			img = imaging.Blur(img, c.sigma)
		}
		skin, edged := tile(img, image.Pt(r.Box.Min.X-100, r.Box.Min.Y-100))
		if skin < minSkin || edged < minSkin/2 {
			t.Errorf("%s %d px face: %d skin, %d edge pixels; want %d and %d", c.name, r.Box.Dx(), skin, edged, minSkin, minSkin/2)
		}
		if !c.found {
			continue
		}
		got, err := d.Faces(img)
		if err != nil {
			t.Fatal(err)
		}
		if !anyOverlaps(got, r.Box) {
			t.Errorf("%s %d px face not found; found %v", c.name, r.Box.Dx(), got)
		}
	}
}

func TestFaceDetectors(t *testing.T) {
	names, err := FaceDetectors(DefaultOptions())
	if err != nil || len(names) != 1 || names[0] != "blazeface-back-256" {
		t.Errorf("installed model: %v, %v; want blazeface alone (run scripts/setup.sh test)", names, err)
	}
	opts := DefaultOptions()
	opts.ModelDir = t.TempDir()
	names, err = FaceDetectors(opts)
	if !errors.Is(err, models.ErrMissing) || len(names) != 2 || names[0] != "haar-frontal" {
		t.Errorf("no model: %v, %v; want the Haar cascades and ErrMissing", names, err)
	}
	// A model file that is there but altered is an error, not a fallback.
	if err := os.WriteFile(filepath.Join(opts.ModelDir, models.BlazeFace.Installed()), []byte("not a model"), 0o644); err != nil {
		t.Fatal(err)
	}
	if d, err := NewDetector(opts); err == nil {
		d.Close()
		t.Error("NewDetector accepted a model with the wrong checksum")
	}
	opts = DefaultOptions()
	opts.Haar = "sometimes"
	if d, err := NewDetector(opts); err == nil {
		d.Close()
		t.Error("NewDetector accepted haar: sometimes")
	}
}

func TestMergeOverlaps(t *testing.T) {
	rs := []Region{
		{Kind: "face", Box: image.Rect(0, 0, 100, 100), Confidence: 0.8},
		{Kind: "face", Box: image.Rect(10, 10, 110, 110), Confidence: 0.9},
		{Kind: "face", Box: image.Rect(500, 500, 600, 600), Confidence: 0.8},
		{Kind: "screen", Box: image.Rect(0, 0, 100, 100), Confidence: 0.5},
	}
	got := MergeOverlaps(rs, 0.3)
	if len(got) != 3 {
		t.Fatalf("got %d regions, want 3: %v", len(got), got)
	}
	if got[0].Box != image.Rect(0, 0, 110, 110) || got[0].Confidence != 0.9 {
		t.Errorf("merged = %+v", got[0])
	}
}

// BenchmarkFaces12MP times each face detector on the generated face
// scene enlarged to 12 MP (its plain desk is skin-toned but has no edges,
// so BlazeFace skips its tiles). Run with taskset -c 0 for one core.
//
// blazeface-crowd is the worst case for BlazeFace: the face photo repeated
// over the whole frame, so every tile has skin and edges and none is
// skipped. BlazeFace runs on ONNX Runtime; the -opencv ones run it on
// OpenCV's dnn, as when ONNX Runtime is not installed.
func BenchmarkFaces12MP(b *testing.B) {
	room := imaging.Resize(scenes(b)["face.jpg"].Image, 4032, 3024, imaging.Linear)
	face, err := fixture.LoadFace(fixture.FacePath())
	if err != nil {
		b.Fatal(err)
	}
	crowd := image.NewNRGBA(image.Rect(0, 0, 4032, 3024))
	for y := 0; y < 3024; y += 300 {
		for x := 0; x < 4032; x += 256 {
			fixture.Face(crowd, face, x, y, 256)
		}
	}
	haar := DefaultOptions()
	haar.ModelDir = b.TempDir()
	b.Run("blazeface", func(b *testing.B) { benchFaces(b, DefaultOptions(), room) })
	b.Run("blazeface-crowd", func(b *testing.B) { benchFaces(b, DefaultOptions(), crowd) })
	// What each part of the look costs: upright faces at 0.75 alone (the
	// look before turned faces and candidates), with candidates, and the
	// look at a safe copy.
	upright := DefaultOptions()
	upright.MinTurnedFace, upright.FaceCandidate = 0, 0
	candidates := DefaultOptions()
	candidates.MinTurnedFace = 0
	b.Run("blazeface-upright", func(b *testing.B) { benchFaces(b, upright, room) })
	b.Run("blazeface-upright-candidates", func(b *testing.B) { benchFaces(b, candidates, room) })
	// The look at a safe copy with nothing redacted, and with the whole
	// photo redacted (every level everywhere, as before it looked only
	// where the copy changed).
	b.Run("blazeface-recheck", func(b *testing.B) {
		benchLook(b, DefaultOptions(), room, func(d *Detector, img image.Image) ([]Region, error) { return d.RecheckFaces(img, nil) })
	})
	b.Run("blazeface-recheck-all", func(b *testing.B) {
		benchLook(b, DefaultOptions(), room, func(d *Detector, img image.Image) ([]Region, error) {
			return d.RecheckFaces(img, []image.Rectangle{img.Bounds()})
		})
	})
	opencv := DefaultOptions()
	opencv.Runtime = RuntimeOpenCV
	b.Run("blazeface-opencv", func(b *testing.B) { benchFaces(b, opencv, room) })
	b.Run("blazeface-crowd-opencv", func(b *testing.B) { benchFaces(b, opencv, crowd) })
	b.Run("haar", func(b *testing.B) { benchFaces(b, haar, room) })
}

func benchFaces(b *testing.B, opts Options, img image.Image) {
	benchLook(b, opts, img, (*Detector).Faces)
}

func benchLook(b *testing.B, opts Options, img image.Image, look func(*Detector, image.Image) ([]Region, error)) {
	d := newDetectorWith(b, opts)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := look(d, img); err != nil {
			b.Fatal(err)
		}
	}
}

// The text detector finds the document's lines (six of them, 22-26 px
// text) inside the paper and nothing on the empty wall; without its model
// TextLines returns nothing and no error.
func TestTextLines(t *testing.T) {
	s := scenes(t)["document.jpg"]
	d := newTestDetector(t)
	lines, err := d.TextLines(s.Image)
	if err != nil {
		t.Fatal(err)
	}
	paper := s.Regions[0].Box
	inside := 0
	for _, l := range lines {
		if l.Box.In(paper.Inset(-8)) {
			inside++
		} else {
			t.Errorf("text line %v outside the paper %v", l.Box, paper)
		}
	}
	if inside < 4 {
		t.Errorf("%d text lines on the paper, want the document's lines (>= 4)", inside)
	}
	if err := TextDetector(DefaultOptions()); err != nil {
		t.Errorf("TextDetector: %v (run scripts/setup.sh test)", err)
	}
	opts := DefaultOptions()
	opts.ModelDir = t.TempDir()
	if lines, err := newDetectorWith(t, opts).TextLines(s.Image); err != nil || lines != nil {
		t.Errorf("without the model: %v, %v", lines, err)
	}
}

// BenchmarkTextLines12MP times the scene-text detector on the document
// scene enlarged to 12 MP, on ONNX Runtime and on OpenCV's dnn, after two
// looks (a worker's first looks at a size are slower: 0.9 and 0.4 s on
// ONNX Runtime, 1.5 and 0.7 s on OpenCV). Run with taskset -c 0 for one
// core.
func BenchmarkTextLines12MP(b *testing.B) {
	img := imaging.Resize(scenes(b)["document.jpg"].Image, 4032, 3024, imaging.Linear)
	opencv := DefaultOptions()
	opencv.Runtime = RuntimeOpenCV
	for name, opts := range map[string]Options{"onnxruntime": DefaultOptions(), "opencv": opencv} {
		d := newDetectorWith(b, opts)
		for range 2 {
			if _, err := d.TextLines(img); err != nil {
				b.Fatal(err)
			}
		}
		b.Run(name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				if _, err := d.TextLines(img); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// Halving first gives what one area resize gives, a little softer, at
// the size asked for: on a photo's gradients and shapes (here 30 px
// squares) within a grey level or two.
func TestAreaResize(t *testing.T) {
	for _, c := range []struct{ w, h, tw, th int }{{4032, 3024, 960, 720}, {2001, 1333, 512, 341}, {900, 600, 640, 427}, {3, 3, 1, 1}} {
		n := image.NewNRGBA(image.Rect(0, 0, c.w, c.h))
		for y := 0; y < c.h; y++ {
			for x := 0; x < c.w; x++ {
				i := n.PixOffset(x, y)
				n.Pix[i], n.Pix[i+1], n.Pix[i+2], n.Pix[i+3] = uint8(x*255/c.w), uint8(y*255/c.h), uint8((x/30+y/30)%2*200), 255
			}
		}
		src, err := rgbaMat(n)
		if err != nil {
			t.Fatal(err)
		}
		want, got := gocv.NewMat(), gocv.NewMat()
		gocv.Resize(src, &want, image.Pt(c.tw, c.th), 0, 0, gocv.InterpolationArea)
		areaResize(src, &got, image.Pt(c.tw, c.th))
		if got.Cols() != c.tw || got.Rows() != c.th {
			t.Errorf("%dx%d to %dx%d: got %dx%d", c.w, c.h, c.tw, c.th, got.Cols(), got.Rows())
		} else {
			a, _ := want.DataPtrUint8()
			b, _ := got.DataPtrUint8()
			sum := 0
			for i := range a {
				d := int(a[i]) - int(b[i])
				sum += max(d, -d)
			}
			if mean := float64(sum) / float64(len(a)); mean > 2 {
				t.Errorf("%dx%d to %dx%d: differs from one area resize by %.2f a channel", c.w, c.h, c.tw, c.th, mean)
			}
		}
		src.Close()
		want.Close()
		got.Close()
	}
}
