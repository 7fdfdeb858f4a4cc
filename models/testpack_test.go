package models

import (
	"math"
	"testing"

	ort "github.com/yalue/onnxruntime_go"

	"github.com/instructd/instructd/internal/testenv"
)

// TestGeneratedPacksMatchReference runs each generated test pack through ONNX Runtime in one
// padded batch and checks the pooled vectors against the script's independent numpy pass,
// which ran every text unpadded: this validates the ONNX graph, its masking and the pack.
func TestGeneratedPacksMatchReference(t *testing.T) {
	ort.SetSharedLibraryPath(testenv.ORTLibrary(t))
	if err := ort.InitializeEnvironment(); err != nil {
		t.Fatalf("initialise onnxruntime: %v", err)
	}
	defer func() {
		if err := ort.DestroyEnvironment(); err != nil {
			t.Errorf("destroy onnxruntime: %v", err)
		}
	}()
	for _, name := range []string{"test-tiny", "test-minilm"} {
		t.Run(name, func(t *testing.T) {
			dir := testenv.Pack(t, name)
			pack, err := Load(dir)
			if err != nil {
				t.Fatalf("load %s: %v", name, err)
			}
			if pack.Manifest.Semantic {
				t.Errorf("generated pack %s claims to be semantic", name)
			}
			ref := testenv.LoadReference(t, dir)
			if ref.MaxTokens != pack.Manifest.MaxTokens {
				t.Errorf("reference max_tokens %d, manifest %d", ref.MaxTokens, pack.Manifest.MaxTokens)
			}
			sess, err := ort.NewDynamicAdvancedSession(pack.ModelPath(),
				[]string{"input_ids", "attention_mask", "token_type_ids"},
				[]string{pack.Manifest.OutputName}, nil)
			if err != nil {
				t.Fatalf("open session: %v", err)
			}
			defer sess.Destroy()
			d := pack.Manifest.Dimension

			seqs := make([][]int64, len(ref.Cases))
			for i, c := range ref.Cases {
				seqs[i] = c.InputIDs
			}
			states := runPadded(t, sess, seqs, d)
			for i, c := range ref.Cases {
				h := states[i]
				checkClose(t, c.Name+"/mean", normalized(meanRows(h)), c.Mean)
				checkClose(t, c.Name+"/cls", normalized(h[0]), c.CLS)
			}

			// Attention mode: instructions and queries in one padded batch each.
			inst := make([][]int64, len(ref.Attention))
			qry := make([][]int64, len(ref.Attention))
			for i, a := range ref.Attention {
				inst[i], qry[i] = a.InstructionIDs, a.QueryIDs
			}
			is, qs := runPadded(t, sess, inst, d), runPadded(t, sess, qry, d)
			for i, a := range ref.Attention {
				checkClose(t, a.Name+"/attention", attend(is[i], qs[i]), a.Embedding)
			}
		})
	}
}

// runPadded runs seqs as one right-padded batch and returns each sequence's unpadded token states.
func runPadded(t *testing.T, sess *ort.DynamicAdvancedSession, seqs [][]int64, d int) [][][]float64 {
	t.Helper()
	longest := 0
	for _, s := range seqs {
		longest = max(longest, len(s))
	}
	b := len(seqs)
	ids := make([]int64, b*longest)
	mask := make([]int64, b*longest)
	for i, s := range seqs {
		copy(ids[i*longest:], s)
		for j := range s {
			mask[i*longest+j] = 1
		}
	}
	shape := ort.NewShape(int64(b), int64(longest))
	idsT, err := ort.NewTensor(shape, ids)
	if err != nil {
		t.Fatal(err)
	}
	defer idsT.Destroy()
	maskT, err := ort.NewTensor(shape, mask)
	if err != nil {
		t.Fatal(err)
	}
	defer maskT.Destroy()
	typesT, err := ort.NewTensor(shape, make([]int64, b*longest))
	if err != nil {
		t.Fatal(err)
	}
	defer typesT.Destroy()
	outT, err := ort.NewEmptyTensor[float32](ort.NewShape(int64(b), int64(longest), int64(d)))
	if err != nil {
		t.Fatal(err)
	}
	defer outT.Destroy()
	if err := sess.Run([]ort.Value{idsT, maskT, typesT}, []ort.Value{outT}); err != nil {
		t.Fatalf("run: %v", err)
	}
	out := outT.GetData()
	res := make([][][]float64, b)
	for i, s := range seqs {
		res[i] = make([][]float64, len(s))
		for j := range s {
			row := make([]float64, d)
			base := (i*longest + j) * d
			for k := range row {
				row[k] = float64(out[base+k])
			}
			res[i][j] = row
		}
	}
	return res
}

func meanRows(rows [][]float64) []float64 {
	m := make([]float64, len(rows[0]))
	for _, r := range rows {
		for k, v := range r {
			m[k] += v
		}
	}
	for k := range m {
		m[k] /= float64(len(rows))
	}
	return m
}

func normalized(v []float64) []float64 {
	var s float64
	for _, x := range v {
		s += x * x
	}
	n := math.Sqrt(s)
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = x / n
	}
	return out
}

// attend is InF-Embed's instruction-query attention: softmax(I·Qᵀ/√d) over query tokens,
// applied to Q, averaged over instruction tokens and L2-normalised.
func attend(inst, query [][]float64) []float64 {
	d := len(inst[0])
	e := make([]float64, d)
	scores := make([]float64, len(query))
	for _, iv := range inst {
		best := math.Inf(-1)
		for j, qv := range query {
			var dot float64
			for k := range iv {
				dot += iv[k] * qv[k]
			}
			scores[j] = dot / math.Sqrt(float64(d))
			best = max(best, scores[j])
		}
		var sum float64
		for j := range scores {
			scores[j] = math.Exp(scores[j] - best)
			sum += scores[j]
		}
		for j, qv := range query {
			for k := range e {
				e[k] += scores[j] / sum * qv[k]
			}
		}
	}
	return normalized(e)
}

func checkClose(t *testing.T, name string, got []float64, want []float32) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: dimension %d, want %d", name, len(got), len(want))
		return
	}
	worst := 0.0
	for i := range got {
		worst = max(worst, math.Abs(got[i]-float64(want[i])))
	}
	if worst > 1e-4 {
		t.Errorf("%s: max |Δ| %.3g > 1e-4", name, worst)
	}
}
