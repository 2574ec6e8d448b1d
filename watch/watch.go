// Package watch runs photoaudit on an inbox folder that staff drop photos
// into, often a synced or network share. Each file is read only once it
// is complete (size and modification time unchanged for Settle), audited,
// and its outputs written durably before anything else happens to it:
//
//	out/approved/   safe copies of photos that pass
//	out/review/     safe copy, annotated preview and report entry of photos to review
//	out/blocked/    the same for photos blocked
//	out/quarantine/ files that could not be read, each with a .reason.txt
//	out/originals/  the dropped files, moved there once their outputs are safe
//	out/audit.log   one JSON line per decision, for compliance
//	out/state.db    what was done with each content hash (bbolt)
//
// Order for one photo: outputs written (temporary file, fsync, rename,
// fsync of the folder) → the record and its audit line committed in one
// store transaction → the line appended to audit.log → the original moved.
// A crash at any point leaves either nothing (the photo is done again, its
// outputs overwritten with the same bytes under the same names) or a
// record, after which a restart only finishes the later steps. Files are
// keyed by content, so a duplicate drop or a renamed file is not audited
// twice. fsnotify events are the fast path; a rescan every Rescan finds
// what a network share failed to report.
package watch

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/fsnotify/fsnotify"

	"photoaudit/pipeline"
	"photoaudit/report"
	"photoaudit/risk"
)

// Options configure a watcher.
type Options struct {
	Inbox, Out string
	// KeepOriginals leaves dropped files in the inbox instead of moving
	// them to originals/; the store remembers them.
	KeepOriginals bool
	// Settle is how long a file's size and modification time must stay
	// the same before it is read (default 2s).
	Settle time.Duration
	// Rescan is how often the inbox is listed in full (default 30s).
	Rescan time.Duration
	// Workers is how many photos are audited at once (default 1).
	Workers int
	// Pipeline configures the audit; its Out is not used.
	Pipeline pipeline.Options
	// PolicyVersion names the scoring policy in the audit log.
	PolicyVersion string
	// Log gets one human line per file (default: discarded).
	Log io.Writer
}

// Output folders under Out.
const (
	DirApproved   = "approved"
	DirReview     = "review"
	DirBlocked    = "blocked"
	DirQuarantine = "quarantine"
	DirOriginals  = "originals"
)

// Run watches until ctx is done. A photo in hand when ctx ends is
// finished (its outputs, record and log line all written) before Run
// returns; nothing new is started.
func Run(ctx context.Context, opts Options) error {
	w, err := newWatcher(opts)
	if err != nil {
		return err
	}
	defer w.close()
	fmt.Fprintf(w.opts.Log, "photoaudit: watching %s → %s\n", w.opts.Inbox, w.opts.Out)
	return w.run(ctx)
}

type watcher struct {
	opts  Options
	store *store
	log   *auditLog
	logMu sync.Mutex
	// seen is what the inbox held at the last look, by path.
	seen map[string]obs
	// busy are the paths and content hashes being worked on.
	busyMu sync.Mutex
	busy   map[string]bool
	// started is when each photo in hand was taken up, and done how
	// many have been finished: what the health file says.
	started map[string]time.Time
	done    int
	// known caches path+size+mtime → hash for KeepOriginals, so a rescan
	// does not hash every kept file again.
	known map[obs]string
}

type obs struct {
	path  string
	size  int64
	mtime time.Time
}

func newWatcher(opts Options) (*watcher, error) {
	if opts.Inbox == "" || opts.Out == "" {
		return nil, errors.New("watch: --inbox and --out are required")
	}
	if opts.Settle <= 0 {
		opts.Settle = 2 * time.Second
	}
	if opts.Rescan <= 0 {
		opts.Rescan = 30 * time.Second
	}
	if opts.Workers <= 0 {
		opts.Workers = 1
	}
	if opts.Log == nil {
		opts.Log = io.Discard
	}
	in, err1 := filepath.Abs(opts.Inbox)
	out, err2 := filepath.Abs(opts.Out)
	if err := errors.Join(err1, err2); err != nil {
		return nil, fmt.Errorf("watch: %w", err)
	}
	if within(out, in) || within(in, out) {
		return nil, fmt.Errorf("watch: inbox %s and out %s must not contain each other", in, out)
	}
	if st, err := os.Stat(in); err != nil || !st.IsDir() {
		return nil, fmt.Errorf("watch: inbox %s is not a folder: %v", in, err)
	}
	opts.Inbox, opts.Out = in, out
	for _, d := range []string{DirApproved, DirReview, DirBlocked, DirQuarantine, DirOriginals} {
		if err := os.MkdirAll(filepath.Join(out, d), 0o755); err != nil {
			return nil, fmt.Errorf("watch: %w", err)
		}
	}
	// The store's lock first: a second watcher on the same out folder is
	// refused here, before it touches anything of the first one's.
	s, err := openStore(filepath.Join(out, "state.db"))
	if err != nil {
		return nil, err
	}
	for _, d := range []string{DirApproved, DirReview, DirBlocked, DirQuarantine, DirOriginals} {
		removeTemps(filepath.Join(out, d))
	}
	l, err := openAuditLog(filepath.Join(out, AuditLog))
	if err != nil {
		s.Close()
		return nil, err
	}
	w := &watcher{opts: opts, store: s, log: l, seen: map[string]obs{}, busy: map[string]bool{}, known: map[obs]string{},
		started: map[string]time.Time{}}
	// Lines committed before a crash but not yet in the file.
	if err := l.flush(s); err != nil {
		w.close()
		return nil, err
	}
	return w, nil
}

