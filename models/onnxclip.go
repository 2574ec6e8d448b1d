package models

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"

	"google.golang.org/protobuf/encoding/protowire"
)

// OpenCV 4.6's ONNX importer reads Clip's bounds from attributes, as
// opset 6 had them; since opset 11 they are the node's second and third
// inputs, and OpenCV refuses such a node. ClipToAttributes rewrites every
// Clip node of an ONNX model whose bounds are constants (initializers or
// Constant nodes) into the attribute form, working on the protobuf wire
// format directly so that the rest of the file is kept byte for byte.
//
// ONNX field numbers used (onnx.proto3): ModelProto.graph 7;
// GraphProto.node 1, .initializer 5; NodeProto.input 1, .output 2,
// .op_type 4, .attribute 5; AttributeProto.name 1, .f 2, .t 5, .type 20
// (FLOAT = 1); TensorProto.data_type 2 (FLOAT = 1), .float_data 4,
// .name 8, .raw_data 9.
func ClipToAttributes(model []byte) (out []byte, converted int, err error) {
	graph, err := field(model, 7)
	if err != nil {
		return nil, 0, fmt.Errorf("onnx: no graph: %w", err)
	}
	consts, err := scalarConstants(graph)
	if err != nil {
		return nil, 0, err
	}
	newGraph, converted, err := rewriteMessages(graph, 1, func(node []byte) ([]byte, bool, error) {
		return clipNode(node, consts)
	})
	if err != nil {
		return nil, 0, err
	}
	out, _, err = rewriteMessages(model, 7, func([]byte) ([]byte, bool, error) { return newGraph, true, nil })
	return out, converted, err
}

// scalarConstants maps the names of one-element float initializers and
// Constant node outputs to their values.
func scalarConstants(graph []byte) (map[string]float32, error) {
	consts := map[string]float32{}
	err := eachField(graph, func(num protowire.Number, typ protowire.Type, v []byte) error {
		switch {
		case num == 5 && typ == protowire.BytesType:
			if name, val, ok := scalarTensor(v); ok {
				consts[name] = val
			}
		case num == 1 && typ == protowire.BytesType:
			if str(v, 4) != "Constant" {
				return nil
			}
			outs := strs(v, 2)
			return eachField(v, func(num protowire.Number, typ protowire.Type, attr []byte) error {
				if num != 5 || typ != protowire.BytesType || str(attr, 1) != "value" || len(outs) != 1 {
					return nil
				}
				t, err := field(attr, 5)
				if err != nil {
					return nil
				}
				if _, val, ok := scalarTensor(t); ok {
					consts[outs[0]] = val
				}
				return nil
			})
		}
		return nil
	})
	return consts, err
}

// scalarTensor reads a float tensor holding one value.
func scalarTensor(t []byte) (name string, val float32, ok bool) {
	var dtype uint64
	var vals []float32
	eachField(t, func(num protowire.Number, typ protowire.Type, v []byte) error {
		switch {
		case num == 2 && typ == protowire.VarintType:
			dtype, _ = protowire.ConsumeVarint(v)
		case num == 8 && typ == protowire.BytesType:
			name = string(v)
		case num == 9 && typ == protowire.BytesType && len(v)%4 == 0:
			for i := 0; i < len(v); i += 4 {
				vals = append(vals, math.Float32frombits(binary.LittleEndian.Uint32(v[i:])))
			}
		case num == 4 && typ == protowire.BytesType: // packed float_data
			for i := 0; i+4 <= len(v); i += 4 {
				vals = append(vals, math.Float32frombits(binary.LittleEndian.Uint32(v[i:])))
			}
		case num == 4 && typ == protowire.Fixed32Type:
			x, _ := protowire.ConsumeFixed32(v)
			vals = append(vals, math.Float32frombits(x))
		}
		return nil
	})
	if dtype != 1 || len(vals) != 1 {
		return "", 0, false
	}
	return name, vals[0], true
}

