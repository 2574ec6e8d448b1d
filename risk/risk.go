// Package risk owns what a finding is, which HIPAA Safe Harbor identifiers
// it exposes, and how an image's findings become a score, a level and a
// decision. It is pure Go: detectors produce findings, risk judges them.
package risk

import (
	"image"
	"sort"
)

// Kind is what a detector saw.
type Kind string

// The kinds of finding the report knows.
const (
	KindFace         Kind = "face"
	KindScreen       Kind = "screen"
	KindDocument     Kind = "document"
	KindSigninSheet  Kind = "signin_sheet"
	KindWhiteboard   Kind = "whiteboard"
	KindBadge        Kind = "badge"
	KindWristband    Kind = "wristband"
	KindBarcode      Kind = "barcode"
	KindText         Kind = "text"
	KindLicensePlate Kind = "license_plate"
	KindMetadata     Kind = "metadata"
)

// Identifier is one of the HIPAA Safe Harbor identifiers (45 CFR
// 164.514(b)(2)) a finding exposes.
type Identifier string

// The identifiers, named as the report spells them.
const (
	IDName        Identifier = "name"
	IDAddress     Identifier = "address" // street address, city, ZIP: geography below state level
	IDGeo         Identifier = "geolocation"
	IDDate        Identifier = "date"
	IDPhone       Identifier = "phone"
	IDFax         Identifier = "fax"
	IDEmail       Identifier = "email"
	IDSSN         Identifier = "ssn"
	IDRecord      Identifier = "record_number" // MRN, chart, patient ID
	IDHealthPlan  Identifier = "health_plan_number"
	IDAccount     Identifier = "account_number"
	IDLicense     Identifier = "license_number"
	IDVehicle     Identifier = "vehicle_id"
	IDDevice      Identifier = "device_id"
	IDURL         Identifier = "url"
	IDIP          Identifier = "ip_address"
	IDFullFace    Identifier = "full_face_photo"
	IDOtherNumber Identifier = "other_unique_number"
)

// Finding is one thing in a photo that may identify a patient.
type Finding struct {
	Kind Kind
	// Box is in upright pixel coordinates; empty for metadata.
	Box         image.Rectangle
	Confidence  float64
	Identifiers []Identifier
	// MaskedText is the text that was read, masked; never the raw text.
	MaskedText string
	Detector   string
	// Redacted says the safe copy has this finding covered (or, for
	// metadata, stripped).
	Redacted bool
	// Consent is the consent reference under which the finding is left
	// visible (a staff member on the roster, their badge and its photo);
	// such a finding has no identifier, and its box, if any, says where
	// it is: it is never covered.
	Consent string
	// Harmless says the text on it was read and nothing identifying was
	// found: a page, a board or a screen reported so that a person can
	// check the judgement. It is never covered and weighs nothing.
	Harmless bool
}

// LeftVisible says the finding is reported and never covered: judged
// harmless, or kept under a consent reference.
func (f Finding) LeftVisible() bool { return f.Harmless || f.Consent != "" }

// Level buckets a score for people.
type Level string

// Levels in increasing order of risk.
const (
	LevelNone     Level = "none"
	LevelLow      Level = "low"
	LevelMedium   Level = "medium"
	LevelHigh     Level = "high"
	LevelCritical Level = "critical"
)

// Decision is what should happen to the photo.
type Decision string

// Decisions in increasing order of severity.
const (
	Pass   Decision = "pass"
	Review Decision = "review"
	Block  Decision = "block"
)

// Advice says in one sentence what the user may do with the photo's safe
// copy; the README, the report and the watch folders say the same.
func (d Decision) Advice() string {
	switch d {
	case Pass:
		return "Post the safe copy: nothing identifying was found in it."
	case Review:
		return "Post the safe copy only after a person has looked at it and agrees."
	default:
		return "Do not post it, safe copy included, without the compliance officer's sign-off."
	}
}

// Severity orders decisions: pass < review < block.
func (d Decision) Severity() int {
	switch d {
	case Pass:
		return 0
	case Review:
		return 1
	default:
		return 2
	}
}

// Verdict is the judgement on one image.
type Verdict struct {
	Score    int
	Level    Level
	Decision Decision
}

