package main

import (
	"os"
	"runtime/debug"
	"testing"
)

// The heap limit is a worker's budget times the workers, unless
// GOMEMLIMIT is set.
func TestMemoryBudget(t *testing.T) {
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(-1))
	if v, set := os.LookupEnv("GOMEMLIMIT"); set {
		defer os.Setenv("GOMEMLIMIT", v)
	}
	os.Unsetenv("GOMEMLIMIT")
	setMemoryBudget(3)
	if got := debug.SetMemoryLimit(-1); got != 3*workerHeap {
		t.Errorf("3 workers: limit %d, want %d", got, 3*workerHeap)
	}
	t.Setenv("GOMEMLIMIT", "500MiB")
	debug.SetMemoryLimit(12345 << 20)
	setMemoryBudget(3)
	if got := debug.SetMemoryLimit(-1); got != 12345<<20 {
		t.Errorf("with GOMEMLIMIT set: limit %d, want it left as it was", got)
	}
}
