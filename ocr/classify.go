package ocr

import (
	"image"
	"regexp"
	"sort"
	"strings"
	"unicode"

	"photoaudit/risk"
)

// Lists are the practice's own names: Allow holds what may be shown (the
// practice, its staff), Deny what must never be (today's patient roster).
// Both match tolerant of OCR errors.
type Lists struct {
	Allow []string `yaml:"allow" json:"allow,omitempty"`
	Deny  []string `yaml:"deny" json:"deny,omitempty"`
	// Staff is the practice's roster: a staff member's name on a badge
	// is kept visible (Policy "keep", under their Consent reference) or
	// redacted like a patient's ("redact", the default).
	Staff []Staff `yaml:"staff" json:"-"`
}

// Staff is one entry of the roster.
type Staff struct {
	Name    string `yaml:"name"`
	Consent string `yaml:"consent"`
	Policy  string `yaml:"policy"` // keep or redact
}

// Keeps says whether the entry keeps its name and badge visible.
func (s Staff) Keeps() bool { return s.Policy == "keep" }

// StaffIn returns the roster entry whose name text holds (tolerant of
// OCR errors, as the allow list is), and its number from 1; 0 when none.
func StaffIn(staff []Staff, text string) (Staff, int) {
	toks := tokens(text)
	for i, s := range staff {
		name := tokens(s.Name)
		if len(name) == 0 || len(toks) < len(name) {
			continue
		}
		for at := 0; at+len(name) <= len(toks); at++ {
			ok := true
			for j, w := range name {
				if !Similar(toks[at+j], w) {
					ok = false
					break
				}
			}
			if ok {
				return s, i + 1
			}
		}
	}
	return Staff{}, 0
}

// Match is a line of text that exposes identifiers. Text is the raw text
// and must not leave the process: reports carry risk.Mask(Text).
type Match struct {
	Box         image.Rectangle
	Text        string
	Identifiers []risk.Identifier
	Confidence  float64
	// Labels are the context words that told us what a value is
	// ("DOB", "MRN", "Patient").
	Labels []string
}

// Classifier decides which lines of text identify someone.
type Classifier struct {
	names *nameData
	allow [][]string
	deny  [][]string
}

// NewClassifier prepares the lists.
func NewClassifier(lists Lists) *Classifier {
	c := &Classifier{names: loadNames()}
	for _, s := range lists.Allow {
		if t := tokens(s); len(t) > 0 {
			c.allow = append(c.allow, t)
		}
	}
	for _, s := range lists.Deny {
		if t := tokens(s); len(t) > 0 {
			c.deny = append(c.deny, t)
		}
	}
	// The roster's names: kept ones are the practice's to show, the
	// rest are always identifiers.
	for _, s := range lists.Staff {
		if t := tokens(s.Name); len(t) > 0 {
			if s.Keeps() {
				c.allow = append(c.allow, t)
			} else {
				c.deny = append(c.deny, t)
			}
		}
	}
	return c
}

// Classify returns one Match per line that exposes an identifier. The
// match covers the whole line: a redacted name with its date of birth
// still beside it is no redaction.
func (c *Classifier) Classify(lines []Line) []Match {
	var out []Match
	for _, l := range lines {
		if m, ok := c.Line(l); ok {
			out = append(out, m)
		}
	}
	return out
}

// Text classifies one line of text read with full confidence.
func (c *Classifier) Text(text string) (Match, bool) {
	l := Line{}
	for _, f := range strings.Fields(text) {
		l.Words = append(l.Words, Word{Text: f, Conf: 1})
	}
	return c.Line(l)
}

// MinNameConf is the word confidence a lone name needs: Tesseract reads
// wallpaper and wood grain as short words, and some of those are
// surnames. MinPairConf is what each word of a first-and-last-name pair
// needs.
const (
	MinNameConf = 0.75
	MinPairConf = 0.5
	// unknownNameConf is how sure two unknown proper nouns in a row make
	// us of a name (nameConf), and unknownNameMaxWords the longest line
	// they count on: a name stands on a line of its own or with a date,
	// a title or a role.
	unknownNameConf     = 0.6
	unknownNameMaxWords = 6
)

