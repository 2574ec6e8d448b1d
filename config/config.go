// Package config owns the YAML configuration file: the policy, the
// practice's allow and deny lists, and every detector's thresholds. It
// starts from the documented defaults; the file overrides them and flags
// override the file.
package config

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"gopkg.in/yaml.v3"

	"photoaudit/blur"
	"photoaudit/ocr"
	"photoaudit/photo"
	"photoaudit/risk"
	"photoaudit/vision"
)

// Config is the whole configuration.
type Config struct {
	// Workers is how many photos to audit at once (0: one per CPU).
	Workers int            `yaml:"workers" json:"workers"`
	Policy  risk.Policy    `yaml:"policy" json:"policy"`
	Redact  blur.Options   `yaml:"redact" json:"redact"`
	Photo   photo.Options  `yaml:"photo" json:"photo"`
	Faces   vision.Options `yaml:"faces" json:"faces"`
	// Surfaces tunes the detector of screens, papers, boards, badges and
	// wristbands.
	Surfaces vision.SurfaceOptions `yaml:"surfaces" json:"surfaces"`
	OCR      ocr.Options           `yaml:"ocr" json:"ocr"`
	// Allow and Deny are names (or any phrases) matched in OCR text
	// tolerant of errors: allowed ones (the practice, its staff) are not
	// identifiers; denied ones (today's roster) always are.
	Allow []string `yaml:"allow" json:"-"`
	Deny  []string `yaml:"deny" json:"-"`
	// AllowFile and DenyFile name files with one phrase per line, relative
	// to the config file; # starts a comment.
	AllowFile string `yaml:"allow_file" json:"allow_file,omitempty"`
	DenyFile  string `yaml:"deny_file" json:"deny_file,omitempty"`
	// Staff is the roster: each entry's name, consent reference and
	// policy for a badge that shows it (keep, or redact as a patient's).
	Staff []ocr.Staff `yaml:"staff" json:"-"`
	// Counts for the report, so that lists are not copied into it.
	AllowCount int `yaml:"-" json:"allow_entries"`
	DenyCount  int `yaml:"-" json:"deny_entries"`
	StaffCount int `yaml:"-" json:"staff_entries"`
}

// Default returns the documented defaults.
func Default() Config {
	return Config{
		Policy:   risk.DefaultPolicy(),
		Redact:   blur.DefaultOptions(),
		Photo:    photo.DefaultOptions(),
		Faces:    vision.DefaultOptions(),
		Surfaces: vision.DefaultSurfaceOptions(),
		OCR:      ocr.DefaultOptions(),
	}
}

// Load reads a config file over the defaults. Unknown keys are errors: a
// misspelt threshold must not silently fall back to its default.
func Load(path string) (Config, error) {
	c := Default()
	data, err := os.ReadFile(path)
	if err != nil {
		return c, fmt.Errorf("config: %w", err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&c); err != nil && err.Error() != "EOF" {
		return c, fmt.Errorf("config: %s: %w", path, err)
	}
	dir := filepath.Dir(path)
	for _, l := range []struct {
		file string
		into *[]string
	}{{c.AllowFile, &c.Allow}, {c.DenyFile, &c.Deny}} {
		if l.file == "" {
			continue
		}
		p := l.file
		if !filepath.IsAbs(p) {
			p = filepath.Join(dir, p)
		}
		entries, err := readList(p)
		if err != nil {
			return c, err
		}
		*l.into = append(*l.into, entries...)
	}
	return c, c.Validate()
}

// Validate checks values a run cannot work with.
func (c *Config) Validate() error {
	if _, err := blur.ParseMethod(string(c.Redact.Method)); err != nil {
		return fmt.Errorf("config: redact.method: %w", err)
	}
	if c.Policy.ReviewAt <= 0 || c.Policy.BlockAt < c.Policy.ReviewAt || c.Policy.BlockAt > 100 {
		return fmt.Errorf("config: policy: need 0 < review_at (%d) <= block_at (%d) <= 100", c.Policy.ReviewAt, c.Policy.BlockAt)
	}
	if c.Photo.MaxPixels <= 0 {
		return fmt.Errorf("config: photo.max_pixels must be positive")
	}
	if c.Workers < 0 {
		return fmt.Errorf("config: workers must not be negative")
	}
	for i, s := range c.Staff {
		switch {
		case strings.TrimSpace(s.Name) == "":
			return fmt.Errorf("config: staff entry %d has no name", i+1)
		case s.Policy != "" && s.Policy != "keep" && s.Policy != "redact":
			return fmt.Errorf("config: staff entry %d (%s): policy %q, want keep or redact", i+1, s.Name, s.Policy)
		case s.Policy == "keep" && strings.TrimSpace(s.Consent) == "":
			return fmt.Errorf("config: staff entry %d (%s) is kept visible without a consent reference", i+1, s.Name)
		}
	}
	c.AllowCount, c.DenyCount, c.StaffCount = len(c.Allow), len(c.Deny), len(c.Staff)
	return nil
}

// Lists returns the allow and deny lists and the roster for the
// classifier.
func (c Config) Lists() ocr.Lists { return ocr.Lists{Allow: c.Allow, Deny: c.Deny, Staff: c.Staff} }

func readList(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	defer f.Close()
	var out []string
	s := bufio.NewScanner(f)
	for s.Scan() {
		line := s.Text()
		if i := strings.Index(line, "#"); i >= 0 {
			line = line[:i]
		}
		if line = strings.TrimSpace(line); line != "" {
			out = append(out, line)
		}
	}
	if err := s.Err(); err != nil {
		return nil, fmt.Errorf("config: read %s: %w", path, err)
	}
	return out, nil
}
