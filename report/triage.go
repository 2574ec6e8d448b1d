package report

import (
	"fmt"
	"image"
	"slices"
	"strings"

	"photoaudit/risk"
)

// What the HTML page shows a compliance officer: photos riskiest first,
// findings in words ("name, date of birth on a paper or document"), one
// row for what two detectors both found.

// kindWords are the finding kinds as a person says them.
var kindWords = map[risk.Kind]string{
	risk.KindFace: "face", risk.KindScreen: "screen", risk.KindDocument: "paper or document",
	risk.KindSigninSheet: "sign-in sheet", risk.KindWhiteboard: "whiteboard", risk.KindBadge: "badge or ID card",
	risk.KindWristband: "wristband or label", risk.KindBarcode: "barcode", risk.KindText: "text",
	risk.KindLicensePlate: "licence plate", risk.KindMetadata: "file metadata",
}

// idWords are the HIPAA identifiers as a person says them.
var idWords = map[risk.Identifier]string{
	risk.IDFullFace: "a full face", risk.IDRecord: "record number", risk.IDHealthPlan: "health plan number",
	risk.IDAccount: "account number", risk.IDLicense: "licence number", risk.IDVehicle: "vehicle number",
	risk.IDDevice: "device number", risk.IDIP: "IP address", risk.IDGeo: "location", risk.IDSSN: "SSN",
	risk.IDURL: "web address", risk.IDOtherNumber: "an identifying number",
}

// Describe says a finding in words: "name, date in text", "wristband or
// label with name, record number", "face".
func Describe(f Finding) string {
	kind := kindWords[f.Kind]
	if kind == "" {
		kind = strings.ReplaceAll(string(f.Kind), "_", " ")
	}
	var ids []string
	for _, id := range f.Identifiers {
		if id == risk.IDFullFace && f.Kind == risk.KindFace {
			continue
		}
		w := idWords[id]
		if w == "" {
			w = strings.ReplaceAll(string(id), "_", " ")
		}
		ids = append(ids, w)
	}
	switch {
	case f.Harmless:
		return kind + ", nothing identifying seen"
	case len(ids) == 0:
		return kind
	case f.Kind == risk.KindText:
		return strings.Join(ids, ", ") + " in text"
	default:
		return kind + " with " + strings.Join(ids, ", ")
	}
}

// Triage is the report's photos riskiest first: by decision, then
// score, then name; errors last.
func Triage(images []Image) []Image {
	out := slices.Clone(images)
	slices.SortStableFunc(out, func(a, b Image) int {
		ea, eb := a.Error != "", b.Error != ""
		switch {
		case ea != eb:
			if ea {
				return 1
			}
			return -1
		case a.Decision.Severity() != b.Decision.Severity():
			return b.Decision.Severity() - a.Decision.Severity()
		case a.Score != b.Score:
			return b.Score - a.Score
		}
		return strings.Compare(a.Source, b.Source)
	})
	return out
}

// Row is one line of a photo's findings on the page: findings of one
// kind and text at about the same place, from however many detectors.
type Row struct {
	Finding
	What      string
	Detectors []string
}

// rows merges the findings two looks or two detectors made of one thing
// (same kind and masked text, boxes overlapping by half).
func rows(fs []Finding) []Row {
	var out []Row
	for _, f := range fs {
		merged := false
		for i := range out {
			r := &out[i]
			if r.Kind == f.Kind && r.MaskedText == f.MaskedText && overlapHalf(r.Box, f.Box) {
				if !slices.Contains(r.Detectors, f.Detector) {
					r.Detectors = append(r.Detectors, f.Detector)
				}
				r.Confidence = max(r.Confidence, f.Confidence)
				merged = true
				break
			}
		}
		if !merged {
			out = append(out, Row{Finding: f, What: Describe(f), Detectors: []string{f.Detector}})
		}
	}
	return out
}

func overlapHalf(a, b []int) bool {
	if len(a) != 4 || len(b) != 4 {
		return len(a) == 0 && len(b) == 0
	}
	ra := image.Rect(a[0], a[1], a[0]+a[2], a[1]+a[3])
	rb := image.Rect(b[0], b[1], b[0]+b[2], b[1]+b[3])
	in := ra.Intersect(rb)
	small := min(ra.Dx()*ra.Dy(), rb.Dx()*rb.Dy())
	return small > 0 && 2*in.Dx()*in.Dy() >= small
}

// Reason says in one line what decided a photo: its identifying
// findings in words, four at most.
func Reason(im Image) string {
	if im.Error != "" {
		return "could not be audited: " + im.Error
	}
	var parts []string
	seen := map[string]bool{}
	for _, f := range im.Findings {
		if f.Kind == risk.KindMetadata || f.Harmless || len(f.Identifiers) == 0 {
			continue
		}
		d := Describe(f)
		if !seen[d] {
			seen[d] = true
			parts = append(parts, d)
		}
	}
	if len(parts) == 0 {
		return "nothing identifying found"
	}
	if len(parts) > 4 {
		parts = append(parts[:4], fmt.Sprintf("and %d more", len(parts)-4))
	}
	return strings.Join(parts, "; ")
}