// Line classifies one line of text.
func (c *Classifier) Line(l Line) (Match, bool) {
	text := l.Text()
	m := Match{Text: text, Box: l.Box}
	hits := map[risk.Identifier]float64{}
	add := func(id risk.Identifier, conf float64) {
		if conf > hits[id] {
			hits[id] = conf
		}
	}
	labels := findLabels(text)
	m.Labels = labels
	digits := normalizeDigits(text)

	for _, p := range patterns {
		if p.re.MatchString(digits) || p.re.MatchString(text) {
			conf := p.conf
			if p.needs != "" && !hasLabel(labels, p.needs) {
				continue
			}
			add(p.id, conf)
		}
	}
	// A phone number next to "fax" is a fax number.
	if _, ok := hits[risk.IDPhone]; ok && hasLabel(labels, "fax") {
		add(risk.IDFax, hits[risk.IDPhone])
		delete(hits, risk.IDPhone)
	}
	// Labelled values: "MRN: 84341540", "Acct # A-99812".
	for _, lv := range labelledValues(digits) {
		add(lv.id, lv.conf)
	}
	// A long run of digits that is neither date nor phone is some record
	// number even without a label.
	if len(hits) == 0 && longNumber.MatchString(digits) {
		add(risk.IDOtherNumber, 0.6)
	}
	if conf := c.nameConf(l, labels); conf > 0 {
		add(risk.IDName, conf)
	}
	if len(hits) == 0 {
		return Match{}, false
	}
	for id, conf := range hits {
		m.Identifiers = append(m.Identifiers, id)
		if conf > m.Confidence {
			m.Confidence = conf
		}
	}
	sort.Slice(m.Identifiers, func(i, j int) bool { return m.Identifiers[i] < m.Identifiers[j] })
	return m, true
}

type pattern struct {
	id    risk.Identifier
	re    *regexp.Regexp
	conf  float64
	needs string // a label that must be present, or ""
}

const month = `(?i:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?`

var patterns = []pattern{
	{risk.IDEmail, regexp.MustCompile(`[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}`), 0.95, ""},
	{risk.IDURL, regexp.MustCompile(`(?i)\bhttps?://\S+|\bwww\.[a-z0-9-]+\.[a-z]{2,}`), 0.8, ""},
	{risk.IDIP, regexp.MustCompile(`\b(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}\b`), 0.8, ""},
	{risk.IDSSN, regexp.MustCompile(`\b\d{3}[- ]\d{2}[- ]\d{4}\b`), 0.9, ""},
	{risk.IDSSN, regexp.MustCompile(`\b\d{9}\b`), 0.9, "ssn"},
	{risk.IDPhone, regexp.MustCompile(`(\+?1[\s.-]?)?(\(\d{3}\)\s?|\b\d{3}[\s.-])\d{3}[\s.-]\d{4}\b`), 0.85, ""},
	// Dates: 03/14/1961, 3-14-61, 2024-03-14, 14.03.1961, Mar 14, 1961, 14 March 1961.
	{risk.IDDate, regexp.MustCompile(`\b(0?[1-9]|1[0-2])[/.-](0?[1-9]|[12]\d|3[01])[/.-](\d{4}|\d{2})\b`), 0.9, ""},
	{risk.IDDate, regexp.MustCompile(`\b(0?[1-9]|[12]\d|3[01])[/.-](0?[1-9]|1[0-2])[/.-](\d{4}|\d{2})\b`), 0.8, ""},
	{risk.IDDate, regexp.MustCompile(`\b(19|20)\d\d[/.-](0?[1-9]|1[0-2])[/.-](0?[1-9]|[12]\d|3[01])\b`), 0.9, ""},
	{risk.IDDate, regexp.MustCompile(`\b` + month + `\s+\d{1,2}(st|nd|rd|th)?,?\s+(19|20)\d\d\b`), 0.9, ""},
	{risk.IDDate, regexp.MustCompile(`\b\d{1,2}\s+` + month + `,?\s+(19|20)\d\d\b`), 0.9, ""},
	{risk.IDDate, regexp.MustCompile(`\b(0?[1-9]|1[0-2])/(0?[1-9]|[12]\d|3[01])\b`), 0.5, "dob"},
	// Street addresses and ZIP codes: geography below state level.
	{risk.IDAddress, regexp.MustCompile(`\b\d{1,6}\s+([A-Z][A-Za-z]+\.?\s+){1,3}(?i:st|street|ave|avenue|rd|road|blvd|boulevard|dr|drive|ln|lane|way|ct|court|pl|place|pkwy|parkway|hwy|highway|cir|circle|ter|terrace|sq|square)\b`), 0.85, ""},
	{risk.IDAddress, regexp.MustCompile(`\b(A[LKZR]|C[AOT]|DE|DC|FL|GA|HI|I[DLNA]|K[SY]|LA|M[EDAINSOT]|N[EVHJMYCD]|O[HKR]|PA|RI|S[CD]|T[NX]|UT|V[TA]|W[AVIY]),?\s+\d{5}(-\d{4})?\b`), 0.85, ""},
	{risk.IDAddress, regexp.MustCompile(`\b\d{5}(-\d{4})?\b`), 0.6, "address"},
}

