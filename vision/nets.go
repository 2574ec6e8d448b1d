package vision

import (
	"errors"
	"fmt"
	"sync"

	onnxruntime "github.com/yalue/onnxruntime_go"
	"gocv.io/x/gocv"
)

// blazeNet runs the BlazeFace network on one tile. Two runtimes can:
// ONNX Runtime, when its library is installed (a forward pass 5.1-5.5 ms
// on one core), and OpenCV's dnn (12.6 ms). Not safe for concurrent use.
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

// ortNet runs the network with ONNX Runtime on one thread (a worker is
// one core's worth of work; the pipeline runs one per core).
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
	opts, err := onnxruntime.NewSessionOptions()
	if err != nil {
		return nil, err
	}
	defer opts.Destroy()
	if err := opts.SetIntraOpNumThreads(1); err != nil {
		return nil, err
	}
	if err := opts.SetInterOpNumThreads(1); err != nil {
		return nil, err
	}
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
