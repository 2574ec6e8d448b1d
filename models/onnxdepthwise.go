package models

import (
	"encoding/binary"
	"fmt"

	"google.golang.org/protobuf/encoding/protowire"
)

// narrowWidth is the output width below which OpenCV 4.6 runs a 3x3
// depthwise convolution several times slower than at wider outputs:
// measured on one core, 96 channels, 16x16 took 0.29 ms, 16x17 0.34 ms,
// 18x18 0.042 ms and 16x24 0.043 ms.
const narrowWidth = 18

// WidenNarrowDepthwise rewrites each 3x3, stride 1, "same"-padded grouped
// convolution of model whose output is narrower than narrowWidth, for an
// input of inputSize x inputSize, to pad its input wider on the right and
// slice the extra columns off its output. The result is the same numbers:
// the added columns are computed from zero padding and dropped, and the
// kept ones see exactly the padding they saw before.
//
// Widths are followed through the graph from its first input: Conv and
// MaxPool change them by their kernel, stride and pads; other nodes keep
// their first input's.
//
// ONNX field numbers beyond ClipToAttributes': GraphProto.input 11;
// AttributeProto.ints 8, .type 20 (INTS = 7).
func WidenNarrowDepthwise(model []byte, inputSize int) (out []byte, changed int, err error) {
	graph, err := field(model, 7)
	if err != nil {
		return nil, 0, fmt.Errorf("onnx: no graph: %w", err)
	}
	input := ""
	eachField(graph, func(num protowire.Number, typ protowire.Type, v []byte) error {
		if num == 11 && typ == protowire.BytesType && input == "" {
			input = str(v, 1)
		}
		return nil
	})
	width := map[string]int{input: inputSize}
	var inits [][]byte
	var rewritten []byte
	err = eachField(graph, func(num protowire.Number, typ protowire.Type, v []byte) error {
		if num != 1 || typ != protowire.BytesType {
			rewritten = appendField(rewritten, num, typ, v)
			return nil
		}
		ins, outs, op := strs(v, 1), strs(v, 2), str(v, 4)
		w, known := 0, false
		if len(ins) > 0 {
			w, known = width[ins[0]]
		}
		if known && (op == "Conv" || op == "MaxPool") {
			k, s, p := intsAttr(v, "kernel_shape"), intsAttr(v, "strides"), intsAttr(v, "pads")
			if len(k) != 2 || (s != nil && len(s) != 2) || (p != nil && len(p) != 4) {
				known = false
			} else {
				stride := int64(1)
				if s != nil {
					stride = s[1]
				}
				var before, after int64
				if p != nil {
					before, after = p[1], p[3]
				}
				w = int((int64(w)+before+after-k[1])/stride) + 1
				if op == "Conv" && intAttr(v, "group") > 1 && k[0] == 3 && k[1] == 3 && stride == 1 &&
					before == 1 && after == 1 && p[0] == 1 && p[2] == 1 && w < narrowWidth && len(outs) == 1 {
					conv, slice, consts := widen(v, outs[0], w)
					rewritten = appendField(rewritten, 1, protowire.BytesType, conv)
					inits = append(inits, consts...)
					v = slice
					changed++
				}
			}
		}
		if known {
			for _, o := range outs {
				width[o] = w
			}
		}
		rewritten = appendField(rewritten, 1, protowire.BytesType, v)
		return nil
	})
	if err != nil {
		return nil, 0, err
	}
	for _, t := range inits {
		rewritten = appendField(rewritten, 5, protowire.BytesType, t)
	}
	out, _, err = rewriteMessages(model, 7, func([]byte) ([]byte, bool, error) { return rewritten, true, nil })
	return out, changed, err
}

