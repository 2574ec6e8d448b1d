package models

import (
	"errors"
	"testing"
)

func TestCascadeDir(t *testing.T) {
	d, err := CascadeDir("")
	if err != nil {
		t.Fatalf("%v: the setup script installs opencv-data", err)
	}
	if got, err := CascadeDir(d); err != nil || got != d {
		t.Errorf("CascadeDir(%q) = %q, %v", d, got, err)
	}
	if _, err := CascadeDir(t.TempDir()); !errors.Is(err, ErrMissing) {
		t.Errorf("empty folder: error %v, want ErrMissing", err)
	}
}
