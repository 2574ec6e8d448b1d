package pipeline

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
)

// ShardSpec is "I/N": the I-th (1-based) of N shares of the inputs.
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

// Shard keeps the inputs that fall to spec: by the SHA-256 of the file's
// contents, so that the same library split N ways gives the same shares
// on every machine whatever the paths look like there, and copies of one
// photo fall to the same shard. Inputs that cannot be read go by their
// name, so each is reported by exactly one shard.
func Shard(inputs []Input, spec ShardSpec) []Input {
	if spec.N <= 1 {
		return inputs
	}
	var out []Input
	for _, in := range inputs {
		if shardOf(in, spec.N) == spec.I-1 {
			out = append(out, in)
		}
	}
	return out
}

func shardOf(in Input, n int) int {
	var sum []byte
	if in.Err == nil {
		if h, err := HashFile(in.Path); err == nil {
			sum, _ = hex.DecodeString(h)
		}
	}
	if len(sum) < 8 {
		h := sha256.Sum256([]byte(in.Rel))
		sum = h[:]
	}
	return int(binary.BigEndian.Uint64(sum[:8]) % uint64(n))
}

// HashFile returns the SHA-256 of the file at path, in hex: the content
// key of sharding and of the watch store.
func HashFile(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
