package main

import (
	"os"
	"runtime"
	"runtime/debug"
)

// workerHeap is the Go heap a worker is budgeted: what one photo at the
// pixel limit (100 MP) keeps alive in Go (measured: 0.79 GB live, the
// decoded frame, its safe copy and the verify look's), with room to
// collect. Go's collector otherwise lets the heap grow to twice what is
// live before it runs: a 99.9 MP photo peaked at 2.8 GB of memory with one
// worker; with this limit, 1.7 GB (the rest is OpenCV's, Tesseract's and
// ONNX Runtime's, about 0.7 GB at that size) at the same speed. A 12 MP
// photo stays well under it.
const workerHeap = 1 << 30

// setMemoryBudget tells Go's collector to keep the heap under workers
// times workerHeap, unless GOMEMLIMIT says otherwise. It is a soft limit:
// the collector works harder near it rather than fail.
func setMemoryBudget(workers int) {
	if _, set := os.LookupEnv("GOMEMLIMIT"); set {
		return
	}
	if workers <= 0 {
		workers = runtime.NumCPU()
	}
	debug.SetMemoryLimit(int64(workers) * workerHeap)
}