func (w *watcher) close() error {
	return errors.Join(w.log.Close(), w.store.Close())
}

// removeTemps deletes temporary files a crash left mid-write.
func removeTemps(dir string) {
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), ".") && strings.Contains(e.Name(), ".tmp-") {
			os.Remove(filepath.Join(dir, e.Name()))
		}
	}
}

func within(dir, path string) bool {
	rel, err := filepath.Rel(dir, path)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

func (w *watcher) run(ctx context.Context) error {
	fw, err := fsnotify.NewWatcher()
	if err != nil {
		return fmt.Errorf("watch: %w", err)
	}
	defer fw.Close()
	if err := fw.Add(w.opts.Inbox); err != nil {
		return fmt.Errorf("watch: %w", err)
	}

	jobs := make(chan obs)
	var wg sync.WaitGroup
	errs := make(chan error, w.opts.Workers)
	for i := 0; i < w.opts.Workers; i++ {
		a, err := pipeline.NewAuditor(w.opts.Pipeline)
		if err != nil {
			close(jobs)
			wg.Wait()
			return err
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer a.Close()
			for o := range jobs {
				w.busyMu.Lock()
				w.started[o.path] = time.Now()
				w.busyMu.Unlock()
				err := w.handle(a, o)
				w.busyMu.Lock()
				delete(w.busy, o.path)
				delete(w.started, o.path)
				w.done++
				w.busyMu.Unlock()
				if err != nil {
					// Output folder unwritable, store broken: stop, do
					// not go on losing track.
					errs <- err
					return
				}
			}
		}()
	}
	defer func() {
		close(jobs)
		wg.Wait()
	}()

	poll := time.NewTicker(max(w.opts.Settle/2, 50*time.Millisecond))
	defer poll.Stop()
	lastScan, lastBeat := time.Time{}, time.Time{}
	beatFailed := false
	for {
		if now := time.Now(); now.Sub(lastBeat) >= HealthEvery {
			err := w.beat(now)
			if err != nil && !beatFailed {
				fmt.Fprintln(w.opts.Log, err) // once, not every beat
			}
			beatFailed = err != nil
			lastBeat = now
		}
		if time.Since(lastScan) >= w.opts.Rescan {
			w.scan(fw)
			lastScan = time.Now()
		}
		for _, o := range w.ready() {
			select {
			case jobs <- o:
			case <-ctx.Done():
				return nil
			case err := <-errs:
				return err
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case err := <-errs:
			return err
		case ev, ok := <-fw.Events:
			if ok && ev.Op&(fsnotify.Create|fsnotify.Write|fsnotify.Rename) != 0 {
				if st, err := os.Stat(ev.Name); err == nil && st.IsDir() {
					fw.Add(ev.Name) // a folder dropped in: watch it too
					lastScan = time.Time{}
				} else {
					w.observe(ev.Name)
				}
			}
		case err := <-fw.Errors:
			// Lost events (queue overflow): a full rescan finds the rest.
			fmt.Fprintf(w.opts.Log, "watch: events lost (%v); rescanning\n", err)
			lastScan = time.Time{}
		case <-poll.C:
		}
	}
}

// scan lists the inbox (subfolders too, hidden entries skipped).
func (w *watcher) scan(fw *fsnotify.Watcher) {
	filepath.WalkDir(w.opts.Inbox, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		if strings.HasPrefix(d.Name(), ".") && path != w.opts.Inbox {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			if path != w.opts.Inbox {
				fw.Add(path)
			}
			return nil
		}
		if d.Type().IsRegular() {
			w.observe(path)
		}
		return nil
	})
}

// observe notes a file's size and time; ready hands it out once they have
// held for Settle.
func (w *watcher) observe(path string) {
	if strings.HasPrefix(filepath.Base(path), ".") {
		return // partial uploads of sync tools, editors' swap files
	}
	st, err := os.Stat(path)
	if err != nil || !st.Mode().IsRegular() {
		delete(w.seen, path)
		return
	}
	w.seen[path] = obs{path: path, size: st.Size(), mtime: st.ModTime()}
}

func (w *watcher) ready() []obs {
	var out []obs
	now := time.Now()
	paths := make([]string, 0, len(w.seen))
	for p := range w.seen {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		o := w.seen[p]
		st, err := os.Stat(p)
		if err != nil {
			delete(w.seen, p)
			continue
		}
		cur := obs{path: p, size: st.Size(), mtime: st.ModTime()}
		if cur != o {
			w.seen[p] = cur // still being written
			continue
		}
		if now.Sub(cur.mtime) < w.opts.Settle {
			continue
		}
		w.busyMu.Lock()
		_, kept := w.known[cur]
		busy := kept || w.busy[p]
		if !busy {
			w.busy[p] = true
		}
		w.busyMu.Unlock()
		if busy {
			continue
		}
		delete(w.seen, p)
		out = append(out, cur)
	}
	return out
}

// handle does everything for one settled file. Errors it returns stop the
// watcher; a file that cannot be audited is quarantined, not an error.
func (w *watcher) handle(a *pipeline.Auditor, o obs) error {
	rel, _ := filepath.Rel(w.opts.Inbox, o.path)
	rel = filepath.ToSlash(rel)
	sum, err := pipeline.HashFile(o.path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil // gone before we got to it
		}
		// Unreadable (permissions): quarantined by name, as its content
		// cannot be hashed.
		h := sha256.Sum256([]byte("unreadable:" + rel + o.mtime.String()))
		return w.quarantine(o, rel, hex.EncodeToString(h[:]), err.Error())
	}
	if !w.claim(sum) {
		return nil // the same bytes are in hand in another worker
	}
	defer w.release(sum)
	rec, err := w.store.get(sum)
	if err != nil {
		return fmt.Errorf("watch: store: %w", err)
	}
	if rec != nil {
		// Done before (a duplicate, a renamed file, or a crash before the
		// move): only the original's move can be left.
		if rec.Source != rel {
			fmt.Fprintf(w.opts.Log, "%s: same content as %s, already %s\n", rel, rec.Source, rec.Decision)
		}
		if rec.Decision == "quarantine" {
			return w.moveOriginal(o, rel, sum, DirQuarantine)
		}
		return w.finishOriginal(o, rel, sum)
	}
	if !pipeline.IsPhotoName(rel) {
		return w.quarantine(o, rel, sum, "not a photo by its name (want .jpg, .jpeg, .png, .tif, .tiff, .webp, .gif or .bmp)")
	}
	res, err := a.Inspect(o.path, rel)
	if err != nil && !errors.Is(err, pipeline.ErrVerify) {
		return w.quarantine(o, rel, sum, err.Error())
	}
	im := res.Image
	base := outName(rel, sum)
	var outputs []string
	sums := map[string]string{}
	write := func(dir, name string, data []byte) error {
		p := filepath.Join(dir, name)
		outputs = append(outputs, filepath.ToSlash(p))
		h := sha256.Sum256(data)
		sums[filepath.ToSlash(p)] = hex.EncodeToString(h[:])
		return report.WriteFileAtomic(filepath.Join(w.opts.Out, p), func(f *os.File) error {
			_, err := f.Write(data)
			return err
		})
	}
	safeName := base + filepath.Ext(res.SafeName)
	if im.Decision == risk.Pass && res.Encoded != nil {
		if err := write(DirApproved, safeName, res.Encoded); err != nil {
			return err
		}
	} else {
		// Review and block apart: what the user may do differs
		// (risk.Decision.Advice).
		dir := DirReview
		if im.Decision == risk.Block {
			dir = DirBlocked
		}
		if res.Encoded != nil {
			if err := write(dir, safeName, res.Encoded); err != nil {
				return err
			}
			im.SafeCopy = filepath.ToSlash(filepath.Join(dir, safeName))
		}
		if im.Preview != nil {
			if err := write(dir, base+".preview.jpg", im.Preview); err != nil {
				return err
			}
		}
		entry, err := imageJSON(im)
		if err != nil {
			return err
		}
		if err := write(dir, base+".json", entry); err != nil {
			return err
		}
	}
	e := w.entry(sum, rel, outputs)
	e.OutputSHA256 = sums
	e.Decision, e.Score, e.Level, e.Verified = string(im.Decision), im.Score, string(im.Level), im.Verified
	e.AddFindings(im.Findings)
	if err := w.record(Record{SHA256: sum, Source: rel, Decision: e.Decision, Outputs: outputs, Time: e.Time}, e); err != nil {
		return err
	}
	fmt.Fprintf(w.opts.Log, "%s: %s (score %d) → %s\n", rel, im.Decision, im.Score, strings.Join(outputs, ", "))
	return w.finishOriginal(o, rel, sum)
}

