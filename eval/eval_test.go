package eval

import (
	"image"
	"testing"

	"photoaudit/eval/labels"
)

func TestCovered(t *testing.T) {
	region := image.Rect(0, 0, 100, 100)
	tests := []struct {
		name     string
		findings []image.Rectangle
		want     bool
	}{
		{"none", nil, false},
		{"one overlapping with IoU 0.36", []image.Rectangle{image.Rect(40, 40, 100, 100)}, true},
		{"one small inside", []image.Rectangle{image.Rect(10, 10, 40, 40)}, false},
		{"text lines covering half together", []image.Rectangle{
			image.Rect(0, 0, 100, 20), image.Rect(0, 25, 100, 45), image.Rect(0, 50, 100, 62)}, true},
		{"overlapping lines counted once", []image.Rectangle{
			image.Rect(0, 0, 100, 28), image.Rect(0, 0, 100, 28), image.Rect(0, 10, 100, 38)}, false},
	}
	for _, tt := range tests {
		if got := Covered(region, tt.findings); got != tt.want {
			t.Errorf("%s: Covered = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestContainsFuzzy(t *testing.T) {
	tests := []struct {
		hay, needle string
		want        bool
	}{
		{"pt robertaylor dob", "roberttaylor", true}, // one letter lost
		{"xx09191974yy", "06191974", true},           // one digit misread
		{"xx09181974yy", "06191974", false},          // two in 8 characters
		{"nothing here", "jamesbrown", false},
		{"", "a", false},
	}
	for _, tt := range tests {
		if got := ContainsFuzzy(tt.hay, tt.needle); got != tt.want {
			t.Errorf("ContainsFuzzy(%q, %q) = %v, want %v", tt.hay, tt.needle, got, tt.want)
		}
	}
}

func TestCountedKind(t *testing.T) {
	for want, r := range map[string]labels.Region{
		"":        {Kind: "poster", Box: [4]int{0, 0, 500, 500}},
		"face<40": {Kind: "face", Box: [4]int{0, 0, 25, 30}},
		"face40+": {Kind: "face", Box: [4]int{0, 0, 40, 50}},
		"screen":  {Kind: "screen", Box: [4]int{0, 0, 400, 300}},
	} {
		if got := countedKind(r); got != want {
			t.Errorf("countedKind(%+v) = %q, want %q", r, got, want)
		}
	}
	if got := countedKind(labels.Region{Kind: "face", Box: [4]int{0, 0, 15, 20}}); got != "" {
		t.Errorf("a 15 px face counted as %q", got)
	}
}