// longNumber is a run of six digits or more, as a word or inside one: a
// ticket's or a wristband's number often runs into letters with no space
// ("33406311030420K051971", "MRN84341540").
var longNumber = regexp.MustCompile(`\d{6,}`)

// Labels: context words and the identifier their value exposes.
var labelWords = map[string]string{
	"dob": "dob", "birth": "dob", "born": "dob", "d.o.b": "dob",
	"mrn": "record", "mr#": "record", "chart": "record", "record": "record", "patient": "patient",
	"pt": "patient", "name": "patient", "ssn": "ssn", "ss#": "ssn", "social": "ssn",
	"acct": "account", "account": "account", "member": "plan", "policy": "plan", "group": "plan",
	"insurance": "plan", "subscriber": "plan", "medicaid": "plan", "medicare": "plan",
	"id": "id", "id#": "id", "license": "license", "lic": "license", "dl": "license",
	"fax": "fax", "address": "address", "addr": "address", "zip": "address",
	"vin": "vehicle", "plate": "vehicle", "serial": "device", "device": "device",
	"room": "room", "bed": "room", "dr": "title", "dr.": "title", "mr": "title", "mr.": "title",
	"mrs": "title", "mrs.": "title", "ms": "title", "ms.": "title",
}

func findLabels(text string) []string {
	var out []string
	for _, f := range strings.Fields(strings.ToLower(text)) {
		f = strings.TrimRight(f, ":#,")
		if l, ok := labelWords[f]; ok {
			out = append(out, l)
		} else if l, ok := labelWords[strings.TrimRight(f, ".")]; ok {
			out = append(out, l)
		}
	}
	return out
}

// patientLabels are label kinds that only appear on records about people.
var patientLabels = map[string]bool{"dob": true, "record": true, "patient": true, "ssn": true,
	"account": true, "plan": true, "id": true, "license": true, "address": true}

// MentionsPatient reports whether text carries a label that only records
// about people carry ("Patient", "DOB", "MRN", "Acct", "Member"): a
// screen showing those headers is a patient list even when its rows could
// not be read.
func MentionsPatient(text string) bool {
	for _, l := range findLabels(text) {
		if patientLabels[l] {
			return true
		}
	}
	return false
}

func hasLabel(labels []string, l string) bool {
	for _, x := range labels {
		if x == l {
			return true
		}
	}
	return false
}

