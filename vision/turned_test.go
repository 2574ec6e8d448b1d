package vision

import (
	"fmt"
	"image"
	"image/color"
	"slices"
	"strings"
	"testing"

	"github.com/disintegration/imaging"

	"photoaudit/internal/fixture"
)

// turnedFace is a 1600x1200 grey scene with the test face pasted at
// side px (the face itself about 0.58 of that) and the scene turned deg
// degrees counter-clockwise, with the face's box in the turned scene.
func turnedFace(t testing.TB, side int, deg float64) (image.Image, image.Rectangle) {
	t.Helper()
	face, err := fixture.LoadFace(fixture.FacePath())
	if err != nil {
		t.Fatal(err)
	}
	img := image.NewNRGBA(image.Rect(0, 0, 1600, 1200))
	for i := range img.Pix {
		img.Pix[i] = 170
	}
	r := fixture.Face(img, face, 700, 400, side)
	var turned *image.NRGBA
	switch deg {
	case 90:
		turned = imaging.Rotate90(img)
	case 180:
		turned = imaging.Rotate180(img)
	case 270:
		turned = imaging.Rotate270(img)
	default:
		turned = img
	}
	return turned, fixture.TurnedBox(r.Box, img.Bounds(), turned.Bounds(), deg)
}

// Faces lying on their side or upside down, from 40 px to 200 px, are
// found (staff lying on a floor, a child seen from above). BlazeFace
// finds some faces on their side upright too; upside down it needs the
// turned look.
func TestTurnedFaces(t *testing.T) {
	d := newTestDetector(t)
	for _, deg := range []float64{90, 180, 270} {
		for _, side := range []int{70, 170, 345} { // faces of about 40, 100 and 200 px
			t.Run(fmt.Sprintf("%g/%d", deg, side), func(t *testing.T) {
				img, box := turnedFace(t, side, deg)
				got, err := d.Faces(img)
				if err != nil {
					t.Fatal(err)
				}
				if !anyOverlaps(got, box) {
					t.Fatalf("face %v (%d px) turned %g degrees not found; found %v", box, min(box.Dx(), box.Dy()), deg, got)
				}
			})
		}
	}
	// With turned faces switched off, the upside-down face is not found:
	// the turned look is what finds it.
	opts := DefaultOptions()
	opts.MinTurnedFace = 0
	upright := newDetectorWith(t, opts)
	img, box := turnedFace(t, 170, 180)
	got, err := upright.Faces(img)
	if err != nil {
		t.Fatal(err)
	}
	if anyOverlaps(got, box) {
		t.Errorf("upright look found the upside-down face %v: the test shows nothing", box)
	}
}

// A tile turned and its boxes turned back land where they were: a mark
// put in a tile is found, after fillTurned, where unturn says it is.
func TestUnturn(t *testing.T) {
	img := image.NewNRGBA(image.Rect(0, 0, 300, 280))
	mark := image.Rect(40, 20, 50, 26) // x 40-50, y 20-26 in the tile at (10, 5)
	for y := mark.Min.Y + 5; y < mark.Max.Y+5; y++ {
		for x := mark.Min.X + 10; x < mark.Max.X+10; x++ {
			img.Pix[img.PixOffset(x, y)] = 255
		}
	}
	m, err := rgbaMat(img)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	dst := make([]float32, blazeSize*blazeSize*3)
	for turn := 1; turn <= 3; turn++ {
		if err := fillTurned(dst, m, 10, 5, turn); err != nil {
			t.Fatal(err)
		}
		// Where the mark is in the turned input.
		in := image.Rectangle{Min: image.Pt(blazeSize, blazeSize)}
		for v := 0; v < blazeSize; v++ {
			for u := 0; u < blazeSize; u++ {
				if dst[(v*blazeSize+u)*3] > 0.9 {
					in.Min.X, in.Min.Y = min(in.Min.X, u), min(in.Min.Y, v)
					in.Max.X, in.Max.Y = max(in.Max.X, u+1), max(in.Max.Y, v+1)
				}
			}
		}
		x0, y0, x1, y1 := unturn(float64(in.Min.X), float64(in.Min.Y), float64(in.Max.X), float64(in.Max.Y), turn, blazeSize, blazeSize)
		if back := image.Rect(int(x0), int(y0), int(x1), int(y1)); back != mark {
			t.Errorf("turn %d: mark at %v in the input, %v turned back; want %v", turn, in, back, mark)
		}
	}
}

// A low-scoring face counts in a crowd: three faces of about its size
// within four of its widths. Fewer, smaller or larger, or farther faces
// are no crowd.
func TestInCrowd(t *testing.T) {
	face := func(x, y, w int) Region { return Region{Kind: "face", Box: image.Rect(x, y, x+w, y+w)} }
	r := image.Rect(500, 500, 530, 530)
	for _, c := range []struct {
		name  string
		faces []Region
		want  bool
	}{
		{"three around", []Region{face(440, 500, 30), face(560, 500, 28), face(500, 440, 34)}, true},
		{"two around", []Region{face(440, 500, 30), face(560, 500, 28)}, false},
		{"three far", []Region{face(300, 500, 30), face(700, 500, 28), face(500, 700, 34)}, false},
		{"three twice as large", []Region{face(420, 500, 60), face(560, 500, 60), face(500, 420, 60)}, false},
		{"none", nil, false},
	} {
		if got := inCrowd(r, c.faces); got != c.want {
			t.Errorf("%s: inCrowd %v, want %v", c.name, got, c.want)
		}
	}
}

// The look at a safe copy finds at least the upright faces the first look
// finds where the copy was changed: over the whole photo, and with only
// each face's own box changed (the pyramid's own levels run on the tiles
// over it).
func TestRecheckFaces(t *testing.T) {
	d := newTestDetector(t)
	for name, s := range scenes(t) {
		first, err := d.Faces(s.Image)
		if err != nil {
			t.Fatal(err)
		}
		again, err := d.RecheckFaces(s.Image, []image.Rectangle{s.Image.Bounds()})
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range first {
			if !anyOverlaps(again, f.Box) {
				t.Errorf("%s: face %v found by Faces, not by RecheckFaces over the whole photo (%v)", name, f.Box, again)
			}
			there, err := d.RecheckFaces(s.Image, []image.Rectangle{f.Box})
			if err != nil {
				t.Fatal(err)
			}
			if !anyOverlaps(there, f.Box) {
				t.Errorf("%s: face %v not found by RecheckFaces with its box changed (%v)", name, f.Box, there)
			}
		}
	}
	if looks := d.RecheckLooks(); len(looks) == 0 {
		t.Error("RecheckLooks names nothing")
	}
}

// A staff badge lying sideways, its name standing on its end and reading
// up or down, is a text line: found where it stands, and read. At this
// size the detector finds the name only lying. StandingTextLines, given
// the lying lines, finds what TextLines does.
func TestStandingTextLines(t *testing.T) {
	d := newTestDetector(t)
	for _, deg := range []float64{90, 270} {
		img := fixture.Outdoor(2400, 1800, 11)
		badge := fixture.StaffBadge(img, 700, 300, 0.6, deg, color.NRGBA{20, 120, 80, 255}, fixture.FontMono, "Karen Mitchell", "RN")
		lines, err := d.TextLines(img)
		if err != nil {
			t.Fatal(err)
		}
		// The turned pass alone, given the lying lines, adds the same.
		lying, err := d.LyingTextLines(img)
		if err != nil {
			t.Fatal(err)
		}
		if again, err := d.StandingTextLines(img, lying); err != nil || !slices.Equal(again, lines) {
			t.Errorf("badge turned %v deg: StandingTextLines = %+v, %v; TextLines found %+v", deg, again, err, lines)
		}
		var on []Region
		for _, l := range lines {
			if l.Box.Overlaps(badge.Box) && l.Box.Dy() > 2*l.Box.Dx() {
				on = append(on, l)
			}
		}
		rs, err := d.ReadLines(img, on)
		if err != nil {
			t.Fatal(err)
		}
		var read []string
		for _, r := range rs {
			read = append(read, strings.ReplaceAll(r.Text, " ", ""))
		}
		if !slices.ContainsFunc(read, func(s string) bool { return strings.Contains(s, "Mitchel") }) {
			t.Errorf("badge turned %v deg at %v: standing lines %+v read %q, want Karen Mitchell", deg, badge.Box, on, read)
		}
	}
}
