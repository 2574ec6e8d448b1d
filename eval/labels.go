// Package eval owns measuring an audit against labelled photos: recall per
// kind, false alarms, decision accuracy, leaks in the written safe copies
// and speed. The leak check trusts nothing the pipeline recorded: it reads
// each safe copy back from disk and looks again with its own detectors.
package eval

import (
	"encoding/json"
	"fmt"
	"image"
	"os"
)

// Labels is the label file (format: shared/eval-dev/README.md).
type Labels struct {
	Images []LabelImage `json:"images"`
}

// LabelImage is one labelled photo.
type LabelImage struct {
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

// ReadLabels reads a label file.
func ReadLabels(path string) (*Labels, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("eval: %w", err)
	}
	var l Labels
	if err := json.Unmarshal(data, &l); err != nil {
		return nil, fmt.Errorf("eval: %s: %w", path, err)
	}
	if len(l.Images) == 0 {
		return nil, fmt.Errorf("eval: %s: no images", path)
	}
	return &l, nil
}
