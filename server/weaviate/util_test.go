package weaviate_test

import (
	"encoding/json"
	"slices"

	"github.com/instructd/instructd/wire"
)

func rawJSON(s string) json.RawMessage { return json.RawMessage(s) }

func jsonVec(v []float32) string {
	raw, _ := json.Marshal(v)
	return string(raw)
}

func hitIDs(r wire.SearchResponse) []string {
	out := make([]string, len(r.Hits))
	for i, h := range r.Hits {
		out[i] = h.ID
	}
	return out
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}
