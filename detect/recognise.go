package detect

import (
	"image"
	"strings"
	"unicode"

	"photoaudit/ocr"
	"photoaudit/vision"
)

// The recogniser (vision.ReadLines, PP-OCRv4's) reads the detector's
// lines that Tesseract read nothing confident on: handwriting on a board
// or a sheet, a tilted name in a monospace font, a screen's print.
// Tesseract reads pages better, so it goes first; the recogniser is asked
// once a look for each line, and its readings become ocr.Lines that the
// classifier and the judging rules take like Tesseract's.

// recognise reads with the recogniser those of lines that lines read so
// far (read) do not read confidently, each once a look, and returns what
// it read.
func (d *Detector) recognise(img image.Image, lines []vision.Region, read []ocr.Line) ([]ocr.Line, error) {
	var todo []vision.Region
	for _, l := range lines {
		if _, done := d.recognised[l.Box]; done || allRead([]vision.Region{l}, read) {
			continue
		}
		todo = append(todo, l)
	}
	if len(todo) == 0 {
		return nil, nil
	}
	readings, err := d.vision.ReadLines(img, todo)
	if err != nil {
		return nil, err
	}
	var out []ocr.Line
	for i, r := range readings {
		d.recognised[todo[i].Box] = true
		if l, ok := readingLine(r); ok {
			out = append(out, l)
		}
	}
	return out, nil
}

// readingLine makes a recogniser's reading a line of words: split at
// spaces and where a small letter runs into a capital (the recogniser
// drops many spaces: "RobertTaylor"), each word's box its share of the
// line's length, each word the line's confidence.
func readingLine(r vision.Reading) (ocr.Line, bool) {
	words := splitWords(r.Text)
	if len(words) == 0 {
		return ocr.Line{}, false
	}
	total := 0
	for _, w := range words {
		total += len([]rune(w)) + 1
	}
	l := ocr.Line{Box: r.Box}
	at := 0
	for _, w := range words {
		n := len([]rune(w))
		box := r.Box
		if r.Box.Dx() >= r.Box.Dy() {
			x0 := r.Box.Min.X + at*r.Box.Dx()/total
			x1 := r.Box.Min.X + (at+n)*r.Box.Dx()/total
			box = image.Rect(x0, r.Box.Min.Y, max(x1, x0+1), r.Box.Max.Y)
		}
		l.Words = append(l.Words, ocr.Word{Text: w, Box: box, Conf: r.Conf})
		at += n + 1
	}
	return l, true
}

func splitWords(s string) []string {
	var out []string
	for _, f := range strings.Fields(s) {
		rs := []rune(f)
		start := 0
		for i := 1; i < len(rs); i++ {
			if unicode.IsLower(rs[i-1]) && unicode.IsUpper(rs[i]) {
				out = append(out, string(rs[start:i]))
				start = i
			}
		}
		out = append(out, string(rs[start:]))
	}
	return out
}
