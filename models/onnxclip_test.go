package models

import (
	"bytes"
	"encoding/binary"
	"math"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"

	"photoaudit/internal/onnxtest"
)

// A hand-built graph: Clip(x, min from a Constant node, max from an
// initializer) between two other nodes.
func TestClipToAttributes(t *testing.T) {
	tensor := func(name string, v float32, raw bool) []byte {
		var b []byte
		b = protowire.AppendTag(b, 2, protowire.VarintType)
		b = protowire.AppendVarint(b, 1) // FLOAT
		if name != "" {
			b = protowire.AppendTag(b, 8, protowire.BytesType)
			b = protowire.AppendString(b, name)
		}
		if raw {
			var le [4]byte
			binary.LittleEndian.PutUint32(le[:], math.Float32bits(v))
			b = protowire.AppendTag(b, 9, protowire.BytesType)
			b = protowire.AppendBytes(b, le[:])
		} else {
			b = protowire.AppendTag(b, 4, protowire.Fixed32Type)
			b = protowire.AppendFixed32(b, math.Float32bits(v))
		}
		return b
	}
	node := onnxtest.Node
	var valueAttr []byte
	valueAttr = protowire.AppendTag(valueAttr, 1, protowire.BytesType)
	valueAttr = protowire.AppendString(valueAttr, "value")
	valueAttr = protowire.AppendTag(valueAttr, 5, protowire.BytesType)
	valueAttr = protowire.AppendBytes(valueAttr, tensor("", 0.5, false))

	relu := node("Relu", []string{"in"}, []string{"x"})
	konst := node("Constant", nil, []string{"lo"}, valueAttr)
	clip := node("Clip", []string{"x", "lo", "hi"}, []string{"y"})
	sig := node("Sigmoid", []string{"y"}, []string{"out"})
	var graph []byte
	for _, n := range [][]byte{relu, konst, clip, sig} {
		graph = protowire.AppendTag(graph, 1, protowire.BytesType)
		graph = protowire.AppendBytes(graph, n)
	}
	graph = protowire.AppendTag(graph, 5, protowire.BytesType)
	graph = protowire.AppendBytes(graph, tensor("hi", 6, true))
	var model []byte
	model = protowire.AppendTag(model, 1, protowire.VarintType)
	model = protowire.AppendVarint(model, 7) // ir_version
	model = protowire.AppendTag(model, 7, protowire.BytesType)
	model = protowire.AppendBytes(model, graph)

	out, n, err := ClipToAttributes(model)
	if err != nil || n != 1 {
		t.Fatalf("converted %d, %v; want 1", n, err)
	}
	g, err := field(out, 7)
	if err != nil {
		t.Fatal(err)
	}
	var nodes [][]byte
	eachField(g, func(num protowire.Number, typ protowire.Type, v []byte) error {
		if num == 1 {
			nodes = append(nodes, v)
		}
		return nil
	})
	if len(nodes) != 4 || !bytes.Equal(nodes[0], relu) || !bytes.Equal(nodes[1], konst) || !bytes.Equal(nodes[3], sig) {
		t.Fatalf("other nodes changed: %d nodes", len(nodes))
	}
	if ins := strs(nodes[2], 1); len(ins) != 1 || ins[0] != "x" {
		t.Errorf("Clip inputs %q, want [x]", ins)
	}
	got := map[string]float32{}
	eachField(nodes[2], func(num protowire.Number, typ protowire.Type, a []byte) error {
		if num != 5 {
			return nil
		}
		f, _ := field(a, 1)
		eachField(a, func(num protowire.Number, typ protowire.Type, v []byte) error {
			if num == 2 && typ == protowire.Fixed32Type {
				x, _ := protowire.ConsumeFixed32(v)
				got[string(f)] = math.Float32frombits(x)
			}
			return nil
		})
		return nil
	})
	if got["min"] != 0.5 || got["max"] != 6 {
		t.Errorf("Clip attributes %v, want min 0.5 max 6", got)
	}
	// Converting again finds nothing to do.
	if _, n, err := ClipToAttributes(out); err != nil || n != 0 {
		t.Errorf("second conversion: %d, %v", n, err)
	}
	// A bound that is computed, not constant, cannot be converted.
	var g2 []byte
	g2 = protowire.AppendTag(g2, 1, protowire.BytesType)
	g2 = protowire.AppendBytes(g2, node("Clip", []string{"x", "computed"}, []string{"y"}))
	var m2 []byte
	m2 = protowire.AppendTag(m2, 7, protowire.BytesType)
	m2 = protowire.AppendBytes(m2, g2)
	if _, _, err := ClipToAttributes(m2); err == nil {
		t.Error("a computed bound was accepted")
	}
}
