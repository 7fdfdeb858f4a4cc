// Package jsonflat reads one flat JSON object (members whose values are strings,
// numbers, booleans, or arrays of numbers or of strings) without reflection, for hot
// request paths. It accepts only input it reads exactly as encoding/json would: strings
// with escapes, nested objects, null, arrays of other kinds and anything after the
// object make it answer false, and the caller then decodes with encoding/json, which
// also produces the error messages. The input must already be valid UTF-8.
package jsonflat

import (
	"strconv"
	"unsafe"
)

// Kind is the JSON type of a member's value.
type Kind uint8

// The kinds of value a flat object may hold.
const (
	String      Kind = iota + 1 // a string without escapes
	Number                      // a number (JSON grammar)
	Bool                        // true or false
	NumberArray                 // an array of numbers, or [] (Strings takes it too)
	StringArray                 // a non-empty array of strings without escapes
)

// Value is one member's value; its methods convert it. Raw aliases the input.
type Value struct {
	Kind Kind
	Raw  []byte // the value's JSON text (strings: without the quotes)
}

// Object reads b as one flat JSON object surrounded by optional whitespace and calls
// member for each member in order; the key aliases b. It returns false when b is not
// such an object, a key repeats, or member returns false.
func Object(b []byte, member func(key string, v Value) bool) bool {
	i := skipWS(b, 0)
	if i >= len(b) || b[i] != '{' {
		return false
	}
	i = skipWS(b, i+1)
	var seen [16]string
	n := 0
	if i < len(b) && b[i] == '}' {
		return skipWS(b, i+1) == len(b)
	}
	for {
		key, j, ok := str(b, i)
		if !ok {
			return false
		}
		for _, k := range seen[:min(n, len(seen))] {
			if k == key {
				return false
			}
		}
		if n == len(seen) {
			return false // more members than a flat request has
		}
		seen[n] = key
		n++
		i = skipWS(b, j)
		if i >= len(b) || b[i] != ':' {
			return false
		}
		i = skipWS(b, i+1)
		v, j, ok := value(b, i)
		if !ok || !member(key, v) {
			return false
		}
		i = skipWS(b, j)
		if i >= len(b) {
			return false
		}
		switch b[i] {
		case ',':
			i = skipWS(b, i+1)
		case '}':
			return skipWS(b, i+1) == len(b)
		default:
			return false
		}
	}
}

// Str is a String value.
func (v Value) Str() (string, bool) {
	if v.Kind != String {
		return "", false
	}
	return string(v.Raw), true
}

// Bool is a Bool value.
func (v Value) Bool() (bool, bool) {
	if v.Kind != Bool {
		return false, false
	}
	return v.Raw[0] == 't', true
}

// Int is a Number that is an integer in int's range (as encoding/json decodes into an
// int: no fraction, no exponent).
func (v Value) Int() (int, bool) {
	if v.Kind != Number {
		return 0, false
	}
	n, err := strconv.ParseInt(bstr(v.Raw), 10, strconv.IntSize)
	return int(n), err == nil
}

// Float32s appends a NumberArray's numbers, rounded to float32 as encoding/json does,
// to dst; false if one is out of float32's range. An empty array gives a non-nil
// empty slice, as encoding/json does.
func (v Value) Float32s(dst []float32) ([]float32, bool) {
	if v.Kind != NumberArray {
		return nil, false
	}
	if dst == nil {
		dst = make([]float32, 0, 1+len(v.Raw)/8)
	}
	b := v.Raw
	i := skipWS(b, 1)
	for i < len(b) && b[i] != ']' {
		j := numberEnd(b, i)
		f, err := strconv.ParseFloat(bstr(b[i:j]), 32)
		if err != nil {
			return nil, false
		}
		dst = append(dst, float32(f))
		i = skipWS(b, j)
		if b[i] == ',' {
			i = skipWS(b, i+1)
		}
	}
	return dst, true
}

// Strings is a StringArray's strings (copied); an empty array gives a non-nil empty
// slice, as encoding/json does.
func (v Value) Strings() ([]string, bool) {
	if v.Kind != StringArray && (v.Kind != NumberArray || len(v.Raw) > 0 && skipWS(v.Raw, 1) != len(v.Raw)-1) {
		return nil, false
	}
	out := []string{}
	b := v.Raw
	i := skipWS(b, 1)
	for i < len(b) && b[i] != ']' {
		s, j, _ := strBytes(b, i)
		out = append(out, string(s))
		i = skipWS(b, j)
		if b[i] == ',' {
			i = skipWS(b, i+1)
		}
	}
	return out, true
}

