package jsonflat

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
	"unicode/utf8"
)

// req is a flat request as encoding/json would decode it.
type req struct {
	Query   string    `json:"query,omitempty"`
	Vector  []float32 `json:"vector,omitempty"`
	K       *int      `json:"k,omitempty"`
	Include []string  `json:"include,omitempty"`
	Partial bool      `json:"allow_partial,omitempty"`
}

// fast decodes b with Object into req; false where Object declines.
func fast(b []byte) (req, bool) {
	var r req
	ok := Object(b, func(key string, v Value) bool {
		var ok bool
		switch key {
		case "query":
			r.Query, ok = v.Str()
		case "vector":
			r.Vector, ok = v.Float32s(nil)
		case "k":
			var k int
			k, ok = v.Int()
			r.K = &k
		case "include":
			r.Include, ok = v.Strings()
		case "allow_partial":
			r.Partial, ok = v.Bool()
		}
		return ok
	})
	return r, ok
}

// strict decodes b as the API does: unknown fields rejected, nothing after the value.
func strict(b []byte) (req, error) {
	var r req
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		return r, err
	}
	if _, err := dec.Token(); err == nil {
		return r, &json.SyntaxError{}
	}
	return r, nil
}

// check asserts that whatever Object accepts, encoding/json decodes to the same value.
func check(t *testing.T, b []byte) bool {
	t.Helper()
	if !utf8.Valid(b) {
		return false
	}
	got, ok := fast(b)
	if !ok {
		return false
	}
	want, err := strict(b)
	if err != nil {
		t.Fatalf("%q: accepted, but encoding/json says %v", b, err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%q: got %+v, encoding/json %+v", b, got, want)
	}
	return true
}

func TestObjectAgreesWithEncodingJSON(t *testing.T) {
	accepted := []string{
		`{"vector":[0.1,-2,3e-3,1E+2,0,-0,1.5e38],"k":10,"include":[]}`,
		` {"query":"hello world","k":-3,"include":["text","title"],"allow_partial":true} `,
		"{\n\t\"vector\" : [ ] ,\r\n \"allow_partial\":false}",
		`{}`,
		`{"query":"naïve ☃"}`,
	}
	for _, s := range accepted {
		if !check(t, []byte(s)) {
			t.Errorf("%s: declined, want accepted", s)
		}
	}
	declined := []string{
		``, ` `, `[]`, `null`, `{`, `{"k":1`, `{"k":1}x`, `{"k":1}{}`, `{"k":1,}`, `{,}`,
		`{"k":01}`, `{"k":+1}`, `{"k":1.}`, `{"k":.5}`, `{"k":1e}`, `{"k":-}`, `{"k":1.0}`, `{"k":1e2}`,
		`{"k":99999999999999999999}`, `{"k":null}`, `{"k":"1"}`, `{"k":1,"k":2}`,
		`{"vector":[1e39]}`, `{"vector":[NaN]}`, `{"vector":[Infinity]}`, `{"vector":[0x10]}`, `{"vector":[1,]}`,
		`{"vector":[1 2]}`, `{"vector":[1,"a"]}`, `{"vector":[[1]]}`, `{"vector":null}`, `{"vector":["a"]}`,
		`{"query":"a\"b"}`, `{"query":"a\nb"}`, "{\"query\":\"a\tb\"}", `{"query":1}`, `{"Query":"x"}`,
		`{"qu\u0065ry":"x"}`, `{"include":["a",1]}`, `{"include":"text"}`, `{"filter":{"a":1}}`,
		`{"allow_partial":tru}`, `{"allow_partial":1}`, `{"unknown":1}`, "{\"k\":1}\x00",
		`{"a":1,"b":2,"c":3,"d":4,"e":5,"f":6,"g":7,"h":8,"i":9,"j":10,"k":11,"l":12,"m":13,"n":14,"o":15,"p":16,"q":17}`,
	}
	for _, s := range declined {
		if check(t, []byte(s)) {
			t.Errorf("%s: accepted, want declined", s)
		}
	}
}

func FuzzObject(f *testing.F) {
	for _, s := range []string{
		`{"vector":[0.1,-2,3e-3],"k":10,"include":[]}`, `{"query":"x","include":["text"],"allow_partial":true}`,
		`{"k":1e2}`, `{"vector":[1e39]}`, `{}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) { check(t, b) })
}

// searchBody is a typical dense search: 128 floats, k, include.
func searchBody() []byte {
	v := make([]float32, 128)
	for i := range v {
		v[i] = float32(i%7)*0.0123456 - 0.04
	}
	b, _ := json.Marshal(map[string]any{"vector": v, "k": 10, "include": []string{}})
	return b
}

func BenchmarkSearchBodyJsonflat(b *testing.B) {
	body := searchBody()
	for b.Loop() {
		if _, ok := fast(body); !ok {
			b.Fatal("declined")
		}
	}
}

func BenchmarkSearchBodyEncodingJSON(b *testing.B) {
	body := searchBody()
	for b.Loop() {
		if _, err := strict(body); err != nil {
			b.Fatal(err)
		}
	}
}
