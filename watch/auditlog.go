package watch

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"time"
)

// LogEntry is one line of audit.log: what was decided about one photo,
// by which tool and policy. Lines are numbered from 1 without gaps, so an
// auditor can tell that none was removed.
type LogEntry struct {
	Seq           uint64         `json:"seq"`
	Time          time.Time      `json:"time"`
	SHA256        string         `json:"sha256"`
	Source        string         `json:"source"`
	Decision      string         `json:"decision"`
	Score         int            `json:"score"`
	Level         string         `json:"level,omitempty"`
	Verified      bool           `json:"verified"`
	Findings      map[string]int `json:"findings"`              // count by kind
	Identifiers   []string       `json:"identifiers,omitempty"` // HIPAA identifiers exposed
	Reason        string         `json:"reason,omitempty"`      // why it was quarantined
	Outputs       []string       `json:"outputs"`
	ToolVersion   string         `json:"tool_version"`
	PolicyVersion string         `json:"policy_version"`
}

// auditLog appends the store's outbox to audit.log, each line once.
type auditLog struct {
	f    *os.File
	last uint64 // sequence number of the last complete line
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
