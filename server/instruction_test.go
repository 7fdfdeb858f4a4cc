package server

import (
	"context"
	"errors"
	"strings"
	"testing"
)

func TestInstructionLengthLimited(t *testing.T) {
	ts := newTest(t)
	ctx := context.Background()
	mustCreate(t, ts, "c", CollectionSpec{})
	long := strings.Repeat("i", ts.cfg.Limits.MaxTextBytes+1)
	var ie *InputError
	_, err := ts.Search(ctx, "c", SearchRequest{Query: "x", Instruction: &long})
	if !errors.As(err, &ie) || ie.Field != "instruction" {
		t.Errorf("search with a too long instruction: %v", err)
	}
	_, err = ts.Embed(ctx, EmbedRequest{Inputs: []string{"x"}, InputType: "query", Instruction: &long})
	if !errors.As(err, &ie) || ie.Field != "instruction" {
		t.Errorf("embed with a too long instruction: %v", err)
	}
	_, _, err = ts.CreateCollection(ctx, "d", CollectionSpec{DefaultInstruction: &long})
	if !errors.As(err, &ie) || ie.Field != "default_instruction" {
		t.Errorf("collection with a too long default instruction: %v", err)
	}
	ok := strings.Repeat("i", 100)
	if _, err := ts.Search(ctx, "c", SearchRequest{Query: "x", Instruction: &ok}); err != nil {
		t.Errorf("search with a short instruction: %v", err)
	}
}
