package server

import (
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/instructd/instructd/models"
)

func TestEmbed(t *testing.T) {
	ts := newTest(t)
	ctx := context.Background()
	res, err := ts.Embed(ctx, EmbedRequest{Inputs: []string{"hello world", "x"}})
	if err != nil || res.Model != "fake/model" || len(res.Vectors) != 2 || len(res.Vectors[0]) != fakeDim || res.Tokens == 0 {
		t.Fatalf("embed: %+v %v", res, err)
	}
	res8, err := ts.Embed(ctx, EmbedRequest{Model: "fake/model", Inputs: []string{"hello world"}, Dimensions: 8, InputType: "query"})
	if err != nil || len(res8.Vectors[0]) != 8 {
		t.Fatalf("dimensions 8: %+v %v", res8, err)
	}
	var norm float64
	for _, f := range res8.Vectors[0] {
		norm += float64(f) * float64(f)
	}
	if math.Abs(norm-1) > 1e-5 {
		t.Fatalf("truncated vector norm² %v, want 1", norm)
	}
	// Same direction as the full vector's prefix.
	full := res.Vectors[0][:8]
	var dot, fn float64
	for i := range full {
		dot += float64(full[i]) * float64(res8.Vectors[0][i])
		fn += float64(full[i]) * float64(full[i])
	}
	if math.Abs(dot/math.Sqrt(fn)-1) > 1e-5 {
		t.Fatal("truncated vector is not the renormalised prefix")
	}
	instr := "x"
	many := make([]string, 2049)
	for i := range many {
		many[i] = "a"
	}
	cases := []struct {
		req   EmbedRequest
		field string
	}{
		{EmbedRequest{}, "input"},
		{EmbedRequest{Inputs: many}, "input"},
		{EmbedRequest{Inputs: []string{""}}, "input[0]"},
		{EmbedRequest{Inputs: []string{"ok", "\xff"}}, "input[1]"},
		{EmbedRequest{Inputs: []string{"a"}, Dimensions: fakeDim + 1}, "dimensions"},
		{EmbedRequest{Inputs: []string{"a"}, Dimensions: -1}, "dimensions"},
		{EmbedRequest{Inputs: []string{"a"}, InputType: "passage"}, "input_type"},
		{EmbedRequest{Inputs: []string{"a"}, Instruction: &instr}, "instruction"},
	}
	for _, tc := range cases {
		_, err := ts.Embed(ctx, tc.req)
		var ie *InputError
		if !errors.As(err, &ie) || ie.Field != tc.field {
			t.Errorf("embed %+v: %v, want InputError on %s", tc.field, err, tc.field)
		}
	}
	if _, err := ts.Embed(ctx, EmbedRequest{Model: "other", Inputs: []string{"a"}}); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown model: %v", err)
	}
	ts.emb.overload.Store(true)
	if _, err := ts.Embed(ctx, EmbedRequest{Inputs: []string{"a"}}); !errors.Is(err, ErrOverloaded) {
		t.Fatalf("overloaded: %v", err)
	}
	models := ts.Models()
	if len(models) != 1 || models[0].ID != "fake/model" || !models[0].Default || models[0].Object != "model" || models[0].InstructionMode != "template" {
		t.Fatalf("models: %+v", models)
	}
}

// TestModelsOpenAIFields checks the OpenAI fields of /v1/models entries.
func TestModelsOpenAIFields(t *testing.T) {
	ts := newTest(t)
	ms := ts.Models()
	if len(ms) != 1 || ms[0].OwnedBy != "fake" || ms[0].Object != "model" {
		t.Fatalf("models: %+v", ms)
	}
	if got := modelOwner("plain-name"); got != "instructd" {
		t.Errorf("modelOwner(plain-name) = %q", got)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, models.ManifestFile), []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	when := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
	if err := os.Chtimes(filepath.Join(dir, models.ManifestFile), when, when); err != nil {
		t.Fatal(err)
	}
	if got := packCreated(dir); got != when.Unix() {
		t.Errorf("packCreated = %d, want %d", got, when.Unix())
	}
}

// TestModelAliases checks that an alias serves its pack everywhere a model name is taken,
// is listed, and is refused at start-up when it points nowhere.
func TestModelAliases(t *testing.T) {
	ts := openTest(t, t.TempDir(), newFakeEmbedder("fake/model"), func(c *Config) {
		c.ModelAliases = map[string]string{"text-embedding-3-small": "fake/model"}
	})
	defer ts.Close(context.Background())
	ctx := context.Background()
	res, err := ts.Embed(ctx, EmbedRequest{Model: "text-embedding-3-small", Inputs: []string{"x"}})
	if err != nil || len(res.Vectors) != 1 {
		t.Fatalf("embed through the alias: %+v %v", res, err)
	}
	info, _, err := ts.CreateCollection(ctx, "c", CollectionSpec{Model: "text-embedding-3-small"})
	if err != nil || info.Model != "fake/model" {
		t.Fatalf("collection through the alias: %+v %v", info, err)
	}
	ms := ts.Models()
	if len(ms) != 2 || ms[1].ID != "text-embedding-3-small" || ms[1].Default || !strings.Contains(ms[1].Description, "alias of fake/model") {
		t.Fatalf("models: %+v", ms)
	}
	for _, bad := range []map[string]string{{"x": "no/such-pack"}, {"fake/model": "fake/model"}} {
		cfg := DefaultConfig()
		cfg.DataDir = t.TempDir()
		cfg.ModelPacks = []string{"pack"}
		cfg.ModelAliases = bad
		if s, err := openWith(ctx, cfg, testDeps(map[string]*fakeEmbedder{"pack": newFakeEmbedder("fake/model")})); err == nil {
			s.Close(ctx)
			t.Errorf("aliases %v accepted", bad)
		}
	}
}
