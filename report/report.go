// Package report owns what a run tells people and other tools: the
// photoaudit/report/v1 JSON contract, a CSV row per photo, and an HTML page
// for compliance officers. Nothing here holds raw identifying text; finding
// text arrives masked. Every file is written atomically.
package report

import (
	"encoding/json"
	"fmt"
	"image"
	"io"
	"sort"

	"photoaudit/risk"
)

// Schema names the JSON contract; bump it when a field changes meaning.
const Schema = "photoaudit/report/v1"

// Report is one run.
type Report struct {
	Schema      string   `json:"schema"`
	ToolVersion string   `json:"tool_version"`
	Started     string   `json:"started"`
	Finished    string   `json:"finished,omitempty"`
	Config      any      `json:"config"`
	Detectors   []string `json:"detectors,omitempty"`
	// Shard is "I/N" when the run audited one share of its inputs.
	Shard string `json:"shard,omitempty"`
	// Warnings say what made the run weaker than it could be (a model
	// missing, so a classical detector stood in).
	Warnings []string `json:"warnings,omitempty"`
	Images   []Image  `json:"images"`
	Skipped  []Skip   `json:"skipped,omitempty"`
	Summary  Summary  `json:"summary"`
}

// Skip is a file in an input folder that is not a photo by its name.
type Skip struct {
	Source string `json:"source"`
	Reason string `json:"reason"`
}

// Image is one input photo's result.
type Image struct {
	Source string `json:"source"`
	// Path is the file the scan read, absolute, for photoaudit approve
	// and the review page to render the safe copy again from the original
	// from wherever they are run.
	Path string `json:"path,omitempty"`
	// SHA256 is the original file's, as read.
	SHA256   string        `json:"sha256,omitempty"`
	SafeCopy string        `json:"safe_copy"`
	Width    int           `json:"width"`
	Height   int           `json:"height"`
	Score    int           `json:"score"`
	Level    risk.Level    `json:"level"`
	Decision risk.Decision `json:"decision"`
	Findings []Finding     `json:"findings"`
	// Verified says the safe copy was re-read from its encoded bytes and
	// the detectors found nothing risky left in it.
	Verified bool `json:"verified"`
	// Rechecked names the looks run on the safe copy, so that "verified"
	// says what was checked and no more.
	Rechecked []string `json:"rechecked,omitempty"`
	// MetadataRemoved names the metadata blocks the original carries
	// ("EXIF", "XMP", "ICC profile", "PNG text"), all of which the safe
	// copy, encoded from its pixels alone, leaves out.
	MetadataRemoved []string `json:"metadata_removed,omitempty"`
	Seconds         float64  `json:"seconds"`
	Error           string   `json:"error"`
	// ErrorKind sorts Error for scripts and filters: not_image, empty,
	// too_large, no_decoder (HEIC without heif-convert), permission,
	// missing, unreadable (any other failure to read or decode the
	// file), internal (a detector or the tool itself failed).
	ErrorKind string `json:"error_kind,omitempty"`
	// Preview is a small JPEG of the safe copy with the findings drawn on
	// it, for the HTML page only.
	Preview []byte `json:"-"`
}

// Finding is risk.Finding as the contract spells it.
type Finding struct {
	Kind        risk.Kind         `json:"kind"`
	Box         []int             `json:"box,omitempty"`
	Confidence  float64           `json:"confidence"`
	Identifiers []risk.Identifier `json:"identifiers"`
	MaskedText  string            `json:"masked_text,omitempty"`
	Detector    string            `json:"detector"`
	Redacted    bool              `json:"redacted"`
	// Consent is the reference under which it is left visible.
	Consent string `json:"consent,omitempty"`
	// Harmless says its text was read and judged harmless: reported for
	// a person to check, never covered.
	Harmless bool `json:"harmless,omitempty"`
}

// LeftVisible says the finding is reported and never covered: judged
// harmless, or kept under a consent reference (risk.Finding's rule).
func (f Finding) LeftVisible() bool { return f.Harmless || f.Consent != "" }

// FromRisk converts a finding for the report.
func FromRisk(f risk.Finding) Finding {
	out := Finding{
		Kind: f.Kind, Confidence: round(f.Confidence), Identifiers: f.Identifiers,
		MaskedText: f.MaskedText, Detector: f.Detector, Redacted: f.Redacted, Consent: f.Consent,
		Harmless: f.Harmless,
	}
	if out.Identifiers == nil {
		out.Identifiers = []risk.Identifier{}
	}
	if !f.Box.Empty() {
		out.Box = []int{f.Box.Min.X, f.Box.Min.Y, f.Box.Dx(), f.Box.Dy()}
	}
	return out
}

// Rect is the finding's box as an image.Rectangle (empty for metadata).
func (f Finding) Rect() image.Rectangle {
	if len(f.Box) != 4 {
		return image.Rectangle{}
	}
	return image.Rect(f.Box[0], f.Box[1], f.Box[0]+f.Box[2], f.Box[1]+f.Box[3])
}

func round(v float64) float64 { return float64(int(v*1000+0.5)) / 1000 }

// Summary counts a run's outcomes.
type Summary struct {
	Images int `json:"images"`
	Pass   int `json:"pass"`
	Review int `json:"review"`
	Block  int `json:"block"`
	Errors int `json:"errors"`
}

// Summarize sorts the images by source and counts them.
func (r *Report) Summarize() {
	sort.Slice(r.Images, func(i, j int) bool { return r.Images[i].Source < r.Images[j].Source })
	s := Summary{Images: len(r.Images)}
	for _, im := range r.Images {
		if im.Error != "" {
			s.Errors++
			continue
		}
		switch im.Decision {
		case risk.Pass:
			s.Pass++
		case risk.Review:
			s.Review++
		default:
			s.Block++
		}
	}
	r.Summary = s
}

// WriteJSON writes the report as indented JSON.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(r); err != nil {
		return fmt.Errorf("report: json: %w", err)
	}
	return nil
}

// ReadJSON reads a report written by WriteJSON.
func ReadJSON(rd io.Reader) (*Report, error) {
	var r Report
	if err := json.NewDecoder(rd).Decode(&r); err != nil {
		return nil, fmt.Errorf("report: read json: %w", err)
	}
	if r.Schema != Schema {
		return nil, fmt.Errorf("report: schema %q, want %q", r.Schema, Schema)
	}
	return &r, nil
}
