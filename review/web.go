package review

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"crypto/subtle"
	"embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"image"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"photoaudit/report"
	"photoaudit/risk"
	"photoaudit/watch"
)

// The review page: the same sign-off as Approve and Reject, in a browser,
// over one scan's --out folder. It is served to this machine only by
// default, and nothing is served without the random token printed at
// start (a notebook server's way): pages and files carry it in the URL,
// and every request that changes something is a POST that carries it in
// its form. Photos are addressed by their number in the report, never by
// a path from the request, and nothing is written but what Approve and
// Reject write, in the folder.

//go:embed web/*
var webFiles embed.FS

var pages = template.Must(template.New("").Funcs(template.FuncMap{
	"describe":  report.Describe,
	"advice":    func(d risk.Decision) string { return d.Advice() },
	"keepable":  keepable,
	"droppable": droppable,
	"box":       func(b []int) string { return strings.Trim(fmt.Sprint(b), "[]") },
	"inc":       func(i int) int { return i + 1 },
}).ParseFS(webFiles, "web/*.html"))

// Server serves the review page over dir.
type Server struct {
	dir   string
	token string
	opts  Options
	// mu lets one approval run at a time: each loads the detectors and
	// renders a photo, and two at once would double the memory.
	mu  sync.Mutex
	mux *http.ServeMux
}

// NewServer checks that dir holds a scan's report and makes a token.
func NewServer(dir string, opts Options) (*Server, error) {
	if _, err := loadReport(dir); err != nil {
		return nil, err
	}
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		return nil, fmt.Errorf("review: token: %w", err)
	}
	s := &Server{dir: dir, token: hex.EncodeToString(b), opts: opts, mux: http.NewServeMux()}
	s.mux.HandleFunc("GET /{$}", s.queue)
	s.mux.HandleFunc("GET /photo/{id}", s.photo)
	s.mux.HandleFunc("GET /file/{id}/{which}", s.file)
	s.mux.HandleFunc("GET /static/{name}", s.static)
	s.mux.HandleFunc("POST /photo/{id}/approve", s.approve)
	s.mux.HandleFunc("POST /photo/{id}/reject", s.reject)
	return s, nil
}

// Token is the secret every request must carry.
func (s *Server) Token() string { return s.token }

// URL is the page's address on a server listening at addr.
func (s *Server) URL(addr string) string {
	return "http://" + addr + "/?token=" + s.token
}

// ServeHTTP checks the token, then serves.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	// The token is in the URL: no page may send it on as a referrer, be
	// framed by another site, or be kept in a cache.
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Security-Policy", "default-src 'none'; img-src 'self'; script-src 'self'; style-src 'self'; form-action 'self'; frame-ancestors 'none'")
	var got string
	if r.Method == http.MethodPost {
		r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
		got = r.PostFormValue("token")
	} else {
		got = r.URL.Query().Get("token")
	}
	if subtle.ConstantTimeCompare([]byte(got), []byte(s.token)) != 1 {
		http.Error(w, "photoaudit review: this page needs the token printed when the server started", http.StatusForbidden)
		return
	}
	s.mux.ServeHTTP(w, r)
}

func loadReport(dir string) (*report.Report, error) {
	f, err := os.Open(filepath.Join(dir, "report.json"))
	if err != nil {
		return nil, fmt.Errorf("review: %w (is %s a scan's --out folder?)", err, dir)
	}
	defer f.Close()
	rep, err := report.ReadJSON(f)
	if err != nil {
		return nil, fmt.Errorf("review: %w", err)
	}
	return rep, nil
}

// signOff is the last approval or rejection of a photo in the log.
type signOff struct {
	Action, By, Reason, Output string
	Time                       string
}