// Policy turns findings into a verdict. The zero value is not useful; start
// from DefaultPolicy.
type Policy struct {
	// Weights is the score, 0-100, that one certain finding exposing the
	// identifier contributes on its own. Identifiers not listed weigh
	// DefaultWeight.
	Weights map[Identifier]float64 `yaml:"weights" json:"weights"`
	// DefaultWeight applies to identifiers missing from Weights (default 50).
	DefaultWeight float64 `yaml:"default_weight" json:"default_weight"`
	// MetadataWeight replaces the identifier weight for metadata findings,
	// which the safe copy always strips (default 5).
	MetadataWeight float64 `yaml:"metadata_weight" json:"metadata_weight"`
	// ReviewAt is the lowest score that needs a person's review (default 15).
	ReviewAt int `yaml:"review_at" json:"review_at"`
	// BlockAt is the lowest score that blocks the photo (default 50).
	BlockAt int `yaml:"block_at" json:"block_at"`
}

// DefaultPolicy returns the documented defaults. A single readable name
// or a visible face needs review; a name with a date of birth or a record
// number blocks.
func DefaultPolicy() Policy {
	return Policy{
		Weights: map[Identifier]float64{
			IDName:        45,
			IDAddress:     40,
			IDGeo:         40,
			IDDate:        30,
			IDPhone:       45,
			IDFax:         45,
			IDEmail:       45,
			IDSSN:         95,
			IDRecord:      60,
			IDHealthPlan:  60,
			IDAccount:     50,
			IDLicense:     50,
			IDVehicle:     45,
			IDDevice:      30,
			IDURL:         20,
			IDIP:          20,
			IDFullFace:    40,
			IDOtherNumber: 30,
		},
		DefaultWeight:  50,
		MetadataWeight: 5,
		ReviewAt:       15,
		BlockAt:        50,
	}
}

// weight is what one finding adds on its own, 0-1.
func (p Policy) weight(f Finding) float64 {
	if f.Harmless {
		return 0
	}
	var w float64
	for _, id := range f.Identifiers {
		v, ok := p.Weights[id]
		if !ok {
			v = p.DefaultWeight
		}
		if f.Kind == KindMetadata {
			v = p.MetadataWeight
		}
		// Identifiers of one finding combine like independent findings:
		// a line with a name and a date is worse than either.
		w = 1 - (1-w)*(1-clamp01(v/100))
	}
	return clamp01(w * clamp01(f.Confidence))
}

// Judge scores the findings. Findings combine as independent risks,
// score = 100·(1 − Π(1 − wᵢ·cᵢ)), so adding a finding never lowers the
// score and no number of weak findings reaches 100.
func (p Policy) Judge(findings []Finding) Verdict {
	keep := 1.0
	for _, f := range findings {
		keep *= 1 - p.weight(f)
	}
	score := int(100*(1-keep) + 0.5)
	return Verdict{Score: score, Level: LevelOf(score), Decision: p.decide(score)}
}

func (p Policy) decide(score int) Decision {
	switch {
	case score >= p.BlockAt:
		return Block
	case score >= p.ReviewAt:
		return Review
	default:
		return Pass
	}
}

// LevelOf buckets a score: 0 none, 1-24 low, 25-49 medium, 50-74 high,
// 75-100 critical.
func LevelOf(score int) Level {
	switch {
	case score <= 0:
		return LevelNone
	case score < 25:
		return LevelLow
	case score < 50:
		return LevelMedium
	case score < 75:
		return LevelHigh
	default:
		return LevelCritical
	}
}

// Identifiers returns the sorted union of the findings' identifiers.
func Identifiers(findings []Finding) []Identifier {
	seen := map[Identifier]bool{}
	var out []Identifier
	for _, f := range findings {
		for _, id := range f.Identifiers {
			if !seen[id] {
				seen[id] = true
				out = append(out, id)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// ParseDecision reads a --fail-on style value.
func ParseDecision(s string) (Decision, bool) {
	switch Decision(s) {
	case Pass, Review, Block:
		return Decision(s), true
	}
	return "", false
}

func clamp01(v float64) float64 {
	if v < 0 {
		return 0
	}
	if v > 1 {
		return 1
	}
	return v
}
