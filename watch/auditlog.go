package watch

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"photoaudit/pipeline"
	"photoaudit/report"
)

// AuditLog is the audit log's file name in an --out folder.
const AuditLog = "audit.log"

// LogEntry is one line of audit.log: what was decided about one photo,
// by which tool and policy. Lines are numbered from 1 without gaps, so an
// auditor can tell that none was removed, and each carries the SHA-256 of
// the line before it, so that none can be changed without breaking every
// line after it (VerifyLog).
type LogEntry struct {
	Seq uint64 `json:"seq"`
	// Prev is the hex SHA-256 of the previous line's bytes (without its
	// newline); empty on the first line.
	Prev        string         `json:"prev"`
	Time        time.Time      `json:"time"`
	SHA256      string         `json:"sha256"`
	Source      string         `json:"source"`
	Decision    string         `json:"decision"`
	Score       int            `json:"score"`
	Level       string         `json:"level,omitempty"`
	Verified    bool           `json:"verified"`
	Findings    map[string]int `json:"findings"`              // count by kind
	Identifiers []string       `json:"identifiers,omitempty"` // HIPAA identifiers exposed
	Reason      string         `json:"reason,omitempty"`      // why it was quarantined
	Outputs     []string       `json:"outputs"`
	// OutputSHA256 is each output's SHA-256 as written, by its path in
	// Outputs: an approved safe copy changed afterwards no longer matches.
	OutputSHA256  map[string]string `json:"output_sha256,omitempty"`
	ToolVersion   string            `json:"tool_version"`
	PolicyVersion string            `json:"policy_version"`
	// A person's sign-off (photoaudit approve or reject): what they did,
	// who they are, the consent references for what they kept visible.
	// Never the identifying text itself.
	Action  string   `json:"action,omitempty"`
	By      string   `json:"by,omitempty"`
	Consent []string `json:"consent,omitempty"`
}

// AddFindings counts fs by kind and adds the identifiers they expose,
// each once, in the order first seen.
func (e *LogEntry) AddFindings(fs []report.Finding) {
	for _, f := range fs {
		e.Findings[string(f.Kind)]++
		for _, id := range f.Identifiers {
			if !slices.Contains(e.Identifiers, string(id)) {
				e.Identifiers = append(e.Identifiers, string(id))
			}
		}
	}
}

// auditLog appends the store's outbox to audit.log, each line once.
type auditLog struct {
	f       *os.File
	last    uint64 // sequence number of the last complete line
	lastSum string // and its hex SHA-256, which the next line carries
}

// openAuditLog opens path and drops a torn last line (a crash mid-write);
// its entry is still in the store's outbox and is written again.
func openAuditLog(path string) (*auditLog, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("watch: audit log: %w", err)
	}
	l := &auditLog{f: f}
	if err := l.recover(); err != nil {
		f.Close()
		return nil, fmt.Errorf("watch: audit log %s: %w", path, err)
	}
	return l, nil
}

func (l *auditLog) recover() error {
	st, err := l.f.Stat()
	if err != nil {
		return err
	}
	// The last complete line is within the last 64 KiB: entries are small.
	size := st.Size()
	from := max(0, size-64<<10)
	buf := make([]byte, size-from)
	if _, err := l.f.ReadAt(buf, from); err != nil && err != io.EOF {
		return err
	}
	end := bytes.LastIndexByte(buf, '\n') + 1 // 0 when none
	if int64(end) != int64(len(buf)) {
		if err := l.f.Truncate(from + int64(end)); err != nil {
			return err
		}
		if err := l.f.Sync(); err != nil {
			return err
		}
	}
	if end > 0 {
		lines := bytes.Split(bytes.TrimSuffix(buf[:end], []byte("\n")), []byte("\n"))
		var e LogEntry
		if err := json.Unmarshal(lines[len(lines)-1], &e); err != nil {
			return fmt.Errorf("last line: %w", err)
		}
		l.last = e.Seq
		sum := sha256.Sum256(lines[len(lines)-1])
		l.lastSum = hex.EncodeToString(sum[:])
	}
	_, err = l.f.Seek(0, io.SeekEnd)
	return err
}

// flush appends what the store holds after the last line, syncs, and lets
// the store forget it.
func (l *auditLog) flush(s *store) error {
	lines, last, err := s.pending(l.last)
	if err != nil || len(lines) == 0 {
		return err
	}
	var buf bytes.Buffer
	for _, line := range lines {
		buf.Write(line)
		buf.WriteByte('\n')
	}
	if _, err := l.f.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("watch: audit log: %w", err)
	}
	if err := l.f.Sync(); err != nil {
		return fmt.Errorf("watch: audit log: %w", err)
	}
	l.last = last
	return s.forget(last)
}

func (l *auditLog) Close() error { return l.f.Close() }