// signOffs reads the folder's audit log for the last sign-off of each
// photo. A missing log is no sign-off yet.
func signOffs(dir string) map[string]signOff {
	out := map[string]signOff{}
	f, err := os.Open(filepath.Join(dir, watch.AuditLog))
	if err != nil {
		return out
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		var e watch.LogEntry
		if json.Unmarshal(sc.Bytes(), &e) != nil || (e.Action != "approve" && e.Action != "reject") {
			continue
		}
		so := signOff{Action: e.Decision, By: e.By, Reason: e.Reason, Time: e.Time.Format("2006-01-02 15:04 UTC")}
		if len(e.Outputs) > 0 {
			so.Output = e.Outputs[0]
		}
		out[e.Source] = so
	}
	return out
}

// queueRow is one photo in the queue.
type queueRow struct {
	ID      int
	Image   report.Image
	Why     string
	SignOff signOff
}

func (s *Server) queue(w http.ResponseWriter, r *http.Request) {
	rep, err := loadReport(s.dir)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	filter := r.URL.Query().Get("decision")
	index := map[string]int{}
	for i, im := range rep.Images {
		index[im.Source] = i + 1
	}
	done := signOffs(s.dir)
	var rows []queueRow
	for _, im := range report.Triage(rep.Images) {
		if filter != "" && string(im.Decision) != filter {
			continue
		}
		rows = append(rows, queueRow{ID: index[im.Source], Image: im, Why: report.Reason(im), SignOff: done[im.Source]})
	}
	s.render(w, http.StatusOK, "queue.html", map[string]any{
		"Token": s.token, "Rows": rows, "Filter": filter, "Dir": s.dir, "Summary": rep.Summary,
	})
}

// image returns the report's photo number id of the request.
func (s *Server) image(r *http.Request) (int, report.Image, error) {
	rep, err := loadReport(s.dir)
	if err != nil {
		return 0, report.Image{}, err
	}
	id, err := strconv.Atoi(r.PathValue("id"))
	if err != nil || id < 1 || id > len(rep.Images) {
		return 0, report.Image{}, errNoPhoto
	}
	return id, rep.Images[id-1], nil
}

var errNoPhoto = errors.New("review: no such photo in the report")

func (s *Server) photo(w http.ResponseWriter, r *http.Request) {
	s.photoPage(w, r, http.StatusOK, "", r.URL.Query().Get("done"))
}

func (s *Server) photoPage(w http.ResponseWriter, r *http.Request, status int, problem, done string) {
	id, im, err := s.image(r)
	if err != nil {
		http.Error(w, err.Error(), http.StatusNotFound)
		return
	}
	s.render(w, status, "photo.html", map[string]any{
		"Token": s.token, "ID": id, "Image": im, "Why": report.Reason(im), "SignOff": signOffs(s.dir)[im.Source],
		"Problem": problem, "Done": done,
	})
}

