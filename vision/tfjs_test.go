package vision

import (
	"encoding/binary"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"testing"

	"photoaudit/models"
)

// A TensorFlow.js graph converted by models.TFJSToONNX computes on ONNX
// Runtime what it computes by hand: an NHWC convolution with
// float16-quantized weights and SAME padding, a fused 1x1 convolution
// with its bias and ReLU, and a mean over the image.
func TestTFJSToONNX(t *testing.T) {
	lib, err := models.Verify("", models.OnnxRuntime)
	if err != nil {
		t.Fatalf("ONNX Runtime: %v (photoaudit models install)", err)
	}
	const n, ci, co, co2 = 5, 2, 3, 2
	x := make([]float32, n*n*ci)
	for i := range x {
		x[i] = float32(math.Sin(float64(i)*0.7)) * 2
	}
	w := make([]float32, 3*3*ci*co) // HWIO
	for i := range w {
		w[i] = float32(int(i%7)-3) / 4 // exact in float16
	}
	w2 := []float32{0.5, -1, 0.25, 2, -0.5, 1} // [1,1,co,co2]
	b2 := []float32{0.1, -0.2}

	var bin []byte
	for _, v := range w {
		bin = binary.LittleEndian.AppendUint16(bin, floatToHalf(v))
	}
	for _, v := range append(append([]float32{}, w2...), b2...) {
		bin = binary.LittleEndian.AppendUint32(bin, math.Float32bits(v))
	}
	for _, v := range []int32{1, 2} {
		bin = binary.LittleEndian.AppendUint32(bin, uint32(v))
	}
	b64 := func(s string) string {
		return map[string]string{"SAME": "U0FNRQ==", "VALID": "VkFMSUQ=", "NHWC": "TkhXQw==", "BiasAdd": "Qmlhc0FkZA==", "Relu": "UmVsdQ=="}[s]
	}
	ones := map[string]any{"list": map[string]any{"i": []string{"1", "1", "1", "1"}}}
	graph := map[string]any{
		"modelTopology": map[string]any{"node": []any{
			map[string]any{"name": "out", "op": "Identity", "input": []string{"m"}},
			map[string]any{"name": "m", "op": "Mean", "input": []string{"f", "axes"}, "attr": map[string]any{"keep_dims": map[string]any{"b": true}}},
			map[string]any{"name": "f", "op": "_FusedConv2D", "input": []string{"c", "w2", "b2"}, "attr": map[string]any{
				"strides": ones, "padding": map[string]any{"s": b64("VALID")}, "data_format": map[string]any{"s": b64("NHWC")},
				"fused_ops": map[string]any{"list": map[string]any{"s": []string{b64("BiasAdd"), b64("Relu")}}}, "num_args": map[string]any{"i": "1"}}},
			map[string]any{"name": "c", "op": "Conv2D", "input": []string{"x", "w"}, "attr": map[string]any{
				"strides": ones, "padding": map[string]any{"s": b64("SAME")}, "data_format": map[string]any{"s": b64("NHWC")}}},
			map[string]any{"name": "x", "op": "Placeholder", "attr": map[string]any{"shape": map[string]any{"shape": map[string]any{
				"dim": []any{map[string]any{"size": "1"}, map[string]any{"size": "5"}, map[string]any{"size": "5"}, map[string]any{"size": "2"}}}}}},
			map[string]any{"name": "w", "op": "Const"}, map[string]any{"name": "w2", "op": "Const"},
			map[string]any{"name": "b2", "op": "Const"}, map[string]any{"name": "axes", "op": "Const"},
		}},
		"weightsManifest": []any{map[string]any{"paths": []string{"g.bin"}, "weights": []any{
			map[string]any{"name": "w", "shape": []int{3, 3, ci, co}, "dtype": "float32", "quantization": map[string]any{"dtype": "float16"}},
			map[string]any{"name": "w2", "shape": []int{1, 1, co, co2}, "dtype": "float32"},
			map[string]any{"name": "b2", "shape": []int{co2}, "dtype": "float32"},
			map[string]any{"name": "axes", "shape": []int{2}, "dtype": "int32"},
		}}},
	}
	js, err := json.Marshal(graph)
	if err != nil {
		t.Fatal(err)
	}
	onnx, err := models.TFJSToONNX(js, bin, "out")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "g.onnx")
	if err := os.WriteFile(path, onnx, 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := newORTSession(path, lib, "x", []int64{1, n, n, ci}, []string{"out"}, [][]int64{{1, 1, 1, co2}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	copy(s.in.GetData(), x)
	if err := s.session.Run(); err != nil {
		t.Fatal(err)
	}
	got := s.outs[0].GetData()

	// By hand.
	var want [co2]float64
	for y := 0; y < n; y++ {
		for xx := 0; xx < n; xx++ {
			var c [co]float64
			for o := 0; o < co; o++ {
				for ky := 0; ky < 3; ky++ {
					for kx := 0; kx < 3; kx++ {
						sy, sx := y+ky-1, xx+kx-1
						if sy < 0 || sx < 0 || sy >= n || sx >= n {
							continue
						}
						for i := 0; i < ci; i++ {
							c[o] += float64(x[(sy*n+sx)*ci+i]) * float64(w[((ky*3+kx)*ci+i)*co+o])
						}
					}
				}
			}
			for o := 0; o < co2; o++ {
				v := float64(b2[o])
				for i := 0; i < co; i++ {
					v += c[i] * float64(w2[i*co2+o])
				}
				want[o] += max(v, 0) / (n * n)
			}
		}
	}
	for o := range want {
		if math.Abs(float64(got[o])-want[o]) > 1e-4 {
			t.Errorf("output %d: ONNX Runtime %.5f, by hand %.5f", o, got[o], want[o])
		}
	}
}

// floatToHalf converts a float exactly representable in half precision.
func floatToHalf(f float32) uint16 {
	b := math.Float32bits(f)
	sign := uint16(b>>16) & 0x8000
	if f == 0 {
		return sign
	}
	exp := int((b>>23)&0xff) - 127 + 15
	return sign | uint16(exp)<<10 | uint16((b>>13)&0x3ff)
}
