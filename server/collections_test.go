package server

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/instructd/instructd/wire"
)

func TestCreateCollectionNames(t *testing.T) {
	ts := newTest(t)
	ctx := context.Background()
	cases := []struct {
		name string
		ok   bool
	}{
		{"docs", true},
		{"A-b_9", true},
		{"9lives", true},
		{strings.Repeat("a", 64), true},
		{strings.Repeat("a", 65), false},
		{"", false},
		{"../x", false},
		{"a/b", false},
		{".hidden", false},
		{"-dash", false},
		{"_under", false},
		{"café", false},
		{"naïve", false},
		{"a b", false},
		{"a.idx", false},
		{"a\x00", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, created, err := ts.CreateCollection(ctx, tc.name, CollectionSpec{})
			if tc.ok {
				if err != nil || !created {
					t.Fatalf("create %q: created=%v err=%v", tc.name, created, err)
				}
				return
			}
			var ie *InputError
			if !errors.As(err, &ie) || !errors.Is(err, ErrInvalidInput) || ie.Field != "name" {
				t.Fatalf("create %q: err %v, want InputError on name", tc.name, err)
			}
		})
	}
}

func TestCreateCollectionSpecs(t *testing.T) {
	ts := newTest(t)
	ctx := context.Background()
	instr := "find it"
	cases := []struct {
		name  string
		spec  CollectionSpec
		field string // "" means success
	}{
		{"default", CollectionSpec{}, ""},
		{"model by name", CollectionSpec{Model: "fake/model", Metric: wire.Dot}, ""},
		{"vector only", CollectionSpec{Dimension: 3, Metric: wire.L2}, ""},
		{"unknown model", CollectionSpec{Model: "nope"}, "model"},
		{"dimension mismatch", CollectionSpec{Model: "fake/model", Dimension: 3}, "dimension"},
		{"dimension too big", CollectionSpec{Dimension: 1 << 20}, "dimension"},
		{"negative dimension", CollectionSpec{Dimension: -1}, "dimension"},
		{"bad metric", CollectionSpec{Metric: "hamming"}, "metric"},
		{"bad mode", CollectionSpec{DefaultMode: "magic"}, "default_mode"},
		{"vector only lexical", CollectionSpec{Dimension: 3, DefaultMode: ModeLexical}, "default_mode"},
		{"vector only instruction", CollectionSpec{Dimension: 3, DefaultInstruction: &instr}, "default_instruction"},
		{"chunk window too big", CollectionSpec{Chunking: &ChunkingSpec{WindowTokens: 100}}, "chunking.window_tokens"},
		{"chunk overlap too big", CollectionSpec{Chunking: &ChunkingSpec{WindowTokens: 10, OverlapTokens: 10}}, "chunking.overlap_tokens"},
		{"chunk vector only", CollectionSpec{Dimension: 3, Chunking: &ChunkingSpec{WindowTokens: 10}}, "chunking"},
		{"bad index params", CollectionSpec{Index: IndexParams{M: -1}}, "index"},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			name := "c" + string(rune('a'+i))
			info, created, err := ts.CreateCollection(ctx, name, tc.spec)
			if tc.field == "" {
				if err != nil || !created || info.Dimension == 0 || info.Spec.Metric == "" {
					t.Fatalf("info %+v created %v err %v", info, created, err)
				}
				return
			}
			var ie *InputError
			if !errors.As(err, &ie) || ie.Field != tc.field {
				t.Fatalf("err %v, want InputError on %q", err, tc.field)
			}
		})
	}
}

