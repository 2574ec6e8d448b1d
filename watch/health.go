package watch

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

// HealthFile is the file under Out that a running watch rewrites every
// HealthEvery, for a container's liveness probe (photoaudit health):
// a watch whose loop has stopped, or whose photo in hand has taken far
// longer than any photo should, is restarted rather than left to sit.
const HealthFile = "health.json"

// HealthEvery is how often the health file is rewritten.
var HealthEvery = 10 * time.Second

// Health is what the health file says. It names no file: a photo's
// name can itself identify a patient.
type Health struct {
	Time time.Time `json:"time"`
	PID  int       `json:"pid"`
	// BusySince is when the photo in hand the longest was taken up;
	// absent when none is.
	BusySince *time.Time `json:"busy_since,omitempty"`
	// Done counts the photos finished since the watch started.
	Done int `json:"done"`
}

// beat rewrites the health file (a temporary file renamed over it, so a
// probe never reads half of one).
func (w *watcher) beat(now time.Time) error {
	h := Health{Time: now.UTC(), PID: os.Getpid()}
	w.busyMu.Lock()
	for _, t := range w.started {
		if h.BusySince == nil || t.Before(*h.BusySince) {
			t := t.UTC()
			h.BusySince = &t
		}
	}
	h.Done = w.done
	w.busyMu.Unlock()
	data, err := json.Marshal(h)
	if err != nil {
		return err
	}
	path := filepath.Join(w.opts.Out, HealthFile)
	tmp := filepath.Join(w.opts.Out, "."+HealthFile+".tmp-"+strconv.Itoa(h.PID))
	if err := os.WriteFile(tmp, append(data, '\n'), 0o644); err != nil {
		return fmt.Errorf("watch: health file: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("watch: health file: %w", err)
	}
	return nil
}

// ErrUnhealthy says a watch's health file is missing, stale, or shows a
// photo in hand for too long.
var ErrUnhealthy = errors.New("watch unhealthy")

// CheckHealth reads the health file a watch writes under out and says
// whether, at now, it was rewritten within maxAge and no photo has been
// in hand longer than maxBusy (0: no limit).
func CheckHealth(out string, maxAge, maxBusy time.Duration, now time.Time) (Health, error) {
	var h Health
	data, err := os.ReadFile(filepath.Join(out, HealthFile))
	if err != nil {
		return h, fmt.Errorf("%w: %v (is a watch running with --out %s?)", ErrUnhealthy, err, out)
	}
	if err := json.Unmarshal(data, &h); err != nil {
		return h, fmt.Errorf("%w: %s: %v", ErrUnhealthy, HealthFile, err)
	}
	if age := now.Sub(h.Time); age > maxAge {
		return h, fmt.Errorf("%w: last sign of life %s ago (limit %s)", ErrUnhealthy, age.Round(time.Second), maxAge)
	}
	if h.BusySince != nil && maxBusy > 0 {
		if busy := now.Sub(*h.BusySince); busy > maxBusy {
			return h, fmt.Errorf("%w: one photo in hand for %s (limit %s)", ErrUnhealthy, busy.Round(time.Second), maxBusy)
		}
	}
	return h, nil
}
