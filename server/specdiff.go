package server

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// specDiff lists the fields in which two collection specs differ, as
// `field: stored X, sent Y`, with nested fields by their JSON path (index.ef_search).
func specDiff(stored, sent CollectionSpec) string {
	a, b := flatJSON(stored), flatJSON(sent)
	keys := map[string]bool{}
	for k := range a {
		keys[k] = true
	}
	for k := range b {
		keys[k] = true
	}
	var diffs []string
	for k := range keys {
		if a[k] != b[k] {
			diffs = append(diffs, fmt.Sprintf("%s: stored %s, sent %s", k, orUnset(a[k]), orUnset(b[k])))
		}
	}
	sort.Strings(diffs)
	if len(diffs) == 0 {
		return "no field differs in JSON"
	}
	return strings.Join(diffs, "; ")
}

func orUnset(v string) string {
	if v == "" {
		return "unset"
	}
	return v
}

// flatJSON flattens a value's JSON object into path → JSON text of each leaf.
func flatJSON(v any) map[string]string {
	raw, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	var obj map[string]any
	if json.Unmarshal(raw, &obj) != nil {
		return nil
	}
	out := map[string]string{}
	var walk func(prefix string, m map[string]any)
	walk = func(prefix string, m map[string]any) {
		for k, val := range m {
			if sub, ok := val.(map[string]any); ok {
				walk(prefix+k+".", sub)
				continue
			}
			b, _ := json.Marshal(val)
			out[prefix+k] = string(b)
		}
	}
	walk("", obj)
	return out
}
