package pipeline

import (
	"photoaudit/blur"
	"photoaudit/risk"
)

// StillRisky keeps what the verify pass must not find in a safe copy.
func StillRisky(fs []risk.Finding) []risk.Finding {
	var out []risk.Finding
	for _, f := range fs {
		if len(f.Identifiers) > 0 && !f.Box.Empty() && !f.LeftVisible() {
			out = append(out, f)
		}
	}
	return out
}

// Regions are the boxes to cover: every finding with a box but those left
// visible (judged harmless, kept under a consent reference). Faces get an
// ellipse, the rest a rectangle.
func Regions(fs []risk.Finding) []blur.Region {
	var out []blur.Region
	for _, f := range fs {
		if f.Box.Empty() || f.LeftVisible() {
			continue
		}
		shape := blur.Rect
		if f.Kind == risk.KindFace {
			shape = blur.Ellipse
		}
		out = append(out, blur.Region{Box: f.Box, Shape: shape})
	}
	return out
}
