package server

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
)

// Filter language (the request's "filter" field), parsed once per request into an AST
// and evaluated per candidate document's metadata:
//
//	{"field": value}                         equality (shorthand for {"$eq": value})
//	{"field": {"$eq"|"$ne": value}}          value: string, number, bool or null
//	{"field": {"$in"|"$nin": [values...]}}   membership
//	{"field": {"$gt"|"$gte"|"$lt"|"$lte": v}} v: number or string (numbers compare
//	                                         numerically, strings byte-wise)
//	{"$and": [filters...]}, {"$or": [filters...]}
//
// Several keys in one object, or several operators on one field, are ANDed. A field is
// a top-level metadata key or a dot path into nested objects ("a.b"). When the field
// holds an array, $eq/$in/ranges match if any element matches, and $ne/$nin match if
// none does. A missing field matches only $ne and $nin. Comparisons of different types
// are false (1 never equals "1").

// maxFilterNodes bounds a filter's size.
const maxFilterNodes = 1024

// maxFilterDepth bounds a filter's nesting.
const maxFilterDepth = 32

// filterNode is one node of a parsed filter.
type filterNode interface {
	match(meta map[string]any) bool
}

type andFilter []filterNode

func (f andFilter) match(m map[string]any) bool {
	for _, n := range f {
		if !n.match(m) {
			return false
		}
	}
	return true
}

type orFilter []filterNode

func (f orFilter) match(m map[string]any) bool {
	for _, n := range f {
		if n.match(m) {
			return true
		}
	}
	return false
}

// cmpFilter compares one field with an operand.
type cmpFilter struct {
	path []string
	op   string
	arg  any   // string, float64, bool or nil
	set  []any // for $in and $nin
}

func (f *cmpFilter) match(m map[string]any) bool {
	v, ok := lookup(m, f.path)
	switch f.op {
	case "$ne":
		return !ok || !anyElem(v, func(e any) bool { return equal(e, f.arg) })
	case "$nin":
		return !ok || !anyElem(v, func(e any) bool { return inSet(e, f.set) })
	}
	if !ok {
		return false
	}
	switch f.op {
	case "$eq":
		return anyElem(v, func(e any) bool { return equal(e, f.arg) })
	case "$in":
		return anyElem(v, func(e any) bool { return inSet(e, f.set) })
	default:
		return anyElem(v, func(e any) bool {
			c, ok := compare(e, f.arg)
			if !ok {
				return false
			}
			switch f.op {
			case "$gt":
				return c > 0
			case "$gte":
				return c >= 0
			case "$lt":
				return c < 0
			default: // $lte
				return c <= 0
			}
		})
	}
}

// lookup follows a dot path through nested objects.
func lookup(m map[string]any, path []string) (any, bool) {
	var cur any = m
	for _, p := range path {
		obj, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		if cur, ok = obj[p]; !ok {
			return nil, false
		}
	}
	return cur, true
}

// anyElem applies pred to v, or to each element when v is an array.
func anyElem(v any, pred func(any) bool) bool {
	if arr, ok := v.([]any); ok {
		for _, e := range arr {
			if pred(e) {
				return true
			}
		}
		return false
	}
	return pred(v)
}

func inSet(v any, set []any) bool {
	for _, s := range set {
		if equal(v, s) {
			return true
		}
	}
	return false
}

// equal compares scalars of the same JSON type.
func equal(a, b any) bool {
	switch x := a.(type) {
	case nil:
		return b == nil
	case string:
		y, ok := b.(string)
		return ok && x == y
	case bool:
		y, ok := b.(bool)
		return ok && x == y
	case float64:
		y, ok := b.(float64)
		return ok && x == y
	}
	return false
}

// compare orders two numbers or two strings; ok is false for other pairs.
func compare(a, b any) (int, bool) {
	switch x := a.(type) {
	case float64:
		y, ok := b.(float64)
		if !ok {
			return 0, false
		}
		switch {
		case x < y:
			return -1, true
		case x > y:
			return 1, true
		}
		return 0, true
	case string:
		y, ok := b.(string)
		if !ok {
			return 0, false
		}
		return strings.Compare(x, y), true
	}
	return 0, false
}

