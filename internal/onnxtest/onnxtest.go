// Package onnxtest builds small ONNX models for tests, on the protobuf wire
// format as models' rewrites read it (field numbers from onnx.proto3).
package onnxtest

import (
	"encoding/binary"
	"math"

	"google.golang.org/protobuf/encoding/protowire"
)

func bytesField(b []byte, num protowire.Number, v []byte) []byte {
	b = protowire.AppendTag(b, num, protowire.BytesType)
	return protowire.AppendBytes(b, v)
}

func varintField(b []byte, num protowire.Number, v int64) []byte {
	b = protowire.AppendTag(b, num, protowire.VarintType)
	return protowire.AppendVarint(b, uint64(v))
}

// Node is a NodeProto.
func Node(op string, ins, outs []string, attrs ...[]byte) []byte {
	var b []byte
	for _, in := range ins {
		b = bytesField(b, 1, []byte(in))
	}
	for _, o := range outs {
		b = bytesField(b, 2, []byte(o))
	}
	b = bytesField(b, 4, []byte(op))
	for _, a := range attrs {
		b = bytesField(b, 5, a)
	}
	return b
}

// Ints is an attribute holding a list of integers.
func Ints(name string, vals ...int64) []byte {
	b := bytesField(nil, 1, []byte(name))
	for _, v := range vals {
		b = varintField(b, 8, v)
	}
	return varintField(b, 20, 7) // INTS
}

// Int is an attribute holding one integer.
func Int(name string, val int64) []byte {
	b := bytesField(nil, 1, []byte(name))
	b = varintField(b, 3, val)
	return varintField(b, 20, 2) // INT
}

// Floats is a FLOAT tensor of the given dimensions, its values as raw data.
func Floats(name string, dims []int64, vals []float32) []byte {
	var b []byte
	for _, d := range dims {
		b = varintField(b, 1, d)
	}
	b = varintField(b, 2, 1) // FLOAT
	b = bytesField(b, 8, []byte(name))
	raw := make([]byte, 4*len(vals))
	for i, v := range vals {
		binary.LittleEndian.PutUint32(raw[4*i:], math.Float32bits(v))
	}
	return bytesField(b, 9, raw)
}

// Value is a ValueInfoProto for a FLOAT tensor of the given dimensions.
func Value(name string, dims ...int64) []byte {
	var shape []byte
	for _, d := range dims {
		shape = bytesField(shape, 1, varintField(nil, 1, d))
	}
	tensor := varintField(nil, 1, 1) // FLOAT
	tensor = bytesField(tensor, 2, shape)
	b := bytesField(nil, 1, []byte(name))
	return bytesField(b, 2, bytesField(nil, 1, tensor))
}

// Model is a ModelProto (IR version 7, opset 12) of one graph.
func Model(nodes, initializers, inputs, outputs [][]byte) []byte {
	var g []byte
	for _, n := range nodes {
		g = bytesField(g, 1, n)
	}
	g = bytesField(g, 2, []byte("test"))
	for _, t := range initializers {
		g = bytesField(g, 5, t)
	}
	for _, v := range inputs {
		g = bytesField(g, 11, v)
	}
	for _, v := range outputs {
		g = bytesField(g, 12, v)
	}
	m := varintField(nil, 1, 7)
	m = bytesField(m, 7, g)
	opset := bytesField(nil, 1, nil)
	opset = varintField(opset, 2, 12)
	return bytesField(m, 8, opset)
}