// clipNode rewrites one node if it is a Clip with bounds as inputs.
func clipNode(node []byte, consts map[string]float32) ([]byte, bool, error) {
	if str(node, 4) != "Clip" {
		return node, false, nil
	}
	ins := strs(node, 1)
	if len(ins) < 2 {
		return node, false, nil // already the attribute form
	}
	bounds := []float32{-math.MaxFloat32, math.MaxFloat32}
	for i, name := range ins[1:min(len(ins), 3)] {
		if name == "" {
			continue // omitted: unbounded on that side
		}
		v, ok := consts[name]
		if !ok {
			return nil, false, fmt.Errorf("onnx: Clip bound %q is not a constant", name)
		}
		bounds[i] = v
	}
	var out []byte
	err := eachField(node, func(num protowire.Number, typ protowire.Type, v []byte) error {
		if num == 1 && typ == protowire.BytesType {
			return nil // inputs are written below
		}
		out = appendField(out, num, typ, v)
		return nil
	})
	if err != nil {
		return nil, false, err
	}
	out = protowire.AppendTag(out, 1, protowire.BytesType)
	out = protowire.AppendString(out, ins[0])
	for i, name := range []string{"min", "max"} {
		var attr []byte
		attr = protowire.AppendTag(attr, 1, protowire.BytesType)
		attr = protowire.AppendString(attr, name)
		attr = protowire.AppendTag(attr, 2, protowire.Fixed32Type)
		attr = protowire.AppendFixed32(attr, math.Float32bits(bounds[i]))
		attr = protowire.AppendTag(attr, 20, protowire.VarintType)
		attr = protowire.AppendVarint(attr, 1) // FLOAT
		out = protowire.AppendTag(out, 5, protowire.BytesType)
		out = protowire.AppendBytes(out, attr)
	}
	return out, true, nil
}

// rewriteMessages returns msg with each length-delimited field num passed
// through f, and how many f changed.
func rewriteMessages(msg []byte, num protowire.Number, f func([]byte) ([]byte, bool, error)) ([]byte, int, error) {
	out := make([]byte, 0, len(msg))
	changed := 0
	err := eachField(msg, func(n protowire.Number, typ protowire.Type, v []byte) error {
		if n == num && typ == protowire.BytesType {
			nv, ok, err := f(v)
			if err != nil {
				return err
			}
			if ok {
				changed++
			}
			v = nv
		}
		out = appendField(out, n, typ, v)
		return nil
	})
	return out, changed, err
}

// eachField calls f with each field of msg; v is the field's payload
// (for varints and fixed values, their encoded bytes).
func eachField(msg []byte, f func(num protowire.Number, typ protowire.Type, v []byte) error) error {
	for len(msg) > 0 {
		num, typ, n := protowire.ConsumeTag(msg)
		if n < 0 {
			return fmt.Errorf("onnx: %w", protowire.ParseError(n))
		}
		msg = msg[n:]
		var v []byte
		switch typ {
		case protowire.BytesType:
			b, m := protowire.ConsumeBytes(msg)
			if m < 0 {
				return fmt.Errorf("onnx: %w", protowire.ParseError(m))
			}
			v, n = b, m
		default:
			m := protowire.ConsumeFieldValue(num, typ, msg)
			if m < 0 {
				return fmt.Errorf("onnx: %w", protowire.ParseError(m))
			}
			v, n = msg[:m], m
		}
		if err := f(num, typ, v); err != nil {
			return err
		}
		msg = msg[n:]
	}
	return nil
}

func appendField(out []byte, num protowire.Number, typ protowire.Type, v []byte) []byte {
	out = protowire.AppendTag(out, num, typ)
	if typ == protowire.BytesType {
		return protowire.AppendBytes(out, v)
	}
	return append(out, v...)
}

// field returns the first length-delimited field num of msg.
func field(msg []byte, num protowire.Number) ([]byte, error) {
	var found []byte
	err := eachField(msg, func(n protowire.Number, typ protowire.Type, v []byte) error {
		if found == nil && n == num && typ == protowire.BytesType {
			found = v
		}
		return nil
	})
	if err == nil && found == nil {
		err = errors.New("field missing")
	}
	return found, err
}

func str(msg []byte, num protowire.Number) string {
	v, err := field(msg, num)
	if err != nil {
		return ""
	}
	return string(v)
}

func strs(msg []byte, num protowire.Number) []string {
	var out []string
	eachField(msg, func(n protowire.Number, typ protowire.Type, v []byte) error {
		if n == num && typ == protowire.BytesType {
			out = append(out, string(v))
		}
		return nil
	})
	return out
}
