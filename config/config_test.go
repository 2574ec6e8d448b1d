package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLoadExample(t *testing.T) {
	c, err := Load(filepath.Join("..", "photoaudit.example.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	d := Default()
	if c.Policy.BlockAt != d.Policy.BlockAt || c.Faces.MinFace != d.Faces.MinFace {
		t.Errorf("example config changes defaults: %+v", c.Policy)
	}
	if len(c.Allow) != 2 || c.AllowCount != 2 {
		t.Errorf("allow list %v", c.Allow)
	}
	if l := c.Lists(); len(l.Staff) != 2 || !l.Staff[0].Keeps() || l.Staff[1].Keeps() || c.StaffCount != 2 {
		t.Errorf("staff roster %+v", l.Staff)
	}
	// Keys left out keep their defaults, including weights not listed.
	if c.Policy.Weights["ssn"] != d.Policy.Weights["ssn"] {
		t.Errorf("ssn weight %v, want default %v", c.Policy.Weights["ssn"], d.Policy.Weights["ssn"])
	}
}

func TestLoadErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(body), 0o644)
		return p
	}
	write("roster.txt", "# today's patients\nRobert Taylor\n\nMaria Gonzalez  # 10:30\n")
	ok := write("ok.yaml", "deny_file: roster.txt\nredact:\n  method: pixelate\n")
	c, err := Load(ok)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(c.Deny, "|") != "Robert Taylor|Maria Gonzalez" || c.Redact.Method != "pixelate" {
		t.Errorf("deny %q, method %q", c.Deny, c.Redact.Method)
	}
	for name, body := range map[string]string{
		"typo.yaml":    "policy:\n  bock_at: 40\n",
		"method.yaml":  "redact:\n  method: smudge\n",
		"order.yaml":   "policy:\n  review_at: 60\n  block_at: 40\n",
		"missing.yaml": "allow_file: nowhere.txt\n",
		"consent.yaml": "staff:\n  - {name: Amelia Hart, policy: keep}\n",
		"policy.yaml":  "staff:\n  - {name: Amelia Hart, consent: S-1, policy: show}\n",
		"noname.yaml":  "staff:\n  - {consent: S-1, policy: keep}\n",
	} {
		if _, err := Load(write(name, body)); err == nil {
			t.Errorf("%s: loaded without error", name)
		} else if !strings.HasPrefix(err.Error(), "config: ") {
			t.Errorf("%s: error %q lacks the package prefix", name, err)
		}
	}
}