type labelled struct {
	id   risk.Identifier
	conf float64
}

var labelValueRe = regexp.MustCompile(`(?i)\b(mrn|mr#|mr\s*no|med\s*rec|medical\s+record|chart|patient\s*id|pt\s*id|id|acct|account|member|policy|group|subscriber|ins|claim|lic|license|dl|serial|vin|case|encounter)\s*(id|#|no\.?|num|number)?\s*[:#.]?\s*([A-Z0-9][A-Z0-9-]{3,})`)

var labelIDs = map[string]risk.Identifier{
	"mrn": risk.IDRecord, "mr#": risk.IDRecord, "chart": risk.IDRecord, "patient": risk.IDRecord,
	"pt": risk.IDRecord, "id": risk.IDRecord, "case": risk.IDRecord, "encounter": risk.IDRecord,
	"med": risk.IDRecord, "medical": risk.IDRecord, "mr": risk.IDRecord,
	"acct": risk.IDAccount, "account": risk.IDAccount, "claim": risk.IDAccount,
	"member": risk.IDHealthPlan, "policy": risk.IDHealthPlan, "group": risk.IDHealthPlan,
	"subscriber": risk.IDHealthPlan, "ins": risk.IDHealthPlan,
	"lic": risk.IDLicense, "license": risk.IDLicense, "dl": risk.IDLicense,
	"serial": risk.IDDevice, "vin": risk.IDVehicle,
}

func labelledValues(text string) []labelled {
	var out []labelled
	for _, m := range labelValueRe.FindAllStringSubmatch(text, -1) {
		value := m[3]
		// A value must hold digits: "ID badge" is not an ID number.
		if !strings.ContainsAny(value, "0123456789") {
			continue
		}
		key := strings.ToLower(strings.Fields(m[1])[0])
		id, ok := labelIDs[key]
		if !ok {
			id = risk.IDOtherNumber
		}
		out = append(out, labelled{id, 0.9})
	}
	return out
}

// normalizeDigits repairs the usual OCR confusions inside tokens that are
// mostly digits ("O6/l9/1974" → "06/19/1974") so number patterns match.
func normalizeDigits(text string) string {
	fields := strings.Fields(text)
	for i, f := range fields {
		var digits, letters int
		for _, r := range f {
			switch {
			case unicode.IsDigit(r):
				digits++
			case unicode.IsLetter(r):
				letters++
			}
		}
		if digits == 0 || digits < 2*letters {
			continue
		}
		fields[i] = strings.Map(func(r rune) rune {
			switch r {
			case 'O', 'o', 'D', 'Q':
				return '0'
			case 'I', 'l', '|', 'i', '!':
				return '1'
			case 'S', 's':
				return '5'
			case 'B':
				return '8'
			case 'Z', 'z':
				return '2'
			}
			return r
		}, f)
	}
	return strings.Join(fields, " ")
}

// word is a token of a line with its original form.
type word struct {
	raw   string // as read, punctuation trimmed
	lower string
	comma bool // was followed by a comma: "Smith, John"
	conf  float64
}

func words(l Line) []word {
	var out []word
	for _, w := range l.Words {
		f := w.Text
		comma := strings.HasSuffix(f, ",")
		raw := strings.TrimFunc(f, func(r rune) bool { return !unicode.IsLetter(r) && r != '\'' && r != '-' })
		raw = strings.Trim(raw, "'-")
		if raw == "" {
			out = append(out, word{})
			continue
		}
		out = append(out, word{raw: raw, lower: strings.ToLower(raw), comma: comma, conf: w.Conf})
	}
	return out
}

// lowerCased says whether s is a word in small letters only.
func lowerCased(s string) bool {
	for _, c := range s {
		if !unicode.IsLower(c) {
			return false
		}
	}
	return s != ""
}

