package risk

import "testing"

func TestJudge(t *testing.T) {
	p := DefaultPolicy()
	face := Finding{Kind: KindFace, Confidence: 0.9, Identifiers: []Identifier{IDFullFace}}
	name := Finding{Kind: KindText, Confidence: 0.9, Identifiers: []Identifier{IDName}}
	nameDOB := Finding{Kind: KindText, Confidence: 0.9, Identifiers: []Identifier{IDName, IDDate}}
	gps := Finding{Kind: KindMetadata, Confidence: 1, Identifiers: []Identifier{IDGeo}}
	ssn := Finding{Kind: KindText, Confidence: 0.9, Identifiers: []Identifier{IDSSN}}
	page := Finding{Kind: KindDocument, Confidence: 0.9, Identifiers: []Identifier{IDName}, Harmless: true}
	tests := []struct {
		name     string
		findings []Finding
		level    Level
		decision Decision
	}{
		{"nothing", nil, LevelNone, Pass},
		{"metadata only is stripped, so it passes", []Finding{gps}, LevelLow, Pass},
		{"a face needs review", []Finding{face}, LevelMedium, Review},
		{"a name needs review", []Finding{name}, LevelMedium, Review},
		{"a name with a date of birth blocks", []Finding{nameDOB}, LevelHigh, Block},
		{"an SSN blocks", []Finding{ssn}, LevelCritical, Block},
		{"a page read and judged harmless weighs nothing", []Finding{page, page}, LevelNone, Pass},
		{"a schedule of names blocks", []Finding{nameDOB, nameDOB, nameDOB}, LevelCritical, Block},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := p.Judge(tt.findings)
			if v.Level != tt.level || v.Decision != tt.decision {
				t.Errorf("Judge = %+v, want level %s decision %s", v, tt.level, tt.decision)
			}
		})
	}
}

func TestJudgeMonotone(t *testing.T) {
	p := DefaultPolicy()
	var fs []Finding
	last := 0
	for i := 0; i < 20; i++ {
		fs = append(fs, Finding{Confidence: 0.3, Identifiers: []Identifier{IDDate}})
		s := p.Judge(fs).Score
		if s < last {
			t.Fatalf("score fell from %d to %d when a finding was added", last, s)
		}
		last = s
	}
	if last >= 100 || last < 80 {
		t.Errorf("20 weak dates scored %d, want 80-99", last)
	}
}

func TestMask(t *testing.T) {
	tests := []struct{ in, want string }{
		{"John Smith", "J*** S****"},
		{"03/14/1961", "**/**/1961"},
		{"DOB: 03/14/1961", "D**: **/**/1961"},
		{"MRN 84341540", "M** ********"},
		{"jane@example.org", "j***@e******.o**"},
		{"(555) 201-4477", "(***) ***-****"},
	}
	for _, tt := range tests {
		if got := Mask(tt.in); got != tt.want {
			t.Errorf("Mask(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
