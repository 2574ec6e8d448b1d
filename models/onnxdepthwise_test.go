package models

import (
	"encoding/binary"
	"slices"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"

	"photoaudit/internal/onnxtest"
)

// A 32 px wide input, a depthwise convolution at 32 px (left alone), a
// stride-2 convolution to 16 px, and a depthwise convolution at 16 px
// (widened: its output is narrower than narrowWidth).
func TestWidenNarrowDepthwise(t *testing.T) {
	dw := func(in, out string) []byte {
		return onnxtest.Node("Conv", []string{in, "w"}, []string{out},
			onnxtest.Ints("kernel_shape", 3, 3), onnxtest.Ints("strides", 1, 1),
			onnxtest.Ints("pads", 1, 1, 1, 1), onnxtest.Int("group", 8))
	}
	nodes := [][]byte{
		dw("x", "a"),
		onnxtest.Node("Conv", []string{"a", "w2"}, []string{"b"},
			onnxtest.Ints("kernel_shape", 3, 3), onnxtest.Ints("strides", 2, 2), onnxtest.Ints("pads", 0, 0, 1, 1)),
		dw("b", "c"),
		onnxtest.Node("Relu", []string{"c"}, []string{"y"}),
	}
	model := onnxtest.Model(nodes, nil, [][]byte{onnxtest.Value("x", 1, 8, 32, 32)}, [][]byte{onnxtest.Value("y", 1, 8, 16, 16)})

	out, n, err := WidenNarrowDepthwise(model, 32)
	if err != nil || n != 1 {
		t.Fatalf("widened %d, %v; want 1", n, err)
	}
	g, err := field(out, 7)
	if err != nil {
		t.Fatal(err)
	}
	var got [][]byte
	ints := map[string][]int64{}
	eachField(g, func(num protowire.Number, typ protowire.Type, v []byte) error {
		switch num {
		case 1:
			got = append(got, v)
		case 5:
			if name, vals, ok := int64Tensor(v); ok {
				ints[name] = vals
			}
		}
		return nil
	})
	if len(got) != 5 || !slices.Equal(got[0], nodes[0]) || !slices.Equal(got[1], nodes[1]) || !slices.Equal(got[4], nodes[3]) {
		t.Fatalf("want the first two nodes and the last kept and one Slice added; got %d nodes", len(got))
	}
	wide, slice := got[2], got[3]
	if outs := strs(wide, 2); len(outs) != 1 || outs[0] != "c_wide" {
		t.Errorf("widened convolution's outputs %q, want [c_wide]", outs)
	}
	// 16 px out, widened to narrowWidth by padding on the right.
	if p := intsAttr(wide, "pads"); !slices.Equal(p, []int64{1, 1, 1, 1 + narrowWidth - 16}) {
		t.Errorf("pads %v", p)
	}
	if op, ins, outs := str(slice, 4), strs(slice, 1), strs(slice, 2); op != "Slice" || len(ins) != 4 || ins[0] != "c_wide" || !slices.Equal(outs, []string{"c"}) {
		t.Fatalf("%s %q -> %q, want Slice of c_wide to c", op, ins, outs)
	}
	ins := strs(slice, 1)
	for i, want := range [][]int64{{0}, {16}, {3}} { // starts, ends, axes
		if !slices.Equal(ints[ins[i+1]], want) {
			t.Errorf("Slice input %s = %v, want %v", ins[i+1], ints[ins[i+1]], want)
		}
	}
	// Widened once, there is nothing narrow left.
	if _, n, err := WidenNarrowDepthwise(out, 32); err != nil || n != 0 {
		t.Errorf("second pass widened %d, %v", n, err)
	}
}

// int64Tensor reads an INT64 tensor, from raw_data or int64_data.
func int64Tensor(t []byte) (name string, vals []int64, ok bool) {
	var dtype uint64
	eachField(t, func(num protowire.Number, typ protowire.Type, v []byte) error {
		switch {
		case num == 2 && typ == protowire.VarintType:
			dtype, _ = protowire.ConsumeVarint(v)
		case num == 8 && typ == protowire.BytesType:
			name = string(v)
		case num == 9 && typ == protowire.BytesType && len(v)%8 == 0:
			for i := 0; i < len(v); i += 8 {
				vals = append(vals, int64(binary.LittleEndian.Uint64(v[i:])))
			}
		case num == 7:
			vals = appendVarints(vals, typ, v)
		}
		return nil
	})
	return name, vals, dtype == 7 && name != ""
}
