package embed

import (
	"slices"
	"testing"
)

func TestTemplateBuild(t *testing.T) {
	tmpl := template{
		prefix: []templateToken{{id: 101}},
		suffix: []templateToken{{id: 102}, {id: 7, typeID: 1}},
		typeID: 0,
	}
	if tmpl.numSpecial() != 3 {
		t.Fatalf("numSpecial %d, want 3", tmpl.numSpecial())
	}
	toks := []token{{id: 5, start: 0, end: 3}, {id: 6, start: 4, end: 9}}
	enc := tmpl.build(toks, true, true)
	want := Encoding{
		IDs:           []int64{101, 5, 6, 102, 7},
		TypeIDs:       []int64{0, 0, 0, 0, 1},
		AttentionMask: []int64{1, 1, 1, 1, 1},
		Offsets:       [][2]int{{0, 0}, {0, 3}, {4, 9}, {0, 0}, {0, 0}},
		SpecialTokens: []bool{true, false, false, true, true},
		Truncated:     true,
	}
	if !slices.Equal(enc.IDs, want.IDs) || !slices.Equal(enc.TypeIDs, want.TypeIDs) || !slices.Equal(enc.AttentionMask, want.AttentionMask) ||
		!slices.Equal(enc.Offsets, want.Offsets) || !slices.Equal(enc.SpecialTokens, want.SpecialTokens) || enc.Truncated != want.Truncated {
		t.Fatalf("got %+v\nwant %+v", enc, want)
	}
	// The shared backing array must not let one slice grow into another.
	enc.IDs = append(enc.IDs, 1)
	if enc.TypeIDs[0] != 0 {
		t.Fatal("appending to IDs overwrote TypeIDs")
	}

	plain := tmpl.build(toks, false, false)
	if !slices.Equal(plain.IDs, []int64{5, 6}) || slices.Contains(plain.SpecialTokens, true) {
		t.Fatalf("without special tokens: %+v", plain)
	}
	empty := template{}.build(nil, true, false)
	if len(empty.IDs) != 0 || len(empty.Offsets) != 0 {
		t.Fatalf("empty template and text: %+v", empty)
	}
}
