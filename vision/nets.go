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

// dnnBlazeNet runs BlazeFace with OpenCV's dnn module.
type dnnBlazeNet struct {
	net  gocv.Net
	blob gocv.Mat
	in   []float32
	outs [4][]float32
}

func newDNNBlazeNet(path string) (*dnnBlazeNet, error) {
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
	return &dnnBlazeNet{net: net, blob: blob, in: in}, nil
}

func (n *dnnBlazeNet) input() []float32 { return n.in }

func (n *dnnBlazeNet) run() ([4][]float32, error) {
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

func (n *dnnBlazeNet) Close() error {
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
			return
		}
		if err := shareArena(); err != nil {
			onnxRuntime.err = fmt.Errorf("vision: ONNX Runtime %q: shared arena: %w", lib, err)
		}
	})
	return onnxRuntime.err
}

// shareArena gives the environment one CPU arena, which every session
// uses (ortOptions). By default each session keeps an arena of its own,
// sized by the largest activations it ever held: four networks' peaks,
// summed, though a worker runs one network at a time. Shared, the peak
// is the largest of them. Bench, one core, four photos run in turn
// with each, ONNX Runtime's defaults for the arena either way: a busy
// 12 MP composite's peak 714-724 -> 642-652 MiB, the other three 12-160
// MiB lower from run to run, times the same within noise, findings the
// same. Two workers share it too; the arena takes a lock per allocation.
func shareArena() error {
	info, err := onnxruntime.GetMemoryInfo()
	if err != nil {
		return err
	}
	cfg, err := onnxruntime.NewArenaCfg(0, -1, -1, -1) // ONNX Runtime's defaults
	if err != nil {
		return err
	}
	defer cfg.Destroy()
	return onnxruntime.CreateAndRegisterAllocator(info, cfg)
}

// ortSession is an ONNX Runtime session bound to float tensors of fixed
// shapes, one input and its outputs, run on one thread: a worker is one
// core's worth of work, and the pipeline runs one worker per core. Its
// memory pattern is off: on a new session the text detector's second
// look took 0.72 s with it, 0.39 s without, and later looks the same
// (0.26-0.29 s); BlazeFace's crowd benchmark 0.76-0.81 -> 0.73-0.77 s.
type ortSession struct {
	session *onnxruntime.AdvancedSession
	in      *onnxruntime.Tensor[float32]
	outs    []*onnxruntime.Tensor[float32]
}

func newORTSession(path, lib, inName string, inShape []int64, outNames []string, outShapes [][]int64) (s *ortSession, err error) {
	if err := startOnnxRuntime(lib); err != nil {
		return nil, err
	}
	s = &ortSession{}
	defer func() {
		if err != nil {
			s.Close()
		}
	}()
	if s.in, err = onnxruntime.NewEmptyTensor[float32](onnxruntime.NewShape(inShape...)); err != nil {
		return nil, err
	}
	outs := make([]onnxruntime.Value, len(outShapes))
	for i, shape := range outShapes {
		t, err := onnxruntime.NewEmptyTensor[float32](onnxruntime.NewShape(shape...))
		if err != nil {
			return nil, err
		}
		s.outs, outs[i] = append(s.outs, t), t
	}
	opts, err := ortOptions()
	if err != nil {
		return nil, err
	}
	defer opts.Destroy()
	s.session, err = onnxruntime.NewAdvancedSession(path, []string{inName}, outNames, []onnxruntime.Value{s.in}, outs, opts)
	return s, err
}

// ortOptions are the options every session here runs with (ortSession).
func ortOptions() (*onnxruntime.SessionOptions, error) {
	opts, err := onnxruntime.NewSessionOptions()
	if err != nil {
		return nil, err
	}
	if err := errors.Join(opts.SetIntraOpNumThreads(1), opts.SetInterOpNumThreads(1), opts.SetMemPattern(false),
		opts.AddSessionConfigEntry("session.use_env_allocators", "1")); err != nil {
		opts.Destroy()
		return nil, err
	}
	return opts, nil
}

