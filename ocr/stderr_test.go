package ocr

import (
	"image"
	"sync"
	"syscall"
	"testing"
)

// Readers started and used by several workers at once leave the
// process's stderr where it was: gosseract points fd 2 at /dev/null while
// Tesseract starts, and two starts at once used to leave it there, so
// `scan -j 2` printed no progress and no summary.
func TestStderrSurvivesWorkers(t *testing.T) {
	before := fdIdentity(t, 2)
	// A few rounds: the race needs two starts to overlap.
	for round := 0; round < 4; round++ {
		startReaders(t, 8)
		if after := fdIdentity(t, 2); after != before {
			t.Fatalf("round %d: fd 2 was %v before 8 readers started at once, %v after: stderr lost", round, before, after)
		}
	}
}

// startReaders starts n readers at once, each reading a blank image.
func startReaders(t *testing.T, n int) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := NewReader(DefaultOptions())
			if err != nil {
				errs <- err
				return
			}
			defer r.Close()
			if _, err := r.Read(image.NewGray(image.Rect(0, 0, 64, 64))); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

// fdIdentity is the device and inode an open file descriptor refers to.
func fdIdentity(t *testing.T, fd int) [2]uint64 {
	t.Helper()
	var st syscall.Stat_t
	if err := syscall.Fstat(fd, &st); err != nil {
		t.Fatal(err)
	}
	return [2]uint64{uint64(st.Dev), st.Ino}
}

// A Reader leaves Leptonica printing nothing: its messages from inside
// Tesseract's layout ("Error in pixScaleAreaMap: pixd too small") broke
// into a scan's progress lines.
func TestLeptonicaQuiet(t *testing.T) {
	r, err := NewReader(DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if got := leptonicaSeverity(); got != 6 {
		t.Errorf("Leptonica prints messages of severity %d and up, want none (6)", got)
	}
}
