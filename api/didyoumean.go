package api

import (
	"fmt"
	"net/http"
	"reflect"
	"sort"
	"strings"
)

// Unknown JSON fields are rejected (strict decoding); the error suggests the field the
// client most likely meant: a known field within a small edit distance, or the field that
// other APIs' name maps to (top_k → k, where → filter, ...).

// otherAPINames maps field names used by other search and embedding APIs to ours.
var otherAPINames = map[string]string{
	"top_k": "k", "topk": "k", "limit": "k", "n": "k", "size": "k", "top_n": "k", "num_results": "k",
	"where": "filter", "filters": "filter", "query_filter": "filter",
	"prompt": "instruction", "instructions": "instruction", "task": "instruction",
	"query_text": "query", "q": "query", "text": "query", "input": "query",
	"embedding": "vector", "query_vector": "vector", "near_vector": "vector",
	"with_payload": "include", "with_vectors": "include", "include_metadata": "include", "fields": "include",
	"ef_search": "ef", "hnsw_ef": "ef", "score_threshold": "min_score", "threshold": "min_score",
	"search_type": "mode", "input_format": "encoding_format",
}

// unknownField extracts the name from encoding/json's `json: unknown field "x"` error.
func unknownField(err error) (string, bool) {
	const prefix = `json: unknown field "`
	msg := err.Error()
	if !strings.HasPrefix(msg, prefix) || !strings.HasSuffix(msg, `"`) {
		return "", false
	}
	return strings.TrimSuffix(strings.TrimPrefix(msg, prefix), `"`), true
}

// unknownFieldError is the 400 for an unknown field, with a suggestion when one fits.
func unknownFieldError(field string, dst any) error {
	known := jsonFieldNames(reflect.TypeOf(dst))
	msg := fmt.Sprintf("unknown field %q", field)
	if s := suggestField(field, known); s != "" {
		msg += fmt.Sprintf("; did you mean %q?", s)
	} else if len(known) > 0 && len(known) <= 24 {
		msg += "; known fields: " + strings.Join(known, ", ")
	}
	return &httpError{status: http.StatusBadRequest, code: codeInvalidInput, message: msg, field: field}
}

// suggestField returns the known field the client probably meant, or "".
func suggestField(field string, known []string) string {
	has := func(name string) bool {
		for _, k := range known {
			if k == name {
				return true
			}
		}
		return false
	}
	lower := strings.ToLower(field)
	if alt, ok := otherAPINames[lower]; ok && has(alt) {
		return alt
	}
	best, bestDist := "", 3
	if len(lower) <= 3 {
		bestDist = 2
	}
	for _, k := range known {
		if d := editDistance(lower, k); d < bestDist {
			best, bestDist = k, d
		}
	}
	return best
}

// jsonFieldNames lists the JSON names of a struct type's fields (embedded structs
// flattened), sorted; nil for non-struct types.
func jsonFieldNames(t reflect.Type) []string {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil || t.Kind() != reflect.Struct {
		return nil
	}
	var names []string
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		name, _, _ := strings.Cut(tag, ",")
		if name == "-" {
			continue
		}
		if f.Anonymous && name == "" {
			names = append(names, jsonFieldNames(f.Type)...)
			continue
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// editDistance is the Levenshtein distance between a and b (bytes; field names are ASCII).
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
