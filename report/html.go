package report

import (
	"encoding/base64"
	"fmt"
	"html/template"
	"io"
	"strings"

	"photoaudit/risk"
)

var page = template.Must(template.New("report").Funcs(template.FuncMap{
	"b64":    func(b []byte) string { return base64.StdEncoding.EncodeToString(b) },
	"join":   func(ids []string) string { return strings.Join(ids, ", ") },
	"advice": func(d risk.Decision) string { return d.Advice() },
	"boxes":  func(b []int) string { return strings.Trim(fmt.Sprint(b), "[]") },
	"triage": Triage,
	"reason": Reason,
	"rows":   rows,
}).Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>photoaudit report {{.Started}}</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222}
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top}
.warn{background:#fec;padding:4px 8px}.pass{background:#dfd}.review{background:#ffd}.block{background:#fdd}.error{background:#eee}
section{border-top:2px solid #888;margin-top:2em;padding-top:1em}img{max-width:480px;border:1px solid #999}
</style></head><body>
<h1>photoaudit report</h1>
<p>Started {{.Started}}, tool {{.ToolVersion}}. Detectors: {{join .Detectors}}.</p>
{{range .Warnings}}<p class="warn">Warning: {{.}}</p>
{{end}}
<p>What this means: <b>block</b> photos show patient identifiers and must not be posted;
<b>review</b> photos need a person to look at the safe copy before posting; <b>pass</b> photos showed nothing the
detectors know. Safe copies have every finding covered and no metadata. Text below is masked.</p>
<table><tr><th>Photos</th><th>Pass</th><th>Review</th><th>Block</th><th>Errors</th></tr>
<tr><td>{{.Summary.Images}}</td><td>{{.Summary.Pass}}</td><td>{{.Summary.Review}}</td><td>{{.Summary.Block}}</td><td>{{.Summary.Errors}}</td></tr></table>
<p>Riskiest first. Jump to: <a href="#decision-block">block</a> · <a href="#decision-review">review</a> · <a href="#decision-pass">pass</a> · <a href="#decision-error">errors</a></p>
<table><tr><th>Photo</th><th>Decision</th><th>Score</th><th>Level</th><th>Findings</th><th>Safe copy</th></tr>
{{$last := ""}}{{range triage .Images}}{{$d := "error"}}{{if not .Error}}{{$d = printf "%s" .Decision}}{{end}}<tr class="{{$d}}"{{if ne $d $last}} id="decision-{{$d}}"{{end}}>{{$last = $d}}<td><a href="#{{.Source}}">{{.Source}}</a></td>
<td>{{$d}}</td><td>{{.Score}}</td><td>{{.Level}}</td><td>{{len .Findings}}</td><td>{{if .SafeCopy}}<a href="{{.SafeCopy}}">{{.SafeCopy}}</a>{{end}}</td></tr>
{{end}}</table>
{{if .Skipped}}<p>Skipped (not photos by name): {{range .Skipped}}{{.Source}} {{end}}</p>{{end}}
{{range triage .Images}}<section id="{{.Source}}"><h2>{{.Source}}</h2>
{{if .Error}}<p class="error">Could not audit: {{.Error}}</p>{{else}}
<p class="{{.Decision}}">Decision <b>{{.Decision}}</b>, score {{.Score}} ({{.Level}}), {{.Width}}×{{.Height}} px,
{{if .Verified}}safe copy re-checked{{else}}safe copy NOT verified{{end}}.</p>
<p class="{{.Decision}}">Why: {{reason .}}.</p>
<p class="{{.Decision}}"><b>{{advice .Decision}}</b></p>
{{if .Rechecked}}<p>Re-checked on the safe copy: {{join .Rechecked}}.</p>{{end}}
{{if .MetadataRemoved}}<p>Metadata in the original, none of it in the safe copy: {{join .MetadataRemoved}}.</p>{{end}}
{{if .Preview}}<img alt="safe copy of {{.Source}} with findings marked" src="data:image/jpeg;base64,{{b64 .Preview}}">{{end}}
{{if .SafeCopy}}<p>Safe copy: <a href="{{.SafeCopy}}">{{.SafeCopy}}</a></p>{{end}}
{{if .Findings}}<table><tr><th>Found</th><th>Text (masked)</th><th>Confidence</th><th>Redacted</th><th>Where (x, y, w, h px) and by what</th></tr>
{{range rows .Findings}}<tr><td>{{.What}}</td><td>{{.MaskedText}}</td><td>{{printf "%.2f" .Confidence}}</td><td>{{if .Redacted}}yes{{else if .Harmless}}no: nothing identifying seen{{else}}no{{end}}</td><td><small>{{boxes .Box}} · {{join .Detectors}}</small></td></tr>
{{end}}</table>{{end}}{{end}}</section>
{{end}}</body></html>
`))

// WriteHTML writes the report page with previews inline, so the page is
// one file that can be mailed to a compliance officer.
func (r *Report) WriteHTML(w io.Writer) error {
	if err := page.Execute(w, r); err != nil {
		return fmt.Errorf("report: html: %w", err)
	}
	return nil
}