// properCase says whether s is written as a name is: a capital, then
// small letters (a hyphen or an apostrophe between).
func properCase(s string) bool {
	r := []rune(s)
	if len(r) < 2 || !unicode.IsUpper(r[0]) {
		return false
	}
	for _, c := range r[1:] {
		if !unicode.IsLower(c) && c != '\'' && c != '-' {
			return false
		}
	}
	return true
}

func capitalised(s string) bool {
	r := []rune(s)
	if len(r) == 0 || !unicode.IsUpper(r[0]) {
		return false
	}
	for _, c := range r {
		if !unicode.IsLetter(c) && c != '\'' && c != '-' {
			return false
		}
	}
	return true
}

// nameConf says how sure we are that the line names a person: a first
// name beside a surname, "Surname, First", a title or a "Patient:" label
// before a capitalised word, or a lone well-known surname. Words on the
// allow list are taken out first; the deny list always wins.
func (c *Classifier) nameConf(l Line, labels []string) float64 {
	text := l.Text()
	toks := tokens(text)
	if matchAny(toks, c.deny) {
		return 1
	}
	ws := words(l)
	if len(c.allow) > 0 {
		ws = c.removeAllowed(ws)
	}
	// A lone surname is a name on a whiteboard list, not inside a
	// sentence ("Wash your hands" has a surname-like word and a "your")
	// nor a title of four words or more, every one capitalised ("Boston
	// Cooking-School Cook Book": a list entry is a name and a room or a
	// time, not a phrase).
	sentence := false
	wordy := 0
	for _, w := range ws {
		if functionWords[w.lower] {
			sentence = true
		}
		if len(w.lower) >= 3 && lowerLetters(w.lower) {
			wordy++
		}
	}
	if wordy >= 4 {
		sentence = true
	}
	best := 0.0
	upd := func(v float64) {
		if v > best {
			best = v
		}
	}
	n := c.names
	given := 0 // capitalised given names: two or more are a list of people
	for _, w := range ws {
		if capitalised(w.raw) && n.isFirst(w.lower) {
			given++
		}
	}
	for i, w := range ws {
		if !capitalised(w.raw) {
			continue
		}
		var next word
		if i+1 < len(ws) {
			next = ws[i+1]
		}
		nextCap := capitalised(next.raw) && w.conf >= MinPairConf && next.conf >= MinPairConf
		// "In" and "An" are first names in the Census lists and the
		// commonest words of prose: before a surname that is an ordinary
		// word too, they are prose. "In Kettle, cover" (a cookbook's "in a
		// kettle, cover", its "a" lost) is no name; "An Nguyen" is one.
		first := n.isFirst(w.lower) && !(functionWords[w.lower] && n.common[next.lower])
		switch {
		case nextCap && first && n.isSurname(next.lower):
			upd(0.9)
		case nextCap && w.comma && n.isSurname(w.lower) && n.isFirst(next.lower):
			upd(0.9)
		case nextCap && len(w.raw) == 1 && n.isSurname(next.lower) && !n.common[next.lower]:
			upd(0.6) // "J. Smith"
		case !nextCap && first && n.isSurname(next.lower) && !n.common[next.lower] &&
			lowerCased(next.raw) && w.conf >= MinNameConf && next.conf >= MinNameConf:
			// "John johnson": Tesseract reads a capital J, I or L small
			// as often as not; a first name and a surname that is no
			// ordinary word, both read confidently, are still a name.
			upd(0.75)
		}
		if labelWords[strings.ToLower(w.raw)] == "title" || labelWords[strings.ToLower(w.raw)+"."] == "title" {
			if nextCap && len(next.raw) >= 2 {
				upd(0.7)
			}
		}
		if w.conf >= MinNameConf && !sentence {
			upd(n.loneSurnameConf(w.lower, given >= 2))
		}
	}
	// Two or more words in a row, each written as a name is (a capital,
	// then small letters), read confidently, and none an English word
	// nor one letter from one (OCR's "Savines" for "Savings"), on a
	// short line that is no sentence: a name our lists do not know
	// ("2012 Eklevina Creszentia Nenepat", a thesis page's footer), or a
	// town, which is an identifier too. A sign's words are English words
	// or in capitals. Under five letters, nearly every string is a letter
	// from some word, and abbreviations ("Sft Tac") are that short.
	if !sentence && len(ws) <= unknownNameMaxWords {
		run := 0
		for _, w := range ws {
			if properCase(w.raw) && len(w.lower) >= 5 && w.conf >= MinNameConf && !n.ordinary(w.lower) && !n.nearOrdinary(w.lower) {
				run++
			} else {
				run = 0
			}
			if run >= 2 {
				upd(unknownNameConf)
			}
		}
	}
	// "Patient: Xyz Abc": a capitalised word after a name label is a name
	// even when our lists do not know it.
	if hasLabel(labels, "patient") {
		for _, w := range ws {
			if capitalised(w.raw) && len(w.raw) >= 2 && labelWords[w.lower] == "" {
				upd(0.75)
				break
			}
		}
	}
	return best
}

