package vision

import (
	"errors"
	"fmt"
	"sync"
	"unsafe"

	onnxruntime "github.com/yalue/onnxruntime_go"
	"gocv.io/x/gocv"
)

// The two networks, BlazeFace and the text detector, run on ONNX Runtime
// when its library is installed (package models), else on OpenCV's dnn;
// both compute the same within float rounding, ONNX Runtime about twice
// as fast on one core. Nothing here is safe for concurrent use.

// blazeNet runs the BlazeFace network on one tile: a forward pass takes
// 5.1-5.5 ms on ONNX Runtime and 12.6 ms on OpenCV's dnn, one core.
type blazeNet interface {
	// input is the tile, NHWC [1,256,256,3], to fill before run.
	input() []float32
	// run returns the outputs, in blazeOutputs' order: scores at the
	// 16 and 8 cell grids, then their regressions. They are valid until
	// the next run.
	run() ([4][]float32, error)
	Close() error
}

var blazeOutputs = []string{"Identity:0", "Identity_1:0", "Identity_2:0", "Identity_3:0"}

// blazeOutputShapes are the outputs' shapes, as the graph declares them.
var blazeOutputShapes = [4][3]int64{{1, 512, 1}, {1, 384, 1}, {1, 512, 16}, {1, 384, 16}}

// dnnNet runs the network with OpenCV's dnn module.
type dnnNet struct {
	net  gocv.Net
	blob gocv.Mat
	in   []float32
	outs [4][]float32
}

func newDNNNet(path string) (*dnnNet, error) {
	net := gocv.ReadNetFromONNX(path)
	if net.Empty() {
		net.Close()
		return nil, fmt.Errorf("OpenCV could not read it")
	}
	blob := gocv.NewMatWithSizes([]int{1, blazeSize, blazeSize, 3}, gocv.MatTypeCV32F)
	in, err := blob.DataPtrFloat32()
	if err != nil {
		blob.Close()
		net.Close()
		return nil, err
	}
	return &dnnNet{net: net, blob: blob, in: in}, nil
}

func (n *dnnNet) input() []float32 { return n.in }

func (n *dnnNet) run() ([4][]float32, error) {
	n.net.SetInput(n.blob, "")
	outs := n.net.ForwardLayers(blazeOutputs)
	defer func() {
		for _, o := range outs {
			o.Close()
		}
	}()
	if len(outs) != len(n.outs) {
		return n.outs, fmt.Errorf("%d outputs, want %d", len(outs), len(n.outs))
	}
	for i, o := range outs {
		d, err := o.DataPtrFloat32()
		if err != nil {
			return n.outs, fmt.Errorf("output %s: %w", blazeOutputs[i], err)
		}
		n.outs[i] = append(n.outs[i][:0], d...)
	}
	return n.outs, nil
}

func (n *dnnNet) Close() error {
	return errors.Join(n.blob.Close(), n.net.Close())
}

// onnxRuntime is the process's one ONNX Runtime environment: the library
// is loaded once, from the first verified path asked for.
var onnxRuntime struct {
	once sync.Once
	err  error
}

func startOnnxRuntime(lib string) error {
	onnxRuntime.once.Do(func() {
		onnxruntime.SetSharedLibraryPath(lib)
		if err := onnxruntime.InitializeEnvironment(onnxruntime.WithLogLevelError()); err != nil {
			onnxRuntime.err = fmt.Errorf("vision: ONNX Runtime %q: %w", lib, err)
		}
	})
	return onnxRuntime.err
}

// oneThread returns session options for one thread: a worker is one
// core's worth of work, and the pipeline runs one worker per core. ONNX
// Runtime's memory pattern is off: on a new session the text detector's
// second look took 0.72 s with it, 0.39 s without, and later looks the
// same (0.26-0.29 s); BlazeFace's crowd benchmark 0.76-0.81 -> 0.73-0.77
// s.
func oneThread() (*onnxruntime.SessionOptions, error) {
	opts, err := onnxruntime.NewSessionOptions()
	if err != nil {
		return nil, err
	}
	if err := opts.SetIntraOpNumThreads(1); err != nil {
		opts.Destroy()
		return nil, err
	}
	if err := opts.SetInterOpNumThreads(1); err != nil {
		opts.Destroy()
		return nil, err
	}
	if err := opts.SetMemPattern(false); err != nil {
		opts.Destroy()
		return nil, err
	}
	return opts, nil
}

// ortNet runs the network with ONNX Runtime on one thread.
type ortNet struct {
	session *onnxruntime.AdvancedSession
	in      *onnxruntime.Tensor[float32]
	outs    [4]*onnxruntime.Tensor[float32]
}

