package ocr

import (
	"reflect"
	"strings"
	"testing"

	"photoaudit/risk"
)

func TestClassifyText(t *testing.T) {
	c := NewClassifier(Lists{
		Allow: []string{"Sunrise Family Clinic", "Dr. Amelia Hart"},
		Deny:  []string{"Quentin Zyxwv"},
	})
	const (
		name    = risk.IDName
		date    = risk.IDDate
		phone   = risk.IDPhone
		fax     = risk.IDFax
		email   = risk.IDEmail
		ssn     = risk.IDSSN
		record  = risk.IDRecord
		account = risk.IDAccount
		plan    = risk.IDHealthPlan
		address = risk.IDAddress
		url     = risk.IDURL
		ip      = risk.IDIP
		other   = risk.IDOtherNumber
	)
	tests := []struct {
		text string
		want []risk.Identifier // nil: nothing identifying
	}{
		// Names.
		{"Robert Taylor", []risk.Identifier{name}},
		{"Taylor, Robert", []risk.Identifier{name}},
		{"Patient: Xochitl Quenby", []risk.Identifier{name}},
		{"Rodriguez", []risk.Identifier{name}},
		{"John johnson", []risk.Identifier{name}}, // capital J read small
		{"Grace under pressure", nil},
		{"Will power", nil},
		{"In Kettle, cover", nil}, // "in a kettle, cover", its "a" lost
		{"An Nguyen", []risk.Identifier{name}},
		{"Dr. Amelia Hart", nil},
		{"Sunrise Family Clinic", nil},
		{"Quentin Zyxwv", []risk.Identifier{name}},
		{"Quentn Zyxwv", []risk.Identifier{name}},                     // deny list tolerates OCR errors
		{"2012 Eklevina Creszentia Nenepat", []risk.Identifier{name}}, // names no list knows
		{"Syllabification Monosyllable", nil},                         // English words
		{"NANFENG NANCHANG", nil},                                     // a sign's capitals
		// Dates, with and without labels and OCR confusions.
		{"DOB: 03/14/1961", []risk.Identifier{date}},
		{"O6/l9/1974", []risk.Identifier{date}},
		{"1961-03-14", []risk.Identifier{date}},
		{"March 14, 1961", []risk.Identifier{date}},
		{"14 Mar 1961", []risk.Identifier{date}},
		// Numbers.
		{"(555) 201-4477", []risk.Identifier{phone}},
		{"555.201.4477", []risk.Identifier{phone}},
		{"Fax: 555-201-4478", []risk.Identifier{fax}},
		{"SSN 123-45-6789", []risk.Identifier{ssn}},
		{"MRN: 84341540", []risk.Identifier{record}},
		{"MRN A-99812", []risk.Identifier{record}},
		{"Acct # 7781-22", []risk.Identifier{account}},
		{"Member ID W12345678", []risk.Identifier{plan}},
		{"84341540", []risk.Identifier{other}},
		{"33406311030420K051971", []risk.Identifier{other}}, // a ticket's number, letters inside
		{"Ref 2018ab771203x", []risk.Identifier{other}},
		{"Room 12, 3 beds, call 4471", nil},
		// Contacts and places.
		{"jane.doe@example.org", []risk.Identifier{email}},
		{"www.example-portal.com", []risk.Identifier{url}},
		{"https://portal.example.org/p/123", []risk.Identifier{url}},
		{"10.0.12.7", []risk.Identifier{ip}},
		{"1200 Oak Street", []risk.Identifier{address}},
		{"Tucson, AZ 85701", []risk.Identifier{address}},
		// Harmless text.
		{"WASH YOUR HANDS", nil},
		{"Wash your Han", nil}, // OCR cut a word to a surname, inside a sentence
		{"Ask at the front desk", nil},
		{"Please wear a mask", nil},
		{"Thank you for keeping our clinic safe", nil},
		{"Room 4", nil},
		{"Open 9:00 - 17:00", nil},
		{"ID badge required", nil},
		{"Exit", nil},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			m, ok := c.Text(tt.text)
			if tt.want == nil {
				if ok {
					t.Fatalf("Text(%q) = %v, want nothing identifying", tt.text, m.Identifiers)
				}
				return
			}
			if !ok {
				t.Fatalf("Text(%q) found nothing, want %v", tt.text, tt.want)
			}
			if !reflect.DeepEqual(m.Identifiers, tt.want) {
				t.Errorf("Text(%q) = %v, want %v", tt.text, m.Identifiers, tt.want)
			}
			if m.Confidence <= 0 || m.Confidence > 1 {
				t.Errorf("confidence %v out of range", m.Confidence)
			}
		})
	}
}

func TestScheduleLine(t *testing.T) {
	c := NewClassifier(Lists{})
	m, ok := c.Text("9:30 William Jackson 08/04/1983 Lab review")
	if !ok {
		t.Fatal("schedule line not flagged")
	}
	want := []risk.Identifier{risk.IDDate, risk.IDName}
	if !reflect.DeepEqual(m.Identifiers, want) {
		t.Errorf("identifiers = %v, want %v", m.Identifiers, want)
	}
}

