// Package labels owns the label file format of the labelled photo sets
// (shared/eval-dev/README.md): what eval measures against and what the
// fixture generator writes. Pure Go, so the generator stays light.
package labels

import (
	"encoding/json"
	"fmt"
	"image"
	"os"
)

// Labels is a label file.
type Labels struct {
	Images []Image `json:"images"`
}

// Image is one labelled photo.
type Image struct {
	File            string   `json:"file"`
	Width           int      `json:"width"`
	Height          int      `json:"height"`
	ExifOrientation int      `json:"exif_orientation"`
	GPS             bool     `json:"gps"`
	Expect          string   `json:"expect"`
	Regions         []Region `json:"regions"`
}

// Region is a labelled box, [x, y, w, h] in upright pixels.
type Region struct {
	Kind string   `json:"kind"`
	Box  [4]int   `json:"box"`
	PHI  []string `json:"phi"`
}

// Rect is the region's box.
func (r Region) Rect() image.Rectangle {
	return image.Rect(r.Box[0], r.Box[1], r.Box[0]+r.Box[2], r.Box[1]+r.Box[3])
}

// Read reads a label file.
func Read(path string) (*Labels, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("labels: %w", err)
	}
	var l Labels
	if err := json.Unmarshal(data, &l); err != nil {
		return nil, fmt.Errorf("labels: %s: %w", path, err)
	}
	if len(l.Images) == 0 {
		return nil, fmt.Errorf("labels: %s: no images", path)
	}
	return &l, nil
}

// Write writes a label file.
func (l *Labels) Write(path string) error {
	data, err := json.MarshalIndent(l, "", "  ")
	if err != nil {
		return fmt.Errorf("labels: %w", err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		return fmt.Errorf("labels: %w", err)
	}
	return nil
}