func (s *ortSession) Close() error {
	var errs []error
	if s.session != nil {
		errs = append(errs, s.session.Destroy())
	}
	if s.in != nil {
		errs = append(errs, s.in.Destroy())
	}
	for _, t := range s.outs {
		errs = append(errs, t.Destroy())
	}
	return errors.Join(errs...)
}

// ortBlazeNet runs BlazeFace with ONNX Runtime.
type ortBlazeNet struct{ *ortSession }

func newORTBlazeNet(path, lib string) (*ortBlazeNet, error) {
	shapes := make([][]int64, len(blazeOutputShapes))
	for i := range blazeOutputShapes {
		shapes[i] = blazeOutputShapes[i][:]
	}
	s, err := newORTSession(path, lib, "input:0", []int64{1, blazeSize, blazeSize, 3}, blazeOutputs, shapes)
	if err != nil {
		return nil, err
	}
	return &ortBlazeNet{s}, nil
}

func (n *ortBlazeNet) input() []float32 { return n.in.GetData() }

func (n *ortBlazeNet) run() ([4][]float32, error) {
	var outs [4][]float32
	if err := n.session.Run(); err != nil {
		return outs, err
	}
	for i, o := range n.outs {
		outs[i] = o.GetData()
	}
	return outs, nil
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

// ortTextNet runs the text detector with ONNX Runtime on inputs of every
// side, one session for them all: a session bound to one side each kept
// an arena of activations each.
type ortTextNet struct {
	session *onnxruntime.DynamicAdvancedSession
	out     onnxruntime.Value // the last run's, freed at the next
}

func newORTTextNet(path, lib string) (*ortTextNet, error) {
	s, err := newDynamicSession(path, lib, "x", "sigmoid_0.tmp_0")
	if err != nil {
		return nil, err
	}
	return &ortTextNet{session: s}, nil
}

// newDynamicSession is a session of the network at path, one input and
// one output, that takes tensors of any shape at each run, with the
// options every session here has (ortOptions).
func newDynamicSession(path, lib, in, out string) (*onnxruntime.DynamicAdvancedSession, error) {
	if err := startOnnxRuntime(lib); err != nil {
		return nil, err
	}
	opts, err := ortOptions()
	if err != nil {
		return nil, err
	}
	defer opts.Destroy()
	return onnxruntime.NewDynamicAdvancedSession(path, []string{in}, []string{out}, opts)
}

func (n *ortTextNet) run(blob gocv.Mat, side int) (gocv.Mat, error) {
	src, err := blob.DataPtrFloat32()
	if err != nil {
		return gocv.Mat{}, err
	}
	if len(src) != 3*side*side {
		return gocv.Mat{}, fmt.Errorf("input of %d floats, want %d", len(src), 3*side*side)
	}
	s := int64(side)
	in, err := onnxruntime.NewTensor(onnxruntime.NewShape(1, 3, s, s), src)
	if err != nil {
		return gocv.Mat{}, err
	}
	defer in.Destroy()
	if n.out != nil {
		n.out.Destroy()
		n.out = nil
	}
	outs := []onnxruntime.Value{nil}
	if err := n.session.Run([]onnxruntime.Value{in}, outs); err != nil {
		return gocv.Mat{}, err
	}
	n.out = outs[0]
	t, ok := outs[0].(*onnxruntime.Tensor[float32])
	if !ok {
		return gocv.Mat{}, fmt.Errorf("output is %T, want float tensor", outs[0])
	}
	if sh := t.GetShape(); len(sh) != 4 || sh[1] != 1 || sh[2] != s || sh[3] != s {
		return gocv.Mat{}, fmt.Errorf("output shape %v, want [1 1 %d %d]", sh, side, side)
	}
	// A view of the output tensor's floats, not a copy.
	out := t.GetData()
	return gocv.NewMatFromBytes(side, side, gocv.MatTypeCV32F, unsafe.Slice((*byte)(unsafe.Pointer(&out[0])), 4*len(out)))
}

func (n *ortTextNet) Close() error {
	var errs []error
	if n.out != nil {
		errs = append(errs, n.out.Destroy())
	}
	if n.session != nil {
		errs = append(errs, n.session.Destroy())
	}
	return errors.Join(errs...)
}
