package watch

import (
	"bufio"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// These tests run the real binary, as a container or a service manager
// would, and kill it.

var built struct {
	once sync.Once
	path string
	err  error
}

func photoauditBinary(t *testing.T) string {
	t.Helper()
	built.once.Do(func() {
		dir, err := os.MkdirTemp("", "photoaudit-bin-")
		if err != nil {
			built.err = err
			return
		}
		built.path = filepath.Join(dir, "photoaudit")
		out, err := exec.Command("go", "build", "-o", built.path, "../cmd/photoaudit").CombinedOutput()
		if err != nil {
			built.err = &buildError{err, string(out)}
		}
	})
	if built.err != nil {
		t.Fatal(built.err)
	}
	return built.path
}

var emptyModels struct {
	once sync.Once
	dir  string
}

func noModels(t *testing.T) string {
	emptyModels.once.Do(func() { emptyModels.dir, _ = os.MkdirTemp("", "photoaudit-no-models-") })
	return emptyModels.dir
}

type buildError struct {
	err error
	out string
}

func (e *buildError) Error() string { return "go build: " + e.err.Error() + "\n" + e.out }

// startWatch runs the binary on the classical detectors (an empty models
// folder): what these tests check is the watcher's bookkeeping, which is
// the same whatever the detectors, and the neural ones would make each
// tiny photo cost half a second of CPU. The in-process tests run with the
// models.
func startWatch(t *testing.T, inbox, out string, extra ...string) *exec.Cmd {
	t.Helper()
	args := append([]string{"watch", "--inbox", inbox, "--out", out, "--settle", "50ms", "--rescan", "200ms", "-q"}, extra...)
	cmd := exec.Command(photoauditBinary(t), args...)
	cmd.Env = append(os.Environ(), "PHOTOAUDIT_MODELS="+noModels(t))
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd
}

// Killing the watcher with SIGKILL at random moments, many times, and
// starting it again loses nothing and does nothing twice: every photo has
// exactly one audit line and its outputs, every original is kept, no
// half-written file is left.
func TestKill9(t *testing.T) {
	inbox, out := t.TempDir(), t.TempDir()
	files := smallPhotos(t, inbox, 80)
	want := map[string]string{}
	for name, data := range files {
		want[sum(data)] = name
	}
	r := rand.New(rand.NewSource(1))
	kills, midway := 0, 0
	for round := 0; round < 60; round++ {
		before := len(readLog(t, out))
		cmd := startWatch(t, inbox, out)
		time.Sleep(time.Duration(500+r.Intn(2500)) * time.Millisecond)
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()
		kills++
		after := len(readLog(t, out))
		left, _ := os.ReadDir(inbox)
		if after > before && len(left) > 0 {
			midway++ // killed with work done and work left
		}
		if len(left) == 0 && after == len(want) {
			break
		}
	}
	// A last clean run finishes whatever the kills interrupted.
	cmd := startWatch(t, inbox, out)
	time.Sleep(2 * time.Second) // past start-up, so SIGTERM meets the handler
	waitFor(t, 2*time.Minute, "the inbox to empty", func() bool {
		left, _ := os.ReadDir(inbox)
		return len(left) == 0 && len(readLog(t, out)) >= len(want)
	})
	cmd.Process.Signal(syscall.SIGTERM)
	if err := cmd.Wait(); err != nil {
		t.Errorf("after SIGTERM: %v, want exit 0", err)
	}
	t.Logf("%d kills, %d with photos both done and left", kills, midway)
	if midway < 3 {
		t.Errorf("only %d kills fell between photos: the test did not exercise restarts", midway)
	}
	checkLog(t, out, want)
	checkNothingLost(t, out, files)
}

// A thousand small photos go through with bounded memory: the watcher
// holds no more than the files in hand.
func TestThousandPhotosBoundedMemory(t *testing.T) {
	inbox, out := t.TempDir(), t.TempDir()
	files := smallPhotos(t, inbox, 1000)
	cmd := startWatch(t, inbox, out, "--workers", "2")
	start := time.Now()
	var peak int
	waitFor(t, 10*time.Minute, "1,000 photos", func() bool {
		if kb := peakRSS(cmd.Process.Pid); kb > peak {
			peak = kb
		}
		return len(readLog(t, out)) == len(files)
	})
	t.Logf("1,000 photos in %v, peak RSS %d MiB", time.Since(start).Round(time.Second), peak/1024)
	cmd.Process.Signal(syscall.SIGTERM)
	cmd.Wait()
	// Measured with 2 workers: 168 MiB. The bound leaves room, not a
	// thousand photos' worth.
	if peak > 600*1024 {
		t.Errorf("peak RSS %d MiB for 1,000 photos of 64x48", peak/1024)
	}
	want := map[string]string{}
	for name, data := range files {
		want[sum(data)] = name
	}
	checkLog(t, out, want)
}

// peakRSS is the process's high-water resident set in KiB (Linux).
func peakRSS(pid int) int {
	f, err := os.Open("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			n, _ := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
			return n
		}
	}
	return 0
}
