package watch

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// The store is a bbolt file (pure Go, one file, transactions fsynced on
// commit) with two buckets: "done" maps a content SHA-256 to the Record of
// what was done with those bytes, and "outbox" holds the audit log lines
// not yet known to be in audit.log, by sequence number. A photo's record
// and its log line are committed in one transaction, so after a crash
// either both exist or neither does.
var (
	bucketDone   = []byte("done")
	bucketOutbox = []byte("outbox")
	// bucketMeta holds lastLine: the SHA-256 of the last log line
	// committed, which the next line carries (LogEntry.Prev).
	bucketMeta = []byte("meta")
	lastLine   = []byte("last_line_sha256")
)

// Record is what the watcher did with one content hash.
type Record struct {
	SHA256   string    `json:"sha256"`
	Source   string    `json:"source"`
	Decision string    `json:"decision"` // pass, review, block or quarantine
	Outputs  []string  `json:"outputs"`  // relative to the out folder
	Original string    `json:"original,omitempty"`
	Time     time.Time `json:"time"`
}

type store struct{ db *bolt.DB }

func openStore(path string) (*store, error) {
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: 2 * time.Second})
	if errors.Is(err, bolt.ErrTimeout) {
		return nil, fmt.Errorf("watch: %s is in use: is another photoaudit watch running on this folder?", path)
	}
	if err != nil {
		return nil, fmt.Errorf("watch: open %s: %w", path, err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bucketDone, bucketOutbox, bucketMeta} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("watch: %s: %w", path, err)
	}
	return &store{db: db}, nil
}

func (s *store) Close() error { return s.db.Close() }

// get returns the record for a content hash, if any.
func (s *store) get(sum string) (*Record, error) {
	var rec *Record
	err := s.db.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketDone).Get([]byte(sum))
		if v == nil {
			return nil
		}
		rec = new(Record)
		return json.Unmarshal(v, rec)
	})
	return rec, err
}

// commit records rec and queues its audit log entry in one transaction;
// it fills in the entry's sequence number.
func (s *store) commit(rec Record, entry *LogEntry) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		v, err := json.Marshal(rec)
		if err != nil {
			return err
		}
		if err := tx.Bucket(bucketDone).Put([]byte(rec.SHA256), v); err != nil {
			return err
		}
		out := tx.Bucket(bucketOutbox)
		seq, err := out.NextSequence()
		if err != nil {
			return err
		}
		// The outbox's sequence only grows, even after its entries are
		// deleted, so log lines are numbered without gaps or repeats.
		entry.Seq = seq
		meta := tx.Bucket(bucketMeta)
		entry.Prev = string(meta.Get(lastLine))
		line, err := json.Marshal(entry)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(line)
		if err := meta.Put(lastLine, []byte(hex.EncodeToString(sum[:]))); err != nil {
			return err
		}
		return out.Put(seqKey(seq), line)
	})
}

// pending returns the queued log lines after seq, in order.
func (s *store) pending(after uint64) (lines [][]byte, last uint64, err error) {
	err = s.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketOutbox).Cursor()
		for k, v := c.Seek(seqKey(after + 1)); k != nil; k, v = c.Next() {
			lines = append(lines, append([]byte(nil), v...))
			last = binary.BigEndian.Uint64(k)
		}
		return nil
	})
	return lines, last, err
}

// forget drops queued lines up to seq: they are durably in audit.log.
func (s *store) forget(upTo uint64) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketOutbox).Cursor()
		for k, _ := c.First(); k != nil && binary.BigEndian.Uint64(k) <= upTo; k, _ = c.Next() {
			if err := c.Delete(); err != nil {
				return err
			}
		}
		return nil
	})
}

// count is how many content hashes are done.
func (s *store) count() (n int, err error) {
	err = s.db.View(func(tx *bolt.Tx) error {
		n = tx.Bucket(bucketDone).Stats().KeyN
		return nil
	})
	return n, err
}

func seqKey(seq uint64) []byte {
	k := make([]byte, 8)
	binary.BigEndian.PutUint64(k, seq)
	return k
}