func TestCollectionLifecycle(t *testing.T) {
	ts := newTest(t)
	ctx := context.Background()
	info, created, err := ts.CreateCollection(ctx, "docs", CollectionSpec{})
	if err != nil || !created || info.Model != "fake/model" || info.Dimension != fakeDim || info.Spec.Metric != wire.Cosine {
		t.Fatalf("create: %+v %v %v", info, created, err)
	}
	// The same spec, spelled explicitly or not, is no conflict.
	for _, spec := range []CollectionSpec{{}, {Model: "fake/model"}, {Model: "fake/model", Metric: wire.Cosine, Dimension: fakeDim}} {
		if _, created, err := ts.CreateCollection(ctx, "docs", spec); err != nil || created {
			t.Fatalf("re-create with %+v: created=%v err=%v", spec, created, err)
		}
	}
	// Dimension without model means vector-only: another spec.
	for _, spec := range []CollectionSpec{{Metric: wire.Dot}, {Dimension: fakeDim}} {
		if _, _, err := ts.CreateCollection(ctx, "docs", spec); !errors.Is(err, ErrConflict) {
			t.Fatalf("conflicting spec %+v: %v", spec, err)
		}
	}
	if _, _, err := ts.CreateCollection(ctx, "alpha", CollectionSpec{Dimension: 2}); err != nil {
		t.Fatal(err)
	}
	list, err := ts.ListCollections(ctx)
	if err != nil || len(list) != 2 || list[0].Name != "alpha" || list[1].Name != "docs" {
		t.Fatalf("list: %+v %v", list, err)
	}
	if _, err := ts.Upsert(ctx, "docs", []Document{{ID: "a", Text: "hello"}}); err != nil {
		t.Fatal(err)
	}
	if info, err := ts.GetCollection(ctx, "docs"); err != nil || info.Count != 1 || info.Index.Count != 1 {
		t.Fatalf("get: %+v %v", info, err)
	}
	if err := ts.DeleteCollection(ctx, "docs"); err != nil {
		t.Fatal(err)
	}
	for _, err := range []error{
		ts.DeleteCollection(ctx, "docs"),
		func() error { _, err := ts.GetCollection(ctx, "docs"); return err }(),
		func() error { _, err := ts.Upsert(ctx, "docs", []Document{{ID: "a", Text: "x"}}); return err }(),
		func() error { _, err := ts.Search(ctx, "docs", SearchRequest{Query: "x"}); return err }(),
	} {
		if !errors.Is(err, ErrNotFound) {
			t.Fatalf("after delete: %v, want ErrNotFound", err)
		}
	}
	// Re-created, it starts empty.
	if _, created, err := ts.CreateCollection(ctx, "docs", CollectionSpec{}); err != nil || !created {
		t.Fatal(err)
	}
	if info, _ := ts.GetCollection(ctx, "docs"); info.Count != 0 {
		t.Fatalf("re-created collection has %d documents", info.Count)
	}
}

func TestNoPackNeedsDimension(t *testing.T) {
	ts := openTest(t, t.TempDir(), nil)
	defer ts.Close(context.Background())
	var ie *InputError
	if _, _, err := ts.CreateCollection(context.Background(), "c", CollectionSpec{}); !errors.As(err, &ie) || ie.Field != "dimension" {
		t.Fatalf("create without pack: %v", err)
	}
	if len(ts.Models()) != 0 {
		t.Fatal("models listed without packs")
	}
	if _, err := ts.Embed(context.Background(), EmbedRequest{Inputs: []string{"x"}}); !errors.Is(err, ErrNotFound) {
		t.Fatalf("embed without pack: %v", err)
	}
}

func TestDeleteCollectionUnderLoad(t *testing.T) {
	ts := newTest(t)
	ctx := context.Background()
	mustCreate(t, ts, "c", CollectionSpec{})
	mustUpsert(t, ts, "c", Document{ID: "a", Text: "x"})
	done := make(chan struct{})
	errs := make(chan error, 2)
	for w := 0; w < 2; w++ {
		go func() {
			for i := 0; ; i++ {
				select {
				case <-done:
					errs <- nil
					return
				default:
				}
				var err error
				if w == 0 {
					_, err = ts.Upsert(ctx, "c", []Document{{ID: "d" + itoa(i), Text: "y"}})
				} else {
					_, err = ts.Search(ctx, "c", SearchRequest{Query: "x", Mode: ModeHybrid})
				}
				if err != nil && !errors.Is(err, ErrNotFound) {
					errs <- err
					return
				}
			}
		}()
	}
	if err := ts.DeleteCollection(ctx, "c"); err != nil {
		t.Fatal(err)
	}
	mustCreate(t, ts, "c", CollectionSpec{})
	close(done)
	for i := 0; i < 2; i++ {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
}

// TestCreateConflictNamesFields checks that a 409 says which spec fields differ.
func TestCreateConflictNamesFields(t *testing.T) {
	ts := newTest(t)
	ctx := context.Background()
	if _, _, err := ts.CreateCollection(ctx, "c", CollectionSpec{Metric: wire.Dot}); err != nil {
		t.Fatal(err)
	}
	_, _, err := ts.CreateCollection(ctx, "c", CollectionSpec{Metric: wire.L2, Index: IndexParams{EfSearch: 99}})
	if !errors.Is(err, ErrConflict) {
		t.Fatalf("err %v, want ErrConflict", err)
	}
	for _, want := range []string{`metric: stored "dot", sent "l2"`, "index.ef_search: stored unset, sent 99"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("conflict %q does not say %q", err, want)
		}
	}
}