// functionWords are English words that make a line a sentence or a sign.
var functionWords = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`a an the and or but if of to in on at by for from with without into onto
		is are was were be been am do does did have has had will would can could should must may might
		you your yours we our ours us they their them it its this that these those there here
		he his him she her hers who whom whose which what when where why how
		please thank thanks not no yes all any each every some more most less than then so too very
		only just also up down out over under again off as about after before`) {
		m[w] = true
	}
	return m
}()

// tokens lowercases and splits on anything that is not a letter or digit.
func tokens(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
}

// matchAny reports whether any phrase occurs in toks, word by word, each
// word within an OCR-tolerant edit distance.
func matchAny(toks []string, phrases [][]string) bool {
	for _, p := range phrases {
		if findPhrase(toks, p) >= 0 {
			return true
		}
	}
	return false
}

func findPhrase(toks, p []string) int {
	for i := 0; i+len(p) <= len(toks); i++ {
		ok := true
		for j, w := range p {
			if !Similar(toks[i+j], w) {
				ok = false
				break
			}
		}
		if ok {
			return i
		}
	}
	return -1
}

func (c *Classifier) removeAllowed(ws []word) []word {
	lw := make([]string, len(ws))
	for i, w := range ws {
		lw[i] = w.lower
	}
	for _, p := range c.allow {
		for {
			i := findPhrase(lw, p)
			if i < 0 {
				break
			}
			for j := i; j < i+len(p); j++ {
				ws[j] = word{}
				lw[j] = ""
			}
		}
	}
	return ws
}

// Similar reports whether two lowercased words are the same but for OCR
// errors: one edit for words up to 5 letters, two beyond that.
func Similar(a, b string) bool {
	if a == b {
		return true
	}
	if a == "" || b == "" {
		return false
	}
	max := 1
	if len(b) > 5 {
		max = 2
	}
	if len(a) <= 2 || len(b) <= 2 {
		max = 0
	}
	return levenshtein(a, b) <= max
}

func levenshtein(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}

// plateText is a licence plate's number once spaces, hyphens and dots are
// dropped: five to eight letters and digits.
var plateText = regexp.MustCompile(`^[A-Z0-9]{5,8}$`)

// PlateLike says whether a line reads like a licence plate by itself:
// one to three tokens that together are five to eight capital letters and
// digits, with at least two digits and one letter ("7ABC123", "ABC 1234",
// "KL-55 4AB"). The text alone is not enough to call it a plate (a room
// code or "COVID19" look the same); the pipeline also asks for a plate's
// shape around it.
func PlateLike(l Line) bool {
	toks := strings.Fields(l.Text())
	if len(toks) == 0 || len(toks) > 3 {
		return false
	}
	s := strings.NewReplacer("-", "", ".", "", "·", "").Replace(strings.Join(toks, ""))
	if !plateText.MatchString(s) {
		return false
	}
	digits, letters := 0, 0
	for _, r := range s {
		if r >= '0' && r <= '9' {
			digits++
		} else {
			letters++
		}
	}
	return digits >= 2 && letters >= 1
}

