package weaviate

import (
	"encoding/hex"
	"encoding/json"
	"math"
	"sort"
	"strings"
)

// Metadata becomes filterable properties, one per (field path, JSON type), each an
// array so that a field holding an array matches element-wise as our filter language
// says: "m_<hex of the dot path>_<t>" with t = s (text[], field tokenization),
// n (number[]), b (boolean[]) or z (boolean[], true when the value is null).
// Weaviate property names allow [_0-9A-Za-z] and at most 230 characters, so the path
// is hex-encoded; longer paths are stored (in meta) but not filterable.
const maxPropName = 230

// Property type letters.
const (
	typeText   = 's'
	typeNumber = 'n'
	typeBool   = 'b'
	typeNull   = 'z'
)

// propName names the filterable property of path for values of type t; ok is false when
// the name would be too long.
func propName(path []string, t byte) (string, bool) {
	n := "m_" + hex.EncodeToString([]byte(strings.Join(path, "."))) + "_" + string(t)
	return n, len(n) <= maxPropName
}

// propDataType is the Weaviate data type of a property type letter.
func propDataType(t byte) string {
	switch t {
	case typeText:
		return "text[]"
	case typeNumber:
		return "number[]"
	default:
		return "boolean[]"
	}
}

// flatValues holds one object's filterable metadata values per property name.
type flatValues struct {
	text map[string][]string
	num  map[string][]float64
	bool map[string][]bool
}

// flatten walks metadata: nested objects extend the path, arrays contribute their
// scalar elements (objects inside arrays are not filterable, as in the local engine).
func flatten(meta map[string]any) flatValues {
	fv := flatValues{text: map[string][]string{}, num: map[string][]float64{}, bool: map[string][]bool{}}
	var walk func(path []string, v any, inArray bool)
	walk = func(path []string, v any, inArray bool) {
		switch x := v.(type) {
		case map[string]any:
			if inArray {
				return
			}
			for k, e := range x {
				walk(append(path[:len(path):len(path)], k), e, false)
			}
		case []any:
			if inArray {
				return
			}
			for _, e := range x {
				walk(path, e, true)
			}
		default:
			t, val, ok := scalar(v)
			if !ok {
				return
			}
			name, ok := propName(path, t)
			if !ok {
				return
			}
			switch t {
			case typeText:
				fv.text[name] = append(fv.text[name], val.(string))
			case typeNumber:
				fv.num[name] = append(fv.num[name], val.(float64))
			case typeBool:
				fv.bool[name] = append(fv.bool[name], val.(bool))
			case typeNull:
				if len(fv.bool[name]) == 0 {
					fv.bool[name] = append(fv.bool[name], true)
				}
			}
		}
	}
	for k, v := range meta {
		walk([]string{k}, v, false)
	}
	return fv
}

// names returns every property name with its type letter, sorted.
func (fv flatValues) names() [][2]string {
	var out [][2]string
	for n := range fv.text {
		out = append(out, [2]string{n, "s"})
	}
	for n := range fv.num {
		out = append(out, [2]string{n, "n"})
	}
	for n := range fv.bool {
		out = append(out, [2]string{n, n[len(n)-1:]})
	}
	sort.Slice(out, func(i, j int) bool { return out[i][0] < out[j][0] })
	return out
}

// scalar classifies a JSON scalar: its type letter and its value as string, float64,
// bool or nil.
func scalar(v any) (byte, any, bool) {
	switch x := v.(type) {
	case nil:
		return typeNull, nil, true
	case string:
		return typeText, x, true
	case bool:
		return typeBool, x, true
	case float64:
		return typeNumber, x, !math.IsNaN(x) && !math.IsInf(x, 0)
	case float32:
		return typeNumber, float64(x), true
	case int:
		return typeNumber, float64(x), true
	case int64:
		return typeNumber, float64(x), true
	case int32:
		return typeNumber, float64(x), true
	case uint64:
		return typeNumber, float64(x), true
	case uint32:
		return typeNumber, float64(x), true
	case json.Number:
		f, err := x.Float64()
		return typeNumber, f, err == nil
	}
	return 0, nil, false
}
