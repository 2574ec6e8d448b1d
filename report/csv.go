package report

import (
	"encoding/csv"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	"photoaudit/risk"
)

// SignOff is a person's last decision on a photo (package review), for
// the CSV's last columns.
type SignOff struct {
	// Decision is "approved" or "rejected"; By who; Time when (UTC).
	Decision, By, Time string
}

// WriteCSV writes one row per photo, with empty sign-off columns.
func (r *Report) WriteCSV(w io.Writer) error { return r.WriteCSVWith(w, nil) }

// WriteCSVWith writes one row per photo: what was found, the reason in
// words (Reason), and the sign-off on it, if any.
func (r *Report) WriteCSVWith(w io.Writer, signOffs map[string]SignOff) error {
	cw := csv.NewWriter(w)
	rows := [][]string{{"source", "safe_copy", "width", "height", "score", "level", "decision", "verified", "findings", "kinds", "identifiers", "reason", "signed_off", "signed_off_by", "signed_off_at", "error", "error_kind"}}
	for _, im := range r.Images {
		kinds := map[string]bool{}
		var rf []risk.Finding
		for _, f := range im.Findings {
			kinds[string(f.Kind)] = true
			if f.Kind == risk.KindMetadata {
				// Stripped from every safe copy: the photo does not show
				// it, and a capture date on every row read as a date
				// exposed. The kinds column still says metadata.
				continue
			}
			rf = append(rf, risk.Finding{Identifiers: f.Identifiers})
		}
		var ks []string
		for k := range kinds {
			ks = append(ks, k)
		}
		sort.Strings(ks)
		var ids []string
		for _, id := range risk.Identifiers(rf) {
			ids = append(ids, string(id))
		}
		so := signOffs[im.Source]
		rows = append(rows, []string{
			cell(im.Source), cell(im.SafeCopy), strconv.Itoa(im.Width), strconv.Itoa(im.Height),
			strconv.Itoa(im.Score), string(im.Level), string(im.Decision), strconv.FormatBool(im.Verified),
			strconv.Itoa(len(im.Findings)), strings.Join(ks, ";"), strings.Join(ids, ";"), cell(Reason(im)),
			so.Decision, cell(so.By), so.Time, cell(im.Error), im.ErrorKind,
		})
	}
	if err := cw.WriteAll(rows); err != nil {
		return fmt.Errorf("report: csv: %w", err)
	}
	return nil
}

// cell makes text from a file name or an error message safe to open in
// a spreadsheet: one starting with =, +, -, @, a tab or a carriage return
// would be run as a formula (a photo named "=HYPERLINK(...).jpg"), so it
// gets a leading apostrophe, which spreadsheets show as text.
func cell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
