package api

import (
	"bytes"
	"encoding/json"
	"net/http"
)

// utf8BOM starts files saved by some Windows editors; it is dropped from the first line.
var utf8BOM = []byte("\xef\xbb\xbf")

// checkNDJSONShape looks at the first non-blank line of an NDJSON stream and recognises the
// usual mistakes — a JSON array, the JSON route's {"documents": [...]} body, pretty-printed
// JSON — so that the client gets one message that says what to send instead of an error
// for every line.
func checkNDJSONShape(first []byte) error {
	line := bytes.TrimSpace(first)
	wrong := func(msg string) error {
		return &httpError{status: http.StatusBadRequest, code: codeInvalidInput, message: msg}
	}
	switch {
	case line[0] == '[':
		return wrong("this is a JSON array, but Content-Type application/x-ndjson takes one JSON document per line: " +
			"convert it with `jq -c '.[]' docs.json`, or send {\"documents\": [...]} with Content-Type application/json (at most 10,000 documents)")
	case line[0] != '{':
		return wrong("the first line is not a JSON object: NDJSON takes one document per line, e.g. {\"id\":\"1\",\"text\":\"...\"}")
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(line, &obj); err != nil {
		if bytes.Equal(line, []byte("{")) || !bytes.HasSuffix(line, []byte("}")) {
			return wrong("the first line is not a complete JSON object (pretty-printed JSON?): NDJSON needs each document on one line; convert with `jq -c . docs.json`")
		}
		return nil // an ordinary bad line: reported with its number like any other
	}
	if _, ok := obj["documents"]; ok && len(obj) == 1 {
		return wrong("{\"documents\": [...]} is the body of the JSON form of this route: send it with Content-Type application/json, " +
			"or stream one document per line with Content-Type application/x-ndjson (`jq -c '.documents[]' body.json`)")
	}
	return nil
}
