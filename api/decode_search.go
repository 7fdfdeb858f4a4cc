package api

import (
	"net/http"
	"unicode/utf8"

	"github.com/instructd/instructd/internal/jsonflat"
)

// decodeSearchBody decodes a search body. The common single query (vector or query
// text, k, include, mode, ef, instruction, allow_partial: plain values only) is read
// without reflection; anything else, and every malformed body, goes through
// decodeStrict, which gives the same value and the same errors.
func decodeSearchBody(r *http.Request, body *searchBody) error {
	b, err := readBody(r)
	if err != nil {
		return err
	}
	if utf8.Valid(b) && decodeSearchFast(b, body) {
		return nil
	}
	*body = searchBody{}
	return decodeStrict(b, body)
}

// decodeSearchFast fills body from a flat single-query body; false when the body has
// anything jsonflat declines or a member it does not handle.
func decodeSearchFast(b []byte, body *searchBody) bool {
	return jsonflat.Object(b, func(key string, v jsonflat.Value) bool {
		var ok bool
		switch key {
		case "vector":
			body.Vector, ok = v.Float32s(nil)
		case "query":
			body.Query, ok = v.Str()
		case "k":
			var k int
			k, ok = v.Int()
			body.K = &k
		case "include":
			body.Include, ok = v.Strings()
		case "mode":
			body.Mode, ok = v.Str()
		case "ef":
			body.Ef, ok = v.Int()
		case "instruction":
			var s string
			s, ok = v.Str()
			body.Instruction = &s
		case "allow_partial":
			body.AllowPartial, ok = v.Bool()
		}
		return ok
	})
}