// widen returns the depthwise Conv node whose output, w px wide, is
// output, padded to narrowWidth and renamed; the Slice node that cuts its
// first w columns back into output; and the Slice's constant inputs.
func widen(node []byte, output string, w int) (conv, slice []byte, consts [][]byte) {
	wide := output + "_wide"
	conv = widenConv(node, wide, int64(1+narrowWidth-w))
	starts, ends, axes := output+"_starts", output+"_ends", output+"_axes"
	consts = [][]byte{int64TensorBytes(starts, []int64{0}),
		int64TensorBytes(ends, []int64{int64(w)}), int64TensorBytes(axes, []int64{3})}
	for _, in := range []string{wide, starts, ends, axes} {
		slice = appendField(slice, 1, protowire.BytesType, []byte(in))
	}
	slice = appendField(slice, 2, protowire.BytesType, []byte(output))
	slice = appendField(slice, 3, protowire.BytesType, []byte(output))
	slice = appendField(slice, 4, protowire.BytesType, []byte("Slice"))
	return conv, slice, consts
}

// widenConv returns the Conv node with its output renamed to output and
// its right padding set to right.
func widenConv(node []byte, output string, right int64) []byte {
	var out []byte
	eachField(node, func(num protowire.Number, typ protowire.Type, v []byte) error {
		switch {
		case num == 2 && typ == protowire.BytesType:
			v = []byte(output)
		case num == 5 && typ == protowire.BytesType && str(v, 1) == "pads":
			var attr []byte
			attr = appendField(attr, 1, protowire.BytesType, []byte("pads"))
			for _, p := range []int64{1, 1, 1, right} {
				attr = protowire.AppendTag(attr, 8, protowire.VarintType)
				attr = protowire.AppendVarint(attr, uint64(p))
			}
			attr = protowire.AppendTag(attr, 20, protowire.VarintType)
			v = protowire.AppendVarint(attr, 7) // INTS
		}
		out = appendField(out, num, typ, v)
		return nil
	})
	return out
}

// intsAttr returns node's integer list attribute name, or nil.
func intsAttr(node []byte, name string) []int64 { return attrInts(node, name, 8) }

// intAttr returns node's integer attribute name, or -1 when it has none.
func intAttr(node []byte, name string) int64 {
	if v := attrInts(node, name, 3); len(v) > 0 {
		return v[0]
	}
	return -1
}

// attrInts returns the integers in field num (AttributeProto.i 3,
// .ints 8) of node's attribute name.
func attrInts(node []byte, name string, num protowire.Number) []int64 {
	var vals []int64
	eachField(node, func(n protowire.Number, typ protowire.Type, attr []byte) error {
		if n != 5 || typ != protowire.BytesType || str(attr, 1) != name {
			return nil
		}
		eachField(attr, func(n protowire.Number, typ protowire.Type, v []byte) error {
			if n == num {
				vals = appendVarints(vals, typ, v)
			}
			return nil
		})
		return nil
	})
	return vals
}

// int64TensorBytes encodes a one-dimensional INT64 tensor.
func int64TensorBytes(name string, vals []int64) []byte {
	var t []byte
	t = protowire.AppendTag(t, 1, protowire.VarintType)
	t = protowire.AppendVarint(t, uint64(len(vals)))
	t = protowire.AppendTag(t, 2, protowire.VarintType)
	t = protowire.AppendVarint(t, 7) // INT64
	t = protowire.AppendTag(t, 8, protowire.BytesType)
	t = protowire.AppendString(t, name)
	raw := make([]byte, 8*len(vals))
	for i, x := range vals {
		binary.LittleEndian.PutUint64(raw[8*i:], uint64(x))
	}
	t = protowire.AppendTag(t, 9, protowire.BytesType)
	return protowire.AppendBytes(t, raw)
}

// appendVarints appends to vals the integers of one field of a repeated
// integer, one varint or a packed run of them.
func appendVarints(vals []int64, typ protowire.Type, v []byte) []int64 {
	switch typ {
	case protowire.VarintType:
		x, _ := protowire.ConsumeVarint(v)
		return append(vals, int64(x))
	case protowire.BytesType:
		for len(v) > 0 {
			x, n := protowire.ConsumeVarint(v)
			if n < 0 {
				break
			}
			vals = append(vals, int64(x))
			v = v[n:]
		}
	}
	return vals
}
