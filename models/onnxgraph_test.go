package models

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestReadGraphGeneratedPack(t *testing.T) {
	path := filepath.Join("test-tiny", ModelFile)
	if _, err := os.Stat(path); err != nil {
		t.Skipf("generated pack absent (run scripts/setup.sh): %v", err)
	}
	g, err := ReadGraph(path)
	if err != nil {
		t.Fatal(err)
	}
	want := Graph{
		Inputs: []ValueInfo{{"input_ids", ONNXInt64, []int64{-1, -1}}, {"attention_mask", ONNXInt64, []int64{-1, -1}},
			{"token_type_ids", ONNXInt64, []int64{-1, -1}}},
		Outputs: []ValueInfo{{"last_hidden_state", ONNXFloat, []int64{-1, -1, 32}}},
	}
	if !reflect.DeepEqual(g, want) {
		t.Errorf("graph %+v\nwant  %+v", g, want)
	}
}

func TestParseGraphExternalData(t *testing.T) {
	spec := bertGraph(16)
	spec.external = []string{"model.onnx_data", "model.onnx_data_1", "model.onnx_data"}
	spec.constExt = "weights/const.bin"
	spec.padding = 200 << 10 // larger than the reader's window
	raw := fakeONNX(spec)
	path := filepath.Join(t.TempDir(), "m.onnx")
	if err := os.WriteFile(path, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	g, err := ReadGraph(path)
	if err != nil {
		t.Fatal(err)
	}
	// The Constant node comes before the initializers in the graph.
	if want := []string{"weights/const.bin", "model.onnx_data", "model.onnx_data_1"}; !reflect.DeepEqual(g.ExternalData, want) {
		t.Errorf("external data %v, want %v", g.ExternalData, want)
	}
	if out, ok := g.Output("last_hidden_state"); !ok || !reflect.DeepEqual(out.Shape, []int64{-1, -1, 16}) {
		t.Errorf("output %+v", out)
	}
	if err := CheckGraph(g, Manifest{Dimension: 16, Pooling: PoolingMean, OutputName: "last_hidden_state"}); err != nil {
		t.Errorf("check: %v", err)
	}
}

func TestParseGraphRejects(t *testing.T) {
	valid := fakeONNX(bertGraph(8))
	escape := bertGraph(8)
	escape.external = []string{"../../etc/passwd"}
	tests := []struct {
		name string
		raw  []byte
		want string
	}{
		{"empty", nil, "no graph"},
		{"text", []byte("graph"), "not a readable ONNX model"},
		{"truncated", valid[:len(valid)-5], "not a readable ONNX model"},
		{"escaping location", fakeONNX(escape), "not a relative path"},
		{"external without location", bytes.Replace(fakeONNX(func() fakeGraph { g := bertGraph(8); g.external = []string{"x.bin"}; return g }()),
			[]byte("location"), []byte("locatiom"), 1), "names no location"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseGraph(bytes.NewReader(tt.raw), int64(len(tt.raw)))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err %v, want %q", err, tt.want)
			}
		})
	}
}

func TestCheckGraph(t *testing.T) {
	bert := Manifest{Dimension: 16, Pooling: PoolingMean, OutputName: "last_hidden_state"}
	pooled := Manifest{Dimension: 16, Pooling: PoolingNone, OutputName: "sentence_embedding"}
	parse := func(g fakeGraph) Graph {
		raw := fakeONNX(g)
		out, err := ParseGraph(bytes.NewReader(raw), int64(len(raw)))
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	with := func(edit func(*fakeGraph)) fakeGraph {
		g := bertGraph(16)
		edit(&g)
		return g
	}
	tests := []struct {
		name string
		g    fakeGraph
		m    Manifest
		want string // "" means accepted
	}{
		{"bert", bertGraph(16), bert, ""},
		{"decoder with positions and cache", with(func(g *fakeGraph) {
			g.inputs = []string{"input_ids", "attention_mask", "position_ids", "past_key_values.0.key", "past_key_values.0.value"}
		}), bert, ""},
		{"pooled graph", with(func(g *fakeGraph) { g.output, g.pooled = "sentence_embedding", true }), pooled, ""},
		{"unsupported input", with(func(g *fakeGraph) { g.inputs = append(g.inputs, "pixel_values") }), bert, `unsupported model input "pixel_values"`},
		{"no mask", with(func(g *fakeGraph) { g.inputs = []string{"input_ids"} }), bert, `lacks input "attention_mask"`},
		{"missing output", bertGraph(16), pooled, `no output "sentence_embedding"`},
		{"token vectors with pooling none", with(func(g *fakeGraph) { g.output = "sentence_embedding" }), pooled, "rank 3, pooling none needs rank 2"},
		{"pooled output with mean pooling", with(func(g *fakeGraph) { g.pooled = true }), bert, "rank 2, pooling mean needs rank 3"},
		{"width", bertGraph(32), bert, "32 wide, the manifest says dimension 16"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckGraph(parse(tt.g), tt.m)
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Fatalf("err %v, want %q", err, tt.want)
			}
		})
	}
}

// BenchmarkReadGraph reads test-minilm's 86 MiB graph, whose weights are inline, beside a
// plain read of the whole file: ReadGraph skips initializer bytes instead of reading them.
func BenchmarkReadGraph(b *testing.B) {
	path := filepath.Join("test-minilm", ModelFile)
	st, err := os.Stat(path)
	if err != nil {
		b.Skipf("generated pack absent (run scripts/setup.sh): %v", err)
	}
	b.Run("ReadGraph", func(b *testing.B) {
		for b.Loop() {
			if _, err := ReadGraph(path); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("ReadFile", func(b *testing.B) {
		b.SetBytes(st.Size())
		for b.Loop() {
			if _, err := os.ReadFile(path); err != nil {
				b.Fatal(err)
			}
		}
	})
}
