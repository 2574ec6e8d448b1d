package report

import (
	"fmt"
	"os"
	"path/filepath"
)

// WriteFileAtomic writes a file through a temporary file in the same
// folder, synced, then renamed over path, so that a reader or a crash
// never sees half a file and a re-run replaces the old one whole.
func WriteFileAtomic(path string, write func(f *os.File) error) (err error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("report: %w", err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			os.Remove(tmp)
		}
	}()
	if err := write(f); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("report: sync %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("report: close %s: %w", path, err)
	}
	if err := os.Chmod(tmp, 0o644); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	return SyncDir(dir)
}

// SyncDir makes a rename or create in dir durable.
func SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("report: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("report: sync %s: %w", dir, err)
	}
	return nil
}

// WriteFiles writes r as dir/name.<format> for each of formats (default
// json, html and csv), each atomically (WriteFileAtomic).
func (r *Report) WriteFiles(dir, name string, formats []string) error {
	if len(formats) == 0 {
		formats = []string{"json", "html", "csv"}
	}
	for _, f := range formats {
		var write func(*os.File) error
		switch f {
		case "json":
			write = func(w *os.File) error { return r.WriteJSON(w) }
		case "html":
			write = func(w *os.File) error { return r.WriteHTML(w) }
		case "csv":
			write = func(w *os.File) error { return r.WriteCSV(w) }
		default:
			return fmt.Errorf("report: unknown report format %q", f)
		}
		if err := WriteFileAtomic(filepath.Join(dir, name+"."+f), write); err != nil {
			return err
		}
	}
	return nil
}