// value reads the value at b[i:], returning it and the index after it.
func value(b []byte, i int) (Value, int, bool) {
	if i >= len(b) {
		return Value{}, 0, false
	}
	switch c := b[i]; {
	case c == '"':
		s, j, ok := strBytes(b, i)
		return Value{Kind: String, Raw: s}, j, ok
	case c == '-' || (c >= '0' && c <= '9'):
		j, ok := number(b, i)
		if !ok {
			return Value{}, 0, false
		}
		return Value{Kind: Number, Raw: b[i:j]}, j, true
	case c == 't' && hasPrefix(b[i:], "true"):
		return Value{Kind: Bool, Raw: b[i : i+4]}, i + 4, true
	case c == 'f' && hasPrefix(b[i:], "false"):
		return Value{Kind: Bool, Raw: b[i : i+5]}, i + 5, true
	case c == '[':
		return array(b, i)
	}
	return Value{}, 0, false
}

// array reads an array of numbers or of strings (all one kind) at b[i:].
func array(b []byte, i int) (Value, int, bool) {
	start := i
	i = skipWS(b, i+1)
	if i < len(b) && b[i] == ']' {
		return Value{Kind: NumberArray, Raw: b[start : i+1]}, i + 1, true
	}
	var kind Kind
	for {
		if i >= len(b) {
			return Value{}, 0, false
		}
		var j int
		var ok bool
		if b[i] == '"' {
			if kind == NumberArray {
				return Value{}, 0, false
			}
			kind = StringArray
			_, j, ok = strBytes(b, i)
		} else {
			if kind == StringArray {
				return Value{}, 0, false
			}
			kind = NumberArray
			j, ok = number(b, i)
		}
		if !ok {
			return Value{}, 0, false
		}
		i = skipWS(b, j)
		if i >= len(b) {
			return Value{}, 0, false
		}
		switch b[i] {
		case ',':
			i = skipWS(b, i+1)
		case ']':
			return Value{Kind: kind, Raw: b[start : i+1]}, i + 1, true
		default:
			return Value{}, 0, false
		}
	}
}

// strBytes reads a string without escapes or control characters at b[i:] (b[i] is
// '"'), returning its contents and the index after the closing quote.
func strBytes(b []byte, i int) ([]byte, int, bool) {
	if i >= len(b) || b[i] != '"' {
		return nil, 0, false
	}
	for j := i + 1; j < len(b); j++ {
		switch c := b[j]; {
		case c == '"':
			return b[i+1 : j], j + 1, true
		case c == '\\' || c < 0x20:
			return nil, 0, false
		}
	}
	return nil, 0, false
}

// str is strBytes as a string aliasing b.
func str(b []byte, i int) (string, int, bool) {
	s, j, ok := strBytes(b, i)
	return bstr(s), j, ok
}

// number checks the JSON number grammar at b[i:] and returns the index after it:
// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func number(b []byte, i int) (int, bool) {
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && b[i] >= '1' && b[i] <= '9':
		i = digits(b, i)
	default:
		return 0, false
	}
	if i < len(b) && b[i] == '.' {
		j := digits(b, i+1)
		if j == i+1 {
			return 0, false
		}
		i = j
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		j := digits(b, i)
		if j == i {
			return 0, false
		}
		i = j
	}
	return i, true
}

// numberEnd is the index after an already validated number at b[i:].
func numberEnd(b []byte, i int) int {
	for i < len(b) {
		switch c := b[i]; {
		case c >= '0' && c <= '9', c == '-', c == '+', c == '.', c == 'e', c == 'E':
			i++
		default:
			return i
		}
	}
	return i
}

func digits(b []byte, i int) int {
	for i < len(b) && b[i] >= '0' && b[i] <= '9' {
		i++
	}
	return i
}

func skipWS(b []byte, i int) int {
	for i < len(b) {
		switch b[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

func hasPrefix(b []byte, s string) bool { return len(b) >= len(s) && string(b[:len(s)]) == s }

// bstr views b as a string without copying; the caller keeps b unchanged while the
// string is in use (keys and numbers are consumed before Object returns).
func bstr(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }
