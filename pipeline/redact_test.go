package pipeline

import (
	"errors"
	"fmt"
	"image"
	"io"
	"io/fs"
	"testing"

	"photoaudit/photo"
	"photoaudit/risk"
)

// A page read and judged harmless is reported for a person to check and
// never covered, nor looked for again in the safe copy; everything else
// with a box is covered.
func TestHarmlessNotCovered(t *testing.T) {
	face := risk.Finding{Kind: risk.KindFace, Box: image.Rect(0, 0, 40, 40), Identifiers: []risk.Identifier{risk.IDFullFace}}
	page := risk.Finding{Kind: risk.KindDocument, Box: image.Rect(100, 0, 300, 200), Harmless: true, Identifiers: []risk.Identifier{}}
	unread := risk.Finding{Kind: risk.KindScreen, Box: image.Rect(0, 300, 200, 400), Identifiers: []risk.Identifier{risk.IDName}}
	regions := Regions([]risk.Finding{face, page, unread})
	if len(regions) != 2 || regions[0].Box != face.Box || regions[1].Box != unread.Box {
		t.Errorf("Regions = %+v, want the face and the screen only", regions)
	}
	if left := StillRisky([]risk.Finding{page}); len(left) != 0 {
		t.Errorf("StillRisky kept a harmless page: %+v", left)
	}
}

// A photo's error is sorted by its cause, however it was wrapped.
func TestErrorKind(t *testing.T) {
	wrap := func(err error) error { return &photo.Error{Path: "a.jpg", Err: fmt.Errorf("a.jpg: %w", err)} }
	for err, want := range map[error]string{
		nil:                                "",
		wrap(photo.ErrNotImage):            ErrorNotImage,
		wrap(photo.ErrTooLarge):            ErrorTooLarge,
		wrap(photo.ErrEmpty):               ErrorEmpty,
		wrap(photo.ErrNoHEIFDecoder):       ErrorNoDecoder,
		wrap(fs.ErrPermission):             ErrorPermission,
		wrap(fs.ErrNotExist):               ErrorMissing,
		wrap(io.ErrUnexpectedEOF):          ErrorUnreadable,
		errors.New("vision: forward pass"): ErrorInternal,
	} {
		if got := ErrorKind(err); got != want {
			t.Errorf("ErrorKind(%v) = %q, want %q", err, got, want)
		}
	}
}
