package api

import (
	"bytes"
	"encoding/json"
	"reflect"

	"github.com/instructd/instructd/server"
)

// applyBatchDefaults makes every field set at the top level of a batch search body
// (next to "queries") a default for each query, so that none is silently dropped: a
// query's own value wins, except "filter", which is ANDed with the query's own filter
// (a top-level tenant filter can never be widened by a query). "k" is handled by the
// caller; "query" and "vector" are rejected there. Fields are walked by reflection, so
// a field added to the request later is covered too.
func applyBatchDefaults(top server.SearchRequest, q *server.SearchRequest) {
	tv, qv := reflect.ValueOf(top), reflect.ValueOf(q).Elem()
	for i := 0; i < tv.NumField(); i++ {
		if tv.Type().Field(i).Name == "Filter" {
			continue
		}
		if !tv.Field(i).IsZero() && qv.Field(i).IsZero() {
			qv.Field(i).Set(tv.Field(i))
		}
	}
	if isNullJSON(top.Filter) {
		return
	}
	if isNullJSON(q.Filter) {
		q.Filter = top.Filter
		return
	}
	var b bytes.Buffer
	b.WriteString(`{"$and":[`)
	b.Write(top.Filter)
	b.WriteByte(',')
	b.Write(q.Filter)
	b.WriteString(`]}`)
	q.Filter = json.RawMessage(b.Bytes())
}

// isNullJSON reports an absent or null JSON value.
func isNullJSON(m json.RawMessage) bool {
	t := bytes.TrimSpace(m)
	return len(t) == 0 || bytes.Equal(t, []byte("null"))
}
