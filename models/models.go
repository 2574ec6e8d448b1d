// Package models owns finding the model files photoaudit uses and saying
// where they came from. Today these are the Haar face cascades of Debian's
// opencv-data and Tesseract's English data from tesseract-ocr-eng; both are
// installed by scripts/setup.sh, never downloaded at run time.
package models

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// Cascade files, as opencv-data names them.
const (
	FrontalFace = "haarcascade_frontalface_alt2.xml"
	ProfileFace = "haarcascade_profileface.xml"
	// SecondFace confirms small frontal detections.
	SecondFace = "haarcascade_frontalface_default.xml"
	// Eyes confirms faces seen only turned (vision.hasEyes).
	Eyes = "haarcascade_eye.xml"
)

// CascadeDirs are where Debian puts the Haar cascades.
var CascadeDirs = []string{"/usr/share/opencv4/haarcascades", "/usr/share/opencv/haarcascades"}

// ErrMissing says a model file is not installed.
var ErrMissing = errors.New("models: model files not found (run scripts/setup.sh)")

// CascadeDir returns dir if it holds the face cascades, or with dir empty
// the first of CascadeDirs that does.
func CascadeDir(dir string) (string, error) {
	candidates := CascadeDirs
	if dir != "" {
		candidates = []string{dir}
	}
	for _, d := range candidates {
		if _, err := os.Stat(filepath.Join(d, FrontalFace)); err == nil {
			return d, nil
		}
	}
	return "", fmt.Errorf("%w: no %s in %v (Debian package opencv-data)", ErrMissing, FrontalFace, candidates)
}