// ErrLogBroken says an audit log does not verify: a line changed,
// removed or added out of order, or an approved file changed or gone.
var ErrLogBroken = errors.New("audit log does not verify")

// VerifyLog checks dir's audit.log as an auditor would: lines numbered
// from 1 without gaps, each carrying the SHA-256 of the line before it,
// and every file in approved/ recorded by the last line that wrote it,
// with the SHA-256 recorded then. It returns how many lines it read and
// what does not hold (each problem once, naming a line or a path); err
// is ErrLogBroken when anything does not hold, another error when the
// log cannot be read.
func VerifyLog(dir string) (lines int, problems []string, err error) {
	data, err := os.ReadFile(filepath.Join(dir, AuditLog))
	if err != nil {
		return 0, nil, fmt.Errorf("audit: %w", err)
	}
	want := map[string]string{} // approved path -> recorded SHA-256
	prev := ""
	for i, line := range bytes.Split(bytes.TrimSuffix(data, []byte("\n")), []byte("\n")) {
		if len(line) == 0 && len(data) == 0 {
			break
		}
		lines++
		var e LogEntry
		if err := json.Unmarshal(line, &e); err != nil {
			problems = append(problems, fmt.Sprintf("line %d: not a log entry: %v", i+1, err))
			prev = ""
			continue
		}
		if e.Seq != uint64(i+1) {
			problems = append(problems, fmt.Sprintf("line %d: numbered %d (a line removed, added or moved)", i+1, e.Seq))
		}
		if e.Prev != prev {
			problems = append(problems, fmt.Sprintf("line %d: does not carry the SHA-256 of line %d (one of them was changed)", i+1, i))
		}
		sum := sha256.Sum256(line)
		prev = hex.EncodeToString(sum[:])
		for _, out := range e.Outputs {
			if strings.HasPrefix(out, DirApproved+"/") {
				want[out] = e.OutputSHA256[out]
			}
		}
	}
	for out, sum := range want {
		got, err := pipeline.HashFile(filepath.Join(dir, filepath.FromSlash(out)))
		switch {
		case err != nil:
			problems = append(problems, fmt.Sprintf("%s: recorded as approved, now unreadable: %v", out, err))
		case sum == "":
			problems = append(problems, fmt.Sprintf("%s: no SHA-256 recorded for it", out))
		case got != sum:
			problems = append(problems, fmt.Sprintf("%s: changed since it was approved", out))
		}
	}
	ents, _ := os.ReadDir(filepath.Join(dir, DirApproved))
	for _, e := range ents {
		name := DirApproved + "/" + e.Name()
		if _, logged := want[name]; !logged && !e.IsDir() && !strings.HasPrefix(e.Name(), ".") {
			problems = append(problems, fmt.Sprintf("%s: in approved/ but in no log line", name))
		}
	}
	sort.Strings(problems)
	if len(problems) > 0 {
		return lines, problems, ErrLogBroken
	}
	return lines, nil, nil
}

// Appender appends lines to a folder's audit.log, each numbered after
// and chained to the last line there, synced as written: for a scan's
// and a person's sign-off lines. A watch numbers its lines from its own
// store, so its folder is refused (state.db there).
type Appender struct {
	f    *os.File
	last uint64
	prev string
}

// OpenAppender opens dir's audit.log for appending, dropping a torn
// last line.
func OpenAppender(dir string) (*Appender, error) {
	if _, err := os.Stat(filepath.Join(dir, "state.db")); err == nil {
		return nil, fmt.Errorf("audit: %s is a watch's folder; only the watch writes its log", dir)
	}
	path := filepath.Join(dir, AuditLog)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("audit: %w", err)
	}
	l := &auditLog{f: f}
	if err := l.recover(); err != nil {
		f.Close()
		return nil, fmt.Errorf("audit: %s: %w", path, err)
	}
	return &Appender{f: f, last: l.last, prev: l.lastSum}, nil
}

// Append writes e as the next line and syncs it.
func (a *Appender) Append(e *LogEntry) error {
	e.Seq, e.Prev = a.last+1, a.prev
	line, err := json.Marshal(e)
	if err != nil {
		return err
	}
	if _, err := a.f.Write(append(line, '\n')); err != nil {
		return fmt.Errorf("audit: %w", err)
	}
	if err := a.f.Sync(); err != nil {
		return fmt.Errorf("audit: %w", err)
	}
	sum := sha256.Sum256(line)
	a.last, a.prev = e.Seq, hex.EncodeToString(sum[:])
	return nil
}

// Close closes the log.
func (a *Appender) Close() error { return a.f.Close() }

// AppendLog appends e to dir's audit.log (OpenAppender, Append, Close).
func AppendLog(dir string, e *LogEntry) error {
	a, err := OpenAppender(dir)
	if err != nil {
		return err
	}
	if err := a.Append(e); err != nil {
		a.Close()
		return err
	}
	return a.Close()
}