// parseFilter validates a raw filter; nil or {} or null yields a nil node (match all).
func parseFilter(raw json.RawMessage) (filterNode, error) {
	if len(bytes.TrimSpace(raw)) == 0 || bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
		return nil, nil
	}
	var v any
	dec := json.NewDecoder(bytes.NewReader(raw))
	if err := dec.Decode(&v); err != nil {
		return nil, invalid("filter", "not valid JSON: %v", err)
	}
	if dec.More() {
		return nil, invalid("filter", "trailing data after the filter object")
	}
	p := filterParser{}
	n, err := p.object(v, "filter", 0)
	if err != nil {
		return nil, err
	}
	if a, ok := n.(andFilter); ok && len(a) == 0 {
		return nil, nil
	}
	return n, nil
}

type filterParser struct{ nodes int }

func (p *filterParser) count(field string) error {
	p.nodes++
	if p.nodes > maxFilterNodes {
		return invalid(field, "filter has more than %d conditions", maxFilterNodes)
	}
	return nil
}

// object parses a filter object: field conditions and $and/$or, ANDed together.
func (p *filterParser) object(v any, field string, depth int) (filterNode, error) {
	if depth > maxFilterDepth {
		return nil, invalid(field, "nested deeper than %d levels", maxFilterDepth)
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, invalid(field, "must be an object, got %s", jsonType(v))
	}
	var out andFilter
	for _, k := range sortedKeys(obj) {
		val := obj[k]
		sub := field + "." + k
		if err := p.count(sub); err != nil {
			return nil, err
		}
		switch {
		case k == "$and" || k == "$or":
			arr, ok := val.([]any)
			if !ok || len(arr) == 0 {
				return nil, invalid(sub, "must be a non-empty array of filters")
			}
			var list []filterNode
			for i, e := range arr {
				n, err := p.object(e, fmt.Sprintf("%s[%d]", sub, i), depth+1)
				if err != nil {
					return nil, err
				}
				list = append(list, n)
			}
			if k == "$and" {
				out = append(out, andFilter(list))
			} else {
				out = append(out, orFilter(list))
			}
		case strings.HasPrefix(k, "$"):
			return nil, invalid(sub, "unknown operator %q at the top level (use $and or $or, or a field name)", k)
		default:
			n, err := p.field(k, val, sub)
			if err != nil {
				return nil, err
			}
			out = append(out, n...)
		}
	}
	if len(out) == 1 {
		return out[0], nil
	}
	return out, nil
}

// field parses the condition on one metadata field.
func (p *filterParser) field(name string, v any, field string) ([]filterNode, error) {
	path := strings.Split(name, ".")
	for _, s := range path {
		if s == "" {
			return nil, invalid(field, "empty segment in field path %q", name)
		}
	}
	ops, isObj := v.(map[string]any)
	if !isObj {
		if !isScalar(v) {
			return nil, invalid(field, "equality needs a string, number, bool or null (use $in for a list)")
		}
		return []filterNode{&cmpFilter{path: path, op: "$eq", arg: v}}, nil
	}
	if len(ops) == 0 {
		return nil, invalid(field, "empty operator object")
	}
	var out []filterNode
	for _, op := range sortedKeys(ops) {
		arg := ops[op]
		sub := field + "." + op
		if err := p.count(sub); err != nil {
			return nil, err
		}
		f := &cmpFilter{path: path, op: op}
		switch op {
		case "$eq", "$ne":
			if !isScalar(arg) {
				return nil, invalid(sub, "needs a string, number, bool or null, got %s", jsonType(arg))
			}
			f.arg = arg
		case "$in", "$nin":
			arr, ok := arg.([]any)
			if !ok {
				return nil, invalid(sub, "needs an array, got %s", jsonType(arg))
			}
			for i, e := range arr {
				if !isScalar(e) {
					return nil, invalid(fmt.Sprintf("%s[%d]", sub, i), "needs a string, number, bool or null, got %s", jsonType(e))
				}
			}
			f.set = arr
		case "$gt", "$gte", "$lt", "$lte":
			switch x := arg.(type) {
			case string:
			case float64:
				if math.IsNaN(x) {
					return nil, invalid(sub, "NaN is not comparable")
				}
			default:
				return nil, invalid(sub, "needs a number or a string, got %s", jsonType(arg))
			}
			f.arg = arg
		default:
			return nil, invalid(sub, "unknown operator %q (use $eq, $ne, $in, $nin, $gt, $gte, $lt, $lte)", op)
		}
		out = append(out, f)
	}
	return out, nil
}

func isScalar(v any) bool {
	switch v.(type) {
	case nil, string, float64, bool:
		return true
	}
	return false
}

func jsonType(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case float64:
		return "a number"
	case bool:
		return "a bool"
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}

// sortedKeys makes parsing (and its error messages) deterministic.
func sortedKeys(m map[string]any) []string {
	return slices.Sorted(maps.Keys(m))
}