// file serves a photo's original, safe copy or approved copy by the
// photo's number: the paths come from the report and the log, never
// from the request.
func (s *Server) file(w http.ResponseWriter, r *http.Request) {
	_, im, err := s.image(r)
	if err != nil {
		http.Error(w, err.Error(), http.StatusNotFound)
		return
	}
	var path string
	switch r.PathValue("which") {
	case "original":
		path = im.Path
	case "safe":
		path = s.inside(im.SafeCopy)
	case "approved":
		path = s.inside(signOffs(s.dir)[im.Source].Output)
	}
	if path == "" {
		http.NotFound(w, r)
		return
	}
	f, err := os.Open(path)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	defer f.Close()
	head := make([]byte, 512)
	n, _ := io.ReadFull(f, head)
	ct := http.DetectContentType(head[:n])
	if !strings.HasPrefix(ct, "image/") {
		http.Error(w, "not an image a browser shows", http.StatusUnsupportedMediaType)
		return
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", ct)
	io.Copy(w, f)
}

// inside returns rel (slash-separated, from the report or the log) as a
// path in the folder, or "" when it would lead out of it.
func (s *Server) inside(rel string) string {
	if rel == "" || filepath.IsAbs(rel) {
		return ""
	}
	p := filepath.Join(s.dir, filepath.FromSlash(rel))
	if r, err := filepath.Rel(s.dir, p); err != nil || r == ".." || strings.HasPrefix(r, ".."+string(filepath.Separator)) {
		return ""
	}
	return p
}

func (s *Server) static(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	types := map[string]string{"draw.js": "text/javascript; charset=utf-8", "review.css": "text/css; charset=utf-8"}
	ct, ok := types[name]
	if !ok {
		http.NotFound(w, r)
		return
	}
	b, err := webFiles.ReadFile("web/" + name)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", ct)
	w.Write(b)
}

// choices reads the approval form: keep (numbers) with consent-N, drop
// (numbers), add (one x,y,w,h a line), by.
func choices(form url.Values) (Choices, error) {
	c := Choices{By: strings.TrimSpace(form.Get("by")), Keep: map[int]string{}}
	for _, v := range form["keep"] {
		id, err := strconv.Atoi(v)
		if err != nil {
			return c, fmt.Errorf("finding %q is not a number", v)
		}
		c.Keep[id] = strings.TrimSpace(form.Get("consent-" + v))
	}
	for _, v := range form["drop"] {
		id, err := strconv.Atoi(v)
		if err != nil {
			return c, fmt.Errorf("finding %q is not a number", v)
		}
		c.Drop = append(c.Drop, id)
	}
	for _, line := range strings.Split(form.Get("add"), "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		r, err := ParseBox(line)
		if err != nil {
			return c, err
		}
		c.Add = append(c.Add, r)
	}
	return c, nil
}

// ParseBox reads a box written x,y,w,h in upright pixels.
func ParseBox(s string) (image.Rectangle, error) {
	parts := strings.Split(s, ",")
	if len(parts) != 4 {
		return image.Rectangle{}, fmt.Errorf("box %q: want x,y,w,h", s)
	}
	var v [4]int
	for i, p := range parts {
		n, err := strconv.Atoi(strings.TrimSpace(p))
		if err != nil || n < 0 {
			return image.Rectangle{}, fmt.Errorf("box %q: want four whole numbers x,y,w,h", s)
		}
		v[i] = n
	}
	if v[2] == 0 || v[3] == 0 {
		return image.Rectangle{}, fmt.Errorf("box %q: an empty box", s)
	}
	return image.Rect(v[0], v[1], v[0]+v[2], v[1]+v[3]), nil
}

func (s *Server) approve(w http.ResponseWriter, r *http.Request) {
	_, im, err := s.image(r)
	if err != nil {
		http.Error(w, err.Error(), http.StatusNotFound)
		return
	}
	c, err := choices(r.PostForm)
	if err == nil {
		s.mu.Lock()
		_, err = Approve(s.dir, im.Source, c, s.opts)
		s.mu.Unlock()
	}
	if err != nil {
		s.photoPage(w, r, http.StatusUnprocessableEntity, err.Error(), "")
		return
	}
	s.redirect(w, r, "approved")
}

func (s *Server) reject(w http.ResponseWriter, r *http.Request) {
	_, im, err := s.image(r)
	if err != nil {
		http.Error(w, err.Error(), http.StatusNotFound)
		return
	}
	s.mu.Lock()
	err = Reject(s.dir, im.Source, r.PostFormValue("by"), r.PostFormValue("reason"), s.opts)
	s.mu.Unlock()
	if err != nil {
		s.photoPage(w, r, http.StatusUnprocessableEntity, err.Error(), "")
		return
	}
	s.redirect(w, r, "rejected")
}

// redirect sends the browser back to the photo's page after a POST, so
// that reloading it does not sign off twice.
func (s *Server) redirect(w http.ResponseWriter, r *http.Request, done string) {
	q := url.Values{"token": {s.token}, "done": {done}}
	http.Redirect(w, r, "/photo/"+r.PathValue("id")+"?"+q.Encode(), http.StatusSeeOther)
}

func (s *Server) render(w http.ResponseWriter, status int, name string, data any) {
	var buf bytes.Buffer
	if err := pages.ExecuteTemplate(&buf, name, data); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}