// quarantine moves (or with KeepOriginals copies) an unreadable file to
// quarantine/ beside a reason file, and records it.
func (w *watcher) quarantine(o obs, rel, sum, reason string) error {
	base := outName(rel, sum)
	name := base + filepath.Ext(rel)
	dir := filepath.Join(w.opts.Out, DirQuarantine)
	reasonName := base + ".reason.txt"
	text := fmt.Sprintf("file: %s\nsha256: %s\ntime: %s\nreason: %s\n", rel, sum, time.Now().UTC().Format(time.RFC3339), reason)
	if err := report.WriteFileAtomic(filepath.Join(dir, reasonName), func(f *os.File) error {
		_, err := io.WriteString(f, text)
		return err
	}); err != nil {
		return err
	}
	outputs := []string{DirQuarantine + "/" + name, DirQuarantine + "/" + reasonName}
	if w.opts.KeepOriginals {
		if err := copyFile(o.path, filepath.Join(dir, name)); err != nil {
			outputs = outputs[1:] // unreadable: the reason file stands alone
		}
	}
	e := w.entry(sum, rel, outputs)
	e.Decision, e.Reason = "quarantine", reason
	if err := w.record(Record{SHA256: sum, Source: rel, Decision: e.Decision, Outputs: outputs, Time: e.Time}, e); err != nil {
		return err
	}
	fmt.Fprintf(w.opts.Log, "%s: quarantined: %s\n", rel, reason)
	return w.moveOriginal(o, rel, sum, DirQuarantine)
}

