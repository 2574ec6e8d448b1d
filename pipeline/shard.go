package pipeline

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"io"
	"os"

	"photoaudit/report"
)

// Shard keeps the inputs that fall to spec: by the SHA-256 of the file's
// contents, so that the same library split N ways gives the same shares
// on every machine whatever the paths look like there, and copies of one
// photo fall to the same shard. Inputs that cannot be read go by their
// name, so each is reported by exactly one shard.
func Shard(inputs []Input, spec report.ShardSpec) []Input {
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
