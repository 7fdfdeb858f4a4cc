package embed

// templateToken is a special token the post-processor adds, with its type id.
type templateToken struct {
	id, typeID int32
}

// template is Hugging Face's TemplateProcessing for a single sequence (BertProcessing
// is the template "[CLS] $A [SEP]"): prefix tokens, the sequence with typeID, then
// suffix tokens. The zero template adds nothing.
type template struct {
	prefix []templateToken
	suffix []templateToken
	typeID int32
}

// numSpecial is how many tokens the template adds; truncation leaves room for them.
func (t template) numSpecial() int {
	return len(t.prefix) + len(t.suffix)
}

// build lays out the final Encoding. With addSpecial false the template's special
// tokens are left out, but the sequence keeps the template's type id, as HF does.
// All integer slices share one allocation.
func (t template) build(toks []token, addSpecial, truncated bool) Encoding {
	var pre, suf []templateToken
	if addSpecial {
		pre, suf = t.prefix, t.suffix
	}
	n := len(pre) + len(toks) + len(suf)
	ints := make([]int64, 3*n)
	enc := Encoding{
		IDs:           ints[:n:n],
		TypeIDs:       ints[n : 2*n : 2*n],
		AttentionMask: ints[2*n:],
		Offsets:       make([][2]int, n),
		SpecialTokens: make([]bool, n),
		Truncated:     truncated,
	}
	i := 0
	for _, s := range pre {
		enc.IDs[i], enc.TypeIDs[i], enc.SpecialTokens[i] = int64(s.id), int64(s.typeID), true
		i++
	}
	for _, tk := range toks {
		enc.IDs[i], enc.TypeIDs[i] = int64(tk.id), int64(t.typeID)
		enc.Offsets[i] = [2]int{int(tk.start), int(tk.end)}
		i++
	}
	for _, s := range suf {
		enc.IDs[i], enc.TypeIDs[i], enc.SpecialTokens[i] = int64(s.id), int64(s.typeID), true
		i++
	}
	for j := range enc.AttentionMask {
		enc.AttentionMask[j] = 1
	}
	return enc
}
