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
	enc := newEncoding(n, truncated)
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

// templatePiece is one element of a TemplateProcessing template: a sequence ($A or $B)
// or one special token (possibly several ids), each with its type id.
type templatePiece struct {
	seq    int // 0: $A, 1: $B, -1: special token
	ids    []int32
	typeID int32
}

// templateSpec is a post-processor's single and pair templates. BertProcessing,
// RobertaProcessing and a missing post-processor are written as templates too.
type templateSpec struct {
	single, pair []templatePiece
}

// defaultTemplateSpec is what HF does without a post-processor: $A:0 and $A:0 $B:1.
func defaultTemplateSpec() templateSpec {
	return templateSpec{
		single: []templatePiece{{seq: 0}},
		pair:   []templatePiece{{seq: 0}, {seq: 1, typeID: 1}},
	}
}

// numSpecialIn counts the special-token ids a template adds.
func numSpecialIn(pieces []templatePiece) int {
	n := 0
	for _, p := range pieces {
		if p.seq < 0 {
			n += len(p.ids)
		}
	}
	return n
}

// singleTemplate turns the single template into BertTokenizer's prefix/suffix form;
// ok is false when the template is not "specials $A specials".
func (s templateSpec) singleTemplate() (t template, ok bool) {
	seen := false
	for _, p := range s.single {
		switch {
		case p.seq == 0 && !seen:
			seen = true
			t.typeID = p.typeID
		case p.seq < 0:
			for _, id := range p.ids {
				tt := templateToken{id: id, typeID: p.typeID}
				if seen {
					t.suffix = append(t.suffix, tt)
				} else {
					t.prefix = append(t.prefix, tt)
				}
			}
		default:
			return template{}, false
		}
	}
	return t, seen
}

// buildTemplate lays out an Encoding from a template and the token sequences it
// names (seqs[0] is $A, seqs[1] is $B). Without special tokens, the sequences keep the
// template's type ids, as HF does.
func buildTemplate(pieces []templatePiece, seqs [2][]token, addSpecial, truncated bool) Encoding {
	n := 0
	for _, p := range pieces {
		switch {
		case p.seq >= 0:
			n += len(seqs[p.seq])
		case addSpecial:
			n += len(p.ids)
		}
	}
	enc := newEncoding(n, truncated)
	i := 0
	for _, p := range pieces {
		if p.seq >= 0 {
			for _, tk := range seqs[p.seq] {
				enc.IDs[i], enc.TypeIDs[i] = int64(tk.id), int64(p.typeID)
				enc.Offsets[i] = [2]int{int(tk.start), int(tk.end)}
				i++
			}
			continue
		}
		if !addSpecial {
			continue
		}
		for _, id := range p.ids {
			enc.IDs[i], enc.TypeIDs[i], enc.SpecialTokens[i] = int64(id), int64(p.typeID), true
			i++
		}
	}
	for j := range enc.AttentionMask {
		enc.AttentionMask[j] = 1
	}
	return enc
}
