package weaviate

import (
	"testing"

	pb "github.com/weaviate/weaviate/grpc/generated/protocol/v1"

	"github.com/instructd/instructd/server/backend"
)

// These run without Weaviate: the translation's shape and its constant folding. The
// semantics against real Weaviate are in TestAPIParitySingleNode.

func TestFlattenTypesAndPaths(t *testing.T) {
	fv := flatten(map[string]any{
		"s": "x", "n": 2.5, "b": true, "z": nil,
		"arr":    []any{"a", 1.0, nil, map[string]any{"deep": 1.0}},
		"nested": map[string]any{"k": "v"},
	})
	name := func(path string, tp byte) string {
		n, ok := propName([]string{path}, tp)
		if !ok {
			t.Fatal("name too long")
		}
		return n
	}
	if got := fv.text[name("s", typeText)]; len(got) != 1 || got[0] != "x" {
		t.Fatalf("s: %v", got)
	}
	if got := fv.num[name("n", typeNumber)]; len(got) != 1 || got[0] != 2.5 {
		t.Fatalf("n: %v", got)
	}
	if got := fv.bool[name("z", typeNull)]; len(got) != 1 || !got[0] {
		t.Fatalf("null marker: %v", got)
	}
	if got := fv.text[name("arr", typeText)]; len(got) != 1 {
		t.Fatalf("array strings: %v", got)
	}
	if got := fv.num[name("arr", typeNumber)]; len(got) != 1 {
		t.Fatalf("array numbers (objects inside arrays are not filterable): %v", got)
	}
	nested, _ := propName([]string{"nested", "k"}, typeText)
	if got := fv.text[nested]; len(got) != 1 || got[0] != "v" {
		t.Fatalf("nested.k: %v", got)
	}
	if _, ok := propName([]string{string(make([]byte, 200))}, typeText); ok {
		t.Fatal("a 200-byte path must not become a property name (Weaviate allows 230 characters)")
	}
}

func TestTranslateFolding(t *testing.T) {
	known := map[string]bool{}
	for _, p := range [][]string{{"color"}, {"n"}} {
		for _, tp := range []byte{typeText, typeNumber} {
			n, _ := propName(p, tp)
			known[n] = true
		}
	}
	isKnown := func(p string) bool { return known[p] }
	cmp := func(op, field string, arg any, set ...any) *backend.Filter {
		return &backend.Filter{Op: op, Path: []string{field}, Arg: arg, Set: set}
	}
	cases := []struct {
		name string
		f    *backend.Filter
		want folded
		op   pb.Filters_Operator
	}{
		{"eq unknown field", cmp("$eq", "missing", "x"), alwaysFalse, 0},
		{"ne unknown field", cmp("$ne", "missing", "x"), alwaysTrue, 0},
		{"nin unknown field", cmp("$nin", "missing", nil, "x"), alwaysTrue, 0},
		{"range on bool", cmp("$gt", "n", true), alwaysFalse, 0},
		{"eq known", cmp("$eq", "color", "red"), notConst, pb.Filters_OPERATOR_CONTAINS_ANY},
		{"ne known", cmp("$ne", "color", "red"), notConst, pb.Filters_OPERATOR_NOT},
		{"in two types", cmp("$in", "color", nil, "red", 1.0), notConst, pb.Filters_OPERATOR_OR},
		{"gte", cmp("$gte", "n", 3.0), notConst, pb.Filters_OPERATOR_GREATER_THAN_EQUAL},
		{"and with false", &backend.Filter{Op: "$and", Children: []*backend.Filter{cmp("$eq", "color", "red"), cmp("$eq", "missing", 1.0)}}, alwaysFalse, 0},
		{"or with true", &backend.Filter{Op: "$or", Children: []*backend.Filter{cmp("$eq", "color", "red"), cmp("$ne", "missing", 1.0)}}, alwaysTrue, 0},
		{"or drops false", &backend.Filter{Op: "$or", Children: []*backend.Filter{cmp("$eq", "color", "red"), cmp("$eq", "missing", 1.0)}}, notConst, pb.Filters_OPERATOR_CONTAINS_ANY},
	}
	for _, c := range cases {
		f, k, err := translate(c.f, isKnown)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if k != c.want {
			t.Fatalf("%s: folded %v, want %v", c.name, k, c.want)
		}
		if k == notConst && f.GetOperator() != c.op {
			t.Fatalf("%s: operator %v, want %v", c.name, f.GetOperator(), c.op)
		}
	}
}

func TestClassNamesAreInjective(t *testing.T) {
	b := &Backend{cfg: Config{ClassPrefix: "Instructd"}}
	seen := map[string]string{}
	for _, n := range []string{"a_b", "a-b", "a_ub", "a_d", "a__b", "A", "x1"} {
		cls := b.className(n)
		if prev, ok := seen[cls]; ok {
			t.Fatalf("%q and %q both map to %s", prev, n, cls)
		}
		seen[cls] = n
		if back, ok := b.collectionName(cls); !ok || back != n {
			t.Fatalf("%q → %s → %q", n, cls, back)
		}
	}
}