func (w *watcher) entry(sum, rel string, outputs []string) *LogEntry {
	return &LogEntry{Time: time.Now().UTC(), SHA256: sum, Source: rel, Findings: map[string]int{}, Outputs: outputs,
		ToolVersion: w.opts.Pipeline.ToolVersion, PolicyVersion: w.opts.PolicyVersion}
}

// record commits the record and its log line, then appends the line.
func (w *watcher) record(rec Record, e *LogEntry) error {
	w.logMu.Lock()
	defer w.logMu.Unlock()
	if err := w.store.commit(rec, e); err != nil {
		return fmt.Errorf("watch: store: %w", err)
	}
	return w.log.flush(w.store)
}

// finishOriginal moves the dropped file to originals/ (same name as its
// outputs), or with KeepOriginals remembers it is done.
func (w *watcher) finishOriginal(o obs, rel, sum string) error {
	return w.moveOriginal(o, rel, sum, DirOriginals)
}

// moveOriginal moves the dropped file into sub (originals/ or
// quarantine/), or with KeepOriginals remembers it is done.
func (w *watcher) moveOriginal(o obs, rel, sum, sub string) error {
	if w.opts.KeepOriginals {
		w.busyMu.Lock()
		w.known[o] = sum
		w.busyMu.Unlock()
		return nil
	}
	dir := filepath.Join(w.opts.Out, sub)
	dest := filepath.Join(dir, outName(rel, sum)+filepath.Ext(rel))
	if err := os.Rename(o.path, dest); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		// Another file system (a mounted share): copy, sync, then remove.
		if err := copyFile(o.path, dest); err != nil {
			return fmt.Errorf("watch: keep original %s: %w", rel, err)
		}
		if err := os.Remove(o.path); err != nil {
			return fmt.Errorf("watch: remove moved original %s: %w", rel, err)
		}
	}
	return report.SyncDir(dir)
}

func (w *watcher) claim(sum string) bool {
	w.busyMu.Lock()
	defer w.busyMu.Unlock()
	if w.busy["sha256:"+sum] {
		return false
	}
	w.busy["sha256:"+sum] = true
	return true
}

func (w *watcher) release(sum string) {
	w.busyMu.Lock()
	defer w.busyMu.Unlock()
	delete(w.busy, "sha256:"+sum)
}

// imageJSON is a photo's report entry, for review/.
func imageJSON(im report.Image) ([]byte, error) {
	data, err := json.MarshalIndent(im, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("watch: report entry: %w", err)
	}
	return append(data, '\n'), nil
}

// outName is the base name of a file's outputs: its name (folders joined
// with '_') and the first 12 hex digits of its content hash, so that
// outputs never collide and a redo overwrites its own.
func outName(rel, sum string) string {
	stem := strings.TrimSuffix(rel, filepath.Ext(rel))
	stem = strings.ReplaceAll(stem, "/", "_")
	return stem + "-" + sum[:12]
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	return report.WriteFileAtomic(dst, func(f *os.File) error {
		_, err := io.Copy(f, in)
		return err
	})
}