// A lone surname read from wallpaper with low confidence is not a name.
func TestLowConfidenceLoneName(t *testing.T) {
	c := NewClassifier(Lists{})
	l := Line{Words: []Word{{Text: "Sam", Conf: 0.4}, {Text: "Mee", Conf: 0.5}}}
	if m, ok := c.Line(l); ok {
		t.Errorf("low-confidence lone names flagged: %v", m.Identifiers)
	}
	l.Words[1].Conf = 0.95
	l.Words[1].Text = "Rodriguez"
	if _, ok := c.Line(l); !ok {
		t.Error("a confident lone surname was not flagged")
	}
}

func TestSimilar(t *testing.T) {
	tests := []struct {
		a, b string
		want bool
	}{
		{"smith", "smith", true}, {"smlth", "smith", true}, {"gonza1ez", "gonzalez", true},
		{"smiths", "smith", true}, {"jones", "james", false}, {"ab", "ac", false}, {"", "a", false},
	}
	for _, tt := range tests {
		if got := Similar(tt.a, tt.b); got != tt.want {
			t.Errorf("Similar(%q, %q) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
	}
}

func TestMentionsPatient(t *testing.T) {
	for text, want := range map[string]bool{
		"Time Patient DOB Reason": true, "MRN": true, "Acct #": true,
		"WASH YOUR HANDS": false, "Ask at the front desk": false, "Room 4": false,
	} {
		if got := MentionsPatient(text); got != want {
			t.Errorf("MentionsPatient(%q) = %v, want %v", text, got, want)
		}
	}
}

func TestPlateLike(t *testing.T) {
	line := func(s string) Line {
		var l Line
		for _, f := range strings.Fields(s) {
			l.Words = append(l.Words, Word{Text: f, Conf: 0.9})
		}
		return l
	}
	for s, want := range map[string]bool{
		"7ABC123": true, "ABC 1234": true, "KL-55 4AB": true, "8XYZ-42": true,
		"ABCDEFG": false, "1234567": false, "7ABC123456": false, "AB1": false,
		"WASH YOUR HANDS": false, "Room 12 B": false, "Robert Taylor": false, "abc1234": false,
	} {
		if got := PlateLike(line(s)); got != want {
			t.Errorf("PlateLike(%q) = %v, want %v", s, got, want)
		}
	}
}

// A patient's record reads as one by its unambiguous labels or two
// labels written as labels; prose that says "member" and "group" does not.
func TestPatientRecord(t *testing.T) {
	for text, want := range map[string]bool{
		"Name: Jane Roe DOB 01/02/1960":                                       true,
		"Date of birth 01/02/1960":                                            true,
		"MRN: 12345678":                                                       true,
		"Patient: Jane Roe Member # 5544":                                     true,
		"an associate member of the TWAIN working group":                      false,
		"Patient rights and responsibilities":                                 false,
		"We provide 4 core SDKs and 8 add-on modules for all usage scenarios": false,
	} {
		if got := PatientRecord(text); got != want {
			t.Errorf("PatientRecord(%q) = %v, want %v", text, got, want)
		}
	}
}

// Two clinical words make a chart; one is a health poster.
func TestClinical(t *testing.T) {
	for text, want := range map[string]bool{
		"BP: 142/91 mmHg Pulse: 78":         true,
		"HbA1c: 7.9 % LDL: 131 mg/dL":       true,
		"Know your BP":                      false,
		"Wash your hands. Thank you":        false,
		"Medications: metformin; allergies": true,
	} {
		if got := Clinical(text); got != want {
			t.Errorf("Clinical(%q) = %v, want %v", text, got, want)
		}
	}
}

// A surname in a title of four capitalised words is not a name; on a
// board's list, beside a room, it is.
func TestLoneSurnameInTitle(t *testing.T) {
	c := NewClassifier(Lists{})
	if m, ok := c.Text("Boston Cooking-School Cook Book"); ok {
		t.Errorf("a book's title flagged: %v %q", m.Identifiers, m.Text)
	}
	if _, ok := c.Text("Rm 3 Rodriguez"); !ok {
		t.Error("a surname on a room list was not flagged")
	}
}

// A staff board's notes name a day and a colleague's first name; neither
// is a patient's surname. A frequent surname alone still is.
func TestLoneCalendarAndGivenNames(t *testing.T) {
	c := NewClassifier(Lists{})
	for _, text := range []string{"Staff meeting Friday", "Welcome back Sam!", "Closed Monday", "Flu shots in October"} {
		if m, ok := c.Text(text); ok {
			t.Errorf("%q flagged: %v", text, m.Identifiers)
		}
	}
	for _, text := range []string{"Rm 4 Taylor", "Martinez", "Blanca & Antonio"} {
		if _, ok := c.Text(text); !ok {
			t.Errorf("%q: a lone frequent surname, or a list of given names, was not flagged", text)
		}
	}
}

// Rooms given with who is in them make a record, however the names read;
// one room is a door's sign.
func TestRoomList(t *testing.T) {
	for text, want := range map[string]bool{
		"Rm8:K.Lopee-Rash Rm6:T.Tohnson-Flu shot": true,
		"Room 4 Garcia Bed 12 Smith":              true,
		"Rm 7: T. Miler - Prenatal visit":         false,
		"Room 204 Radiology":                      false,
		"Please silence your phone":               false,
		"Romantic dinner for 2 in the room":       false,
	} {
		if got := RoomList(text); got != want {
			t.Errorf("RoomList(%q) = %v, want %v", text, got, want)
		}
		if got := PatientRecord(text); want && !got {
			t.Errorf("PatientRecord(%q) = false for a room list", text)
		}
	}
}
