package models

import (
	"encoding/binary"
	"math"
	"testing"
)

// tfjsSeed is a small graph: a convolution with float16 weights, a fused
// bias and ReLU, a mean, and its weights.
func tfjsSeed() (graph, weights []byte) {
	graph = []byte(`{"modelTopology":{"node":[
{"name":"out","op":"Identity","input":["m"]},
{"name":"m","op":"Mean","input":["f","axes"],"attr":{"keep_dims":{"b":true}}},
{"name":"f","op":"_FusedConv2D","input":["c","w2","b2"],"attr":{"strides":{"list":{"i":["1","1","1","1"]}},"padding":{"s":"VkFMSUQ="},"data_format":{"s":"TkhXQw=="},"fused_ops":{"list":{"s":["Qmlhc0FkZA==","UmVsdQ=="]}}}},
{"name":"c","op":"Conv2D","input":["x","w"],"attr":{"strides":{"list":{"i":["1","1","1","1"]}},"padding":{"s":"U0FNRQ=="},"data_format":{"s":"TkhXQw=="}}},
{"name":"x","op":"Placeholder","attr":{"shape":{"shape":{"dim":[{"size":"1"},{"size":"5"},{"size":"5"},{"size":"2"}]}}}},
{"name":"w","op":"Const"},{"name":"w2","op":"Const"},{"name":"b2","op":"Const"},{"name":"axes","op":"Const"}]},
"weightsManifest":[{"paths":["g.bin"],"weights":[
{"name":"w","shape":[3,3,2,3],"dtype":"float32","quantization":{"dtype":"float16"}},
{"name":"w2","shape":[1,1,3,2],"dtype":"float32"},
{"name":"b2","shape":[2],"dtype":"float32"},
{"name":"axes","shape":[2],"dtype":"int32"}]}]}`)
	for i := 0; i < 3*3*2*3; i++ {
		weights = binary.LittleEndian.AppendUint16(weights, 0x3c00) // 1.0
	}
	for i := 0; i < 6+2; i++ {
		weights = binary.LittleEndian.AppendUint32(weights, math.Float32bits(0.5))
	}
	for _, v := range []uint32{1, 2} {
		weights = binary.LittleEndian.AppendUint32(weights, v)
	}
	return graph, weights
}

func TestTFJSToONNXErrors(t *testing.T) {
	graph, weights := tfjsSeed()
	if _, err := TFJSToONNX(graph, weights, "out"); err != nil {
		t.Fatalf("the seed graph: %v", err)
	}
	for name, tc := range map[string]struct {
		graph, weights []byte
		out            string
	}{
		"weights short":   {graph, weights[:len(weights)-4], "out"},
		"weights long":    {graph, append(weights, 0), "out"},
		"no such output":  {graph, weights, "nope"},
		"not json":        {[]byte("{"), weights, "out"},
		"unknown op":      {[]byte(`{"modelTopology":{"node":[{"name":"out","op":"Softmax","input":["x"]},{"name":"x","op":"Placeholder"}]},"weightsManifest":[]}`), nil, "out"},
		"reads a nothing": {[]byte(`{"modelTopology":{"node":[{"name":"out","op":"Identity","input":["y"]}]},"weightsManifest":[]}`), nil, "out"},
		"a cycle":         {[]byte(`{"modelTopology":{"node":[{"name":"out","op":"Identity","input":["out"]}]},"weightsManifest":[]}`), nil, "out"},
		"too few inputs":  {[]byte(`{"modelTopology":{"node":[{"name":"out","op":"Conv2D","input":["x"]},{"name":"x","op":"Placeholder"}]},"weightsManifest":[]}`), nil, "out"},
	} {
		if _, err := TFJSToONNX(tc.graph, tc.weights, tc.out); err == nil {
			t.Errorf("%s: converted", name)
		}
	}
}

// A graph and weights from anywhere convert or fail with an error; they
// never panic or allocate without bound.
func FuzzTFJSToONNX(f *testing.F) {
	graph, weights := tfjsSeed()
	f.Add(graph, weights)
	f.Add([]byte(`{"modelTopology":{"node":[{"name":"out","op":"SparseToDense","input":["a","b","c","d"]},{"name":"a","op":"Const"},{"name":"b","op":"Const"},{"name":"c","op":"Const"},{"name":"d","op":"Const"}]},"weightsManifest":[{"weights":[{"name":"a","shape":[0,1],"dtype":"int32"},{"name":"b","shape":[1],"dtype":"int32"},{"name":"c","shape":[0],"dtype":"int32"},{"name":"d","shape":[],"dtype":"int32"}]}]}`),
		[]byte{0, 0, 0, 64, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, graph, weights []byte) {
		TFJSToONNX(graph, weights, "out")
	})
}

// The ONNX rewrites take any bytes without a panic; the seeds are an
// ONNX model written by TFJSToONNX and pieces of it.
func FuzzONNXRewrites(f *testing.F) {
	graph, weights := tfjsSeed()
	model, err := TFJSToONNX(graph, weights, "out")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(model)
	f.Add(model[:len(model)/2])
	f.Add([]byte{0x3a, 0x05, 0x0a, 0x03, 0x22, 0x01, 0x43})
	f.Fuzz(func(t *testing.T, data []byte) {
		ClipToAttributes(data)
		WidenNarrowDepthwise(data, 16)
	})
}
