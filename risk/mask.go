package risk

import (
	"regexp"
	"strings"
	"unicode"
)

var yearRe = regexp.MustCompile(`^(19|20)\d\d$`)

// Mask hides identifying text so the report can say what kind of thing was
// read without repeating it: letters keep the first of each word
// ("John Smith" → "J*** S****"), digits are starred, punctuation stays, and
// a four-digit year stays because a year alone is not an identifier
// ("03/14/1961" → "**/**/1961").
func Mask(text string) string {
	var b strings.Builder
	for _, field := range strings.Fields(text) {
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(maskField(field))
	}
	return b.String()
}

func maskField(field string) string {
	var b strings.Builder
	// Split into runs of letters/digits and the rest.
	runes := []rune(field)
	for i := 0; i < len(runes); {
		j := i
		isAlnum := func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }
		if !isAlnum(runes[i]) {
			for j < len(runes) && !isAlnum(runes[j]) {
				j++
			}
			b.WriteString(string(runes[i:j]))
			i = j
			continue
		}
		for j < len(runes) && isAlnum(runes[j]) {
			j++
		}
		run := string(runes[i:j])
		switch {
		case yearRe.MatchString(run):
			b.WriteString(run)
		default:
			for k, r := range runes[i:j] {
				if k == 0 && unicode.IsLetter(r) {
					b.WriteRune(r)
				} else {
					b.WriteByte('*')
				}
			}
		}
		i = j
	}
	return b.String()
}