func newORTNet(path, lib string) (n *ortNet, err error) {
	if err := startOnnxRuntime(lib); err != nil {
		return nil, err
	}
	n = &ortNet{}
	defer func() {
		if err != nil {
			n.Close()
		}
	}()
	if n.in, err = onnxruntime.NewEmptyTensor[float32](onnxruntime.NewShape(1, blazeSize, blazeSize, 3)); err != nil {
		return nil, err
	}
	outs := make([]onnxruntime.Value, len(n.outs))
	for i, s := range blazeOutputShapes {
		if n.outs[i], err = onnxruntime.NewEmptyTensor[float32](onnxruntime.NewShape(s[:]...)); err != nil {
			return nil, err
		}
		outs[i] = n.outs[i]
	}
	opts, err := oneThread()
	if err != nil {
		return nil, err
	}
	defer opts.Destroy()
	n.session, err = onnxruntime.NewAdvancedSession(path, []string{"input:0"}, blazeOutputs,
		[]onnxruntime.Value{n.in}, outs, opts)
	return n, err
}

func (n *ortNet) input() []float32 { return n.in.GetData() }

func (n *ortNet) run() ([4][]float32, error) {
	var outs [4][]float32
	if err := n.session.Run(); err != nil {
		return outs, err
	}
	for i, o := range n.outs {
		outs[i] = o.GetData()
	}
	return outs, nil
}

func (n *ortNet) Close() error {
	var errs []error
	if n.session != nil {
		errs = append(errs, n.session.Destroy())
	}
	if n.in != nil {
		errs = append(errs, n.in.Destroy())
	}
	for _, o := range n.outs {
		if o != nil {
			errs = append(errs, o.Destroy())
		}
	}
	return errors.Join(errs...)
}

// textNet runs the text detector at one input side.
type textNet interface {
	// run returns the probability map of blob, NCHW [1,3,side,side],
	// as a side x side float Mat, valid until the next run.
	run(blob gocv.Mat, side int) (gocv.Mat, error)
	Close() error
}

// dnnTextNet runs the text detector with OpenCV's dnn module.
type dnnTextNet struct{ net gocv.Net }

func newDNNTextNet(path string) (*dnnTextNet, error) {
	net := gocv.ReadNetFromONNX(path)
	if net.Empty() {
		net.Close()
		return nil, fmt.Errorf("OpenCV could not read it")
	}
	return &dnnTextNet{net: net}, nil
}

func (n *dnnTextNet) run(blob gocv.Mat, side int) (gocv.Mat, error) {
	n.net.SetInput(blob, "")
	out := n.net.Forward("")
	defer out.Close()
	if sz := out.Size(); len(sz) != 4 || sz[1] != 1 || sz[2] != side || sz[3] != side {
		return gocv.Mat{}, fmt.Errorf("output shape %v, want [1 1 %d %d]", sz, side, side)
	}
	// The map as a side x side Mat over the same data, not a copy.
	return out.Reshape(1, side), nil
}

func (n *dnnTextNet) Close() error { return n.net.Close() }

// ortTextNet runs the text detector with ONNX Runtime, on one thread, for
// inputs of one side.
type ortTextNet struct {
	session *onnxruntime.AdvancedSession
	in, out *onnxruntime.Tensor[float32]
}

func newORTTextNet(path, lib string, side int) (n *ortTextNet, err error) {
	if err := startOnnxRuntime(lib); err != nil {
		return nil, err
	}
	n = &ortTextNet{}
	defer func() {
		if err != nil {
			n.Close()
		}
	}()
	s := int64(side)
	if n.in, err = onnxruntime.NewEmptyTensor[float32](onnxruntime.NewShape(1, 3, s, s)); err != nil {
		return nil, err
	}
	if n.out, err = onnxruntime.NewEmptyTensor[float32](onnxruntime.NewShape(1, 1, s, s)); err != nil {
		return nil, err
	}
	opts, err := oneThread()
	if err != nil {
		return nil, err
	}
	defer opts.Destroy()
	n.session, err = onnxruntime.NewAdvancedSession(path, []string{"x"}, []string{"sigmoid_0.tmp_0"},
		[]onnxruntime.Value{n.in}, []onnxruntime.Value{n.out}, opts)
	return n, err
}

func (n *ortTextNet) run(blob gocv.Mat, side int) (gocv.Mat, error) {
	src, err := blob.DataPtrFloat32()
	if err != nil {
		return gocv.Mat{}, err
	}
	if len(src) != len(n.in.GetData()) {
		return gocv.Mat{}, fmt.Errorf("input of %d floats, want %d", len(src), len(n.in.GetData()))
	}
	copy(n.in.GetData(), src)
	if err := n.session.Run(); err != nil {
		return gocv.Mat{}, err
	}
	// A view of the output tensor's floats, not a copy.
	out := n.out.GetData()
	return gocv.NewMatFromBytes(side, side, gocv.MatTypeCV32F, unsafe.Slice((*byte)(unsafe.Pointer(&out[0])), 4*len(out)))
}

func (n *ortTextNet) Close() error {
	var errs []error
	if n.session != nil {
		errs = append(errs, n.session.Destroy())
	}
	for _, t := range []*onnxruntime.Tensor[float32]{n.in, n.out} {
		if t != nil {
			errs = append(errs, t.Destroy())
		}
	}
	return errors.Join(errs...)
}
