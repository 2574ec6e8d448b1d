package vision

import (
	"math"
	"math/rand/v2"
	"testing"

	"gocv.io/x/gocv"

	"photoaudit/internal/onnxtest"
	"photoaudit/models"
)

// The installed BlazeFace has its 16 px wide depthwise convolutions
// widened (models.WidenNarrowDepthwise); OpenCV must compute the same
// with and without. A stride-2 convolution to 16 px and a depthwise
// convolution there, with bias and ReLU, run both ways on one random input.
func TestWidenedDepthwiseSame(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	random := func(n int) []float32 {
		v := make([]float32, n)
		for i := range v {
			v[i] = rng.Float32()*2 - 1
		}
		return v
	}
	const ch = 8
	model := onnxtest.Model(
		[][]byte{
			onnxtest.Node("Conv", []string{"x", "w1", "b1"}, []string{"a"},
				onnxtest.Ints("kernel_shape", 3, 3), onnxtest.Ints("strides", 2, 2), onnxtest.Ints("pads", 0, 0, 1, 1)),
			onnxtest.Node("Conv", []string{"a", "w2", "b2"}, []string{"c"},
				onnxtest.Ints("kernel_shape", 3, 3), onnxtest.Ints("strides", 1, 1),
				onnxtest.Ints("pads", 1, 1, 1, 1), onnxtest.Int("group", ch)),
			onnxtest.Node("Relu", []string{"c"}, []string{"y"}),
		},
		[][]byte{
			onnxtest.Floats("w1", []int64{ch, ch, 3, 3}, random(ch*ch*9)),
			onnxtest.Floats("b1", []int64{ch}, random(ch)),
			onnxtest.Floats("w2", []int64{ch, 1, 3, 3}, random(ch*9)),
			onnxtest.Floats("b2", []int64{ch}, random(ch)),
		},
		[][]byte{onnxtest.Value("x", 1, ch, 32, 32)},
		[][]byte{onnxtest.Value("y", 1, ch, 16, 16)},
	)
	wide, n, err := models.WidenNarrowDepthwise(model, 32)
	if err != nil || n != 1 {
		t.Fatalf("widened %d, %v; want 1", n, err)
	}
	input := random(ch * 32 * 32)
	run := func(m []byte) []float32 {
		t.Helper()
		net, err := gocv.ReadNetFromONNXBytes(m)
		if err != nil {
			t.Fatal(err)
		}
		defer net.Close()
		blob := gocv.NewMatWithSizes([]int{1, ch, 32, 32}, gocv.MatTypeCV32F)
		defer blob.Close()
		data, err := blob.DataPtrFloat32()
		if err != nil {
			t.Fatal(err)
		}
		copy(data, input)
		net.SetInput(blob, "")
		out := net.Forward("y")
		defer out.Close()
		got, err := out.DataPtrFloat32()
		if err != nil {
			t.Fatal(err)
		}
		return append([]float32(nil), got...)
	}
	want, got := run(model), run(wide)
	if len(want) != ch*16*16 || len(got) != len(want) {
		t.Fatalf("outputs of %d and %d values, want %d", len(want), len(got), ch*16*16)
	}
	var worst, sum float64
	for i := range want {
		worst = max(worst, math.Abs(float64(got[i]-want[i])))
		sum += math.Abs(float64(want[i]))
	}
	if sum == 0 || worst > 1e-4 {
		t.Errorf("widened output differs by up to %g (output magnitude %g)", worst, sum/float64(len(want)))
	}
}
