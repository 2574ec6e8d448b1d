package report

import (
	"fmt"
	"strconv"
	"strings"
)

// ShardSpec is "I/N": the I-th (1-based) of N shares of a run's inputs.
// A sharded run's report carries it in its Shard field.
type ShardSpec struct{ I, N int }

// ParseShard reads "I/N" with 1 <= I <= N.
func ParseShard(s string) (ShardSpec, error) {
	a, b, ok := strings.Cut(s, "/")
	i, err1 := strconv.Atoi(a)
	n, err2 := strconv.Atoi(b)
	if !ok || err1 != nil || err2 != nil || n < 1 || i < 1 || i > n {
		return ShardSpec{}, fmt.Errorf("shard %q: want I/N with 1 <= I <= N, e.g. 2/8", s)
	}
	return ShardSpec{I: i, N: n}, nil
}

// String is the spec as ParseShard reads it.
func (s ShardSpec) String() string { return fmt.Sprintf("%d/%d", s.I, s.N) }
