package report

import "testing"

func TestParseShard(t *testing.T) {
	for s, ok := range map[string]bool{"1/1": true, "2/8": true, "8/8": true, "0/8": false, "9/8": false, "a/b": false, "3": false, "1/0": false} {
		if _, err := ParseShard(s); (err == nil) != ok {
			t.Errorf("ParseShard(%q) error %v", s, err)
		}
	}
}
