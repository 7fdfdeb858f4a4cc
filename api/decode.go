package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strings"
	"unicode/utf8"
)

// Request bodies are decoded strictly: the body must be valid UTF-8 (encoding/json would
// silently turn invalid bytes into U+FFFD), unknown fields are rejected (a misspelt
// "instrucion" is an error, not a silent default), and nothing may follow the JSON value.

// readBody reads a request body already capped by limitBody.
func readBody(r *http.Request) ([]byte, error) {
	b, err := readAll(r.Body, r.ContentLength)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, err
		}
		return nil, &httpError{status: http.StatusBadRequest, code: codeInvalidJSON,
			message: fmt.Sprintf("reading the request body: %v", err)}
	}
	return b, nil
}

// readAll is io.ReadAll with the buffer sized from the declared length (capped, since a
// client may declare anything), so a typical body is read without regrowing.
func readAll(rd io.Reader, declared int64) ([]byte, error) {
	b := make([]byte, 0, min(max(declared, 0), 1<<20)+512)
	for {
		n, err := rd.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err != nil {
			if err == io.EOF {
				err = nil
			}
			return b, err
		}
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)] // let append pick the next size
		}
	}
}

// decodeBody reads and strictly decodes a JSON request body into dst. An empty body
// is an error unless allowEmpty, in which case dst is left untouched.
func decodeBody(r *http.Request, dst any, allowEmpty bool) error {
	b, err := readBody(r)
	if err != nil {
		return err
	}
	if allowEmpty && len(bytes.TrimSpace(b)) == 0 {
		return nil
	}
	return decodeStrict(b, dst)
}

// decodeStrict decodes exactly one JSON value from b into dst.
func decodeStrict(b []byte, dst any) error {
	if !utf8.Valid(b) {
		return &httpError{status: http.StatusBadRequest, code: codeInvalidJSON,
			message: fmt.Sprintf("body is not valid UTF-8 (first bad byte at offset %d)", invalidUTF8Offset(b))}
	}
	if len(bytes.TrimSpace(b)) == 0 {
		return &httpError{status: http.StatusBadRequest, code: codeInvalidJSON, message: "body is empty: expected a JSON object"}
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		if field, ok := unknownField(err); ok {
			return unknownFieldError(field, dst)
		}
		return jsonError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return &httpError{status: http.StatusBadRequest, code: codeInvalidJSON,
			message: fmt.Sprintf("unexpected data after the JSON value at offset %d", dec.InputOffset())}
	}
	return nil
}

// jsonError turns an encoding/json error into a 400 with a helpful message.
func jsonError(err error) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	msg := err.Error()
	field := ""
	switch {
	case errors.As(err, &se):
		msg = fmt.Sprintf("malformed JSON at offset %d: %s", se.Offset, se.Error())
	case errors.As(err, &te):
		field = te.Field
		where := te.Field
		if where == "" {
			where = "value"
		}
		if strings.HasPrefix(te.Value, "number") && kindName(te.Type) == "number" {
			msg = fmt.Sprintf("%s: %s is out of range for %s", where, strings.TrimPrefix(te.Value, "number "), numberKind(te.Type))
		} else {
			msg = fmt.Sprintf("%s: expected %s, got %s", where, kindName(te.Type), te.Value)
		}
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		msg = "malformed JSON: unexpected end of input"
	default:
		msg = strings.TrimPrefix(msg, "json: ")
	}
	return &httpError{status: http.StatusBadRequest, code: codeInvalidJSON, message: msg, field: field}
}

// kindName names a Go type as the JSON kind a client should send.
func kindName(t reflect.Type) string {
	if t == nil {
		return "a value"
	}
	switch t.Kind() {
	case reflect.Float32, reflect.Float64, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "number"
	case reflect.String:
		return "string"
	case reflect.Bool:
		return "boolean"
	case reflect.Slice, reflect.Array:
		return "array"
	case reflect.Struct, reflect.Map:
		return "object"
	case reflect.Pointer:
		return kindName(t.Elem())
	}
	return t.String()
}

// invalidUTF8Offset returns the offset of the first byte that breaks UTF-8, or -1.
func invalidUTF8Offset(b []byte) int {
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n <= 1 {
			return i
		}
		i += n
	}
	return -1
}

// numberKind describes a numeric Go type as a client would: "an integer" or "a number".
func numberKind(t reflect.Type) string {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t != nil && t.Kind() >= reflect.Int && t.Kind() <= reflect.Uint64 {
		if t.Kind() >= reflect.Uint {
			return "a non-negative integer"
		}
		return "an integer"
	}
	return "a number"
}
