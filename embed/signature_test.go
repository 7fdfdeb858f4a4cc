package embed

import (
	"encoding/binary"
	"math"
	"slices"
	"testing"

	ort "github.com/yalue/onnxruntime_go"
)

func TestFloat16ToFloat32(t *testing.T) {
	for _, c := range []struct {
		h    uint16
		want float32
	}{
		{0x0000, 0}, {0x3c00, 1}, {0xc000, -2}, {0x3555, 0.33325195}, {0x7bff, 65504},
		{0x0001, 5.9604645e-08}, {0x03ff, 6.097555e-05}, {0x0400, 6.1035156e-05},
		{0x7c00, float32(math.Inf(1))}, {0xfc00, float32(math.Inf(-1))},
	} {
		if got := float16ToFloat32(c.h); got != c.want {
			t.Errorf("float16ToFloat32(%#04x) = %g, want %g", c.h, got, c.want)
		}
	}
	if got := float16ToFloat32(0x7e00); !math.IsNaN(float64(got)) {
		t.Errorf("NaN decoded as %g", got)
	}
	if got := float16ToFloat32(0x8000); got != 0 || !math.Signbit(float64(got)) {
		t.Errorf("-0 decoded as %g", got)
	}
	src := binary.LittleEndian.AppendUint16(binary.LittleEndian.AppendUint16(nil, 0x3c00), 0xc000)
	dst := make([]float32, 2)
	decodeFloat16(dst, src)
	if !slices.Equal(dst, []float32{1, -2}) {
		t.Errorf("decodeFloat16 = %v", dst)
	}
}

func TestFillPositions(t *testing.T) {
	pos := make([]int64, 5)
	fillPositions(pos, []int64{1, 1, 1, 0, 0})
	if !slices.Equal(pos, []int64{0, 1, 2, 1, 1}) {
		t.Errorf("right padding: %v", pos)
	}
	fillPositions(pos, []int64{0, 0, 1, 1, 1})
	if !slices.Equal(pos, []int64{1, 1, 0, 1, 2}) {
		t.Errorf("left padding: %v", pos)
	}
}

func TestPastShape(t *testing.T) {
	got := pastShape(ort.NewShape(-1, 8, -1, 128), 3)
	if !slices.Equal(got, ort.NewShape(3, 8, 0, 128)) {
		t.Errorf("pastShape = %v", got)
	}
}

func TestReadSignature(t *testing.T) {
	var i64, f32, f16 ort.TensorElementDataType = ort.TensorElementDataTypeInt64, ort.TensorElementDataTypeFloat, ort.TensorElementDataTypeFloat16
	in := func(name string, dt ort.TensorElementDataType, dims ...int64) ort.InputOutputInfo {
		return ort.InputOutputInfo{Name: name, DataType: dt, Dimensions: dims}
	}
	ins := []ort.InputOutputInfo{in("input_ids", ort.TensorElementDataTypeInt32, -1, -1), in("attention_mask", i64, -1, -1),
		in("position_ids", i64, -1, -1), in("past_key_values.0.key", f16, -1, 2, -1, 16)}
	outs := []ort.InputOutputInfo{in("last_hidden_state", f16, -1, -1, 32), in("present.0.key", f16, -1, 2, -1, 16)}
	sig, err := readSignature("m", ins, outs, "last_hidden_state")
	if err != nil {
		t.Fatal(err)
	}
	if sig.pooled || sig.dim != 32 || sig.outType != f16 || sig.inputs[3].role != rolePast || sig.inputs[2].role != rolePositions {
		t.Errorf("signature %+v", sig)
	}
	pooled, err := readSignature("m", ins[:2], []ort.InputOutputInfo{in("sentence_embedding", f32, -1, 768)}, "sentence_embedding")
	if err != nil || !pooled.pooled || pooled.dim != 768 {
		t.Errorf("rank-2 output: %+v, %v", pooled, err)
	}
	for name, c := range map[string]struct {
		ins    []ort.InputOutputInfo
		output string
	}{
		"unknown input":   {append(slices.Clone(ins[:2]), in("pixel_values", f32, -1, 3)), "last_hidden_state"},
		"float ids":       {[]ort.InputOutputInfo{in("input_ids", f32, -1, -1), ins[1]}, "last_hidden_state"},
		"no mask":         {ins[:1], "last_hidden_state"},
		"past not rank 4": {append(slices.Clone(ins[:2]), in("past_key_values.0.key", f32, -1, -1)), "last_hidden_state"},
		"missing output":  {ins, "pooler_output"},
		"int output":      {ins, "present.0.value"},
	} {
		o := append(slices.Clone(outs), in("present.0.value", i64, -1, 2, -1, 16))
		if _, err := readSignature("m", c.ins, o, c.output); err == nil {
			t.Errorf("%s: want an error", name)
		}
	}
}