// clinicalWords are words that a patient's chart, an intake form or a
// lab result carries and a poster rarely does more than one of.
var clinicalWords = map[string]bool{
	"bp": true, "hba1c": true, "a1c": true, "ldl": true, "hdl": true, "glucose": true,
	"cholesterol": true, "triglycerides": true, "diagnosis": true, "dx": true, "rx": true,
	"mmhg": true, "mg/dl": true, "mg": true, "allergies": true, "allergy": true,
	"medications": true, "medication": true, "prescription": true, "vitals": true,
	"pulse": true, "bmi": true, "icd-10": true, "icd": true, "cpt": true, "complaint": true,
	"symptoms": true, "triage": true, "discharge": true, "admitted": true, "referral": true,
	"hemoglobin": true, "insulin": true, "dosage": true, "spo2": true,
	"resp": true, "prognosis": true, "bpm": true,
}

// Clinical reports whether text carries two or more different clinical
// words ("BP", "HbA1c", "diagnosis", "mg/dL"): what a chart, an intake
// form or a lab result shows about a patient even where no name was
// read. One alone is as likely a health poster.
func Clinical(text string) bool {
	seen := map[string]bool{}
	for _, f := range strings.Fields(strings.ToLower(text)) {
		f = strings.Trim(f, ":;,.()[]#*")
		if clinicalWords[f] {
			seen[f] = true
		}
	}
	return len(seen) >= 2
}

// recordLabels are labels that only a record about a person carries,
// whatever else the text says; the other patient labels ("member",
// "group", "account", "id") are common words in prose and count only
// written as labels, with a colon or a number sign.
var recordLabels = map[string]bool{"dob": true, "d.o.b": true, "mrn": true, "mr#": true, "ssn": true, "ss#": true}

// PatientRecord reports whether a block of text reads like a record about
// a patient: one of recordLabels, "date of birth", two of the patient
// labels written as labels ("Patient:", "Member #"), or a room list.
func PatientRecord(text string) bool {
	lower := strings.ToLower(text)
	if strings.Contains(lower, "date of birth") || RoomList(text) {
		return true
	}
	fields := strings.Fields(lower)
	labels := 0
	for i, f := range fields {
		bare := strings.TrimRight(f, ":#.,")
		if recordLabels[bare] || recordLabels[strings.TrimRight(f, ":,")] {
			return true
		}
		l, ok := labelWords[bare]
		if !ok || !patientLabels[l] {
			continue
		}
		if strings.HasSuffix(f, ":") || strings.HasSuffix(f, "#") || i+1 < len(fields) && (fields[i+1] == ":" || fields[i+1] == "#") {
			labels++
		}
	}
	return labels >= 2
}

// roomEntry is a room or a bed and its number: "Rm 8:", "Room 12", "Bed 3",
// "Rm17:" (the recogniser drops spaces).
var roomEntry = regexp.MustCompile(`(?i)\b(?:rm|room|bed)\.?\s*#?\s*\d{1,4}\b`)

// RoomList reports whether text gives two or more rooms or beds ("Rm 8: K.
// Lopez - Rash / Rm 6: J. Johnson - Flu shot"): a board of who is where,
// which names its patients even where their handwriting could not be read
// (eval-dev composites at half size read "Lopee", "Tohnson", "Miler"). A
// door's sign gives one room.
func RoomList(text string) bool { return len(roomEntry.FindAllString(text, 2)) >= 2 }

// lowerLetters says whether s is all letters (and hyphens).
func lowerLetters(s string) bool {
	for _, r := range s {
		if !unicode.IsLetter(r) && r != '-' {
			return false
		}
	}
	return s != ""
}
