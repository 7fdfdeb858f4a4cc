package server

import (
	"errors"
	"reflect"
	"sort"
	"testing"
)

func TestFilterSearch(t *testing.T) {
	ts := newTest(t)
	mustCreate(t, ts, "c", CollectionSpec{})
	mustUpsert(t, ts, "c",
		Document{ID: "a", Text: "one", Metadata: map[string]any{"lang": "en", "year": 2001, "tags": []any{"x", "y"}, "draft": false, "meta": map[string]any{"src": "web"}}},
		Document{ID: "b", Text: "two", Metadata: map[string]any{"lang": "fr", "year": 2010, "tags": []any{"y"}, "draft": true}},
		Document{ID: "c", Text: "three", Metadata: map[string]any{"lang": "en", "year": 2020, "score": nil, "meta": map[string]any{"src": "book"}}},
		Document{ID: "d", Text: "four"},
	)
	cases := []struct {
		name   string
		filter string
		want   []string
	}{
		{"equality", `{"lang": "en"}`, []string{"a", "c"}},
		{"eq number", `{"year": {"$eq": 2010}}`, []string{"b"}},
		{"eq bool", `{"draft": false}`, []string{"a"}},
		{"eq null", `{"score": null}`, []string{"c"}},
		{"ne includes missing", `{"lang": {"$ne": "en"}}`, []string{"b", "d"}},
		{"in", `{"lang": {"$in": ["fr", "de"]}}`, []string{"b"}},
		{"nin includes missing", `{"lang": {"$nin": ["fr"]}}`, []string{"a", "c", "d"}},
		{"gt", `{"year": {"$gt": 2010}}`, []string{"c"}},
		{"gte", `{"year": {"$gte": 2010}}`, []string{"b", "c"}},
		{"lt", `{"year": {"$lt": 2010}}`, []string{"a"}},
		{"lte", `{"year": {"$lte": 2010}}`, []string{"a", "b"}},
		{"range", `{"year": {"$gt": 2000, "$lt": 2015}}`, []string{"a", "b"}},
		{"string range", `{"lang": {"$gte": "f"}}`, []string{"b"}},
		{"type mismatch is false", `{"year": "2001"}`, nil},
		{"array any element", `{"tags": "y"}`, []string{"a", "b"}},
		{"array in", `{"tags": {"$in": ["x"]}}`, []string{"a"}},
		{"array ne none", `{"tags": {"$ne": "x"}}`, []string{"b", "c", "d"}},
		{"and", `{"$and": [{"lang": "en"}, {"year": {"$gt": 2010}}]}`, []string{"c"}},
		{"or", `{"$or": [{"lang": "fr"}, {"year": 2020}]}`, []string{"b", "c"}},
		{"implicit and", `{"lang": "en", "draft": false}`, []string{"a"}},
		{"nested path", `{"meta.src": "book"}`, []string{"c"}},
		{"nested or and", `{"$or": [{"$and": [{"lang": "en"}, {"meta.src": "web"}]}, {"draft": true}]}`, []string{"a", "b"}},
		{"missing field", `{"nope": 1}`, nil},
		{"empty object matches all", `{}`, []string{"a", "b", "c", "d"}},
		{"null matches all", `null`, []string{"a", "b", "c", "d"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ids := searchIDs(t, ts, "c", SearchRequest{Query: "one two three four", K: 10, Filter: []byte(tc.filter)})
			sort.Strings(ids)
			if len(ids) == 0 {
				ids = nil
			}
			if !reflect.DeepEqual(ids, tc.want) {
				t.Fatalf("filter %s: got %v want %v", tc.filter, ids, tc.want)
			}
		})
	}
}

func TestFilterMalformed(t *testing.T) {
	cases := []struct {
		filter string
		field  string
	}{
		{`[1]`, "filter"},
		{`"x"`, "filter"},
		{`{"a": 1`, "filter"},
		{`{"a": 1} {}`, "filter"},
		{`{"$not": {"a": 1}}`, "filter.$not"},
		{`{"a": {"$regex": "x"}}`, "filter.a.$regex"},
		{`{"a": {}}`, "filter.a"},
		{`{"a": [1, 2]}`, "filter.a"},
		{`{"a": {"$in": 1}}`, "filter.a.$in"},
		{`{"a": {"$in": [[1]]}}`, "filter.a.$in[0]"},
		{`{"a": {"$gt": true}}`, "filter.a.$gt"},
		{`{"a": {"$gt": null}}`, "filter.a.$gt"},
		{`{"a": {"$eq": {"b": 1}}}`, "filter.a.$eq"},
		{`{"$and": []}`, "filter.$and"},
		{`{"$or": {"a": 1}}`, "filter.$or"},
		{`{"$and": [1]}`, "filter.$and[0]"},
		{`{"a..b": 1}`, "filter.a..b"},
	}
	for _, tc := range cases {
		t.Run(tc.filter, func(t *testing.T) {
			_, err := parseFilter([]byte(tc.filter))
			var ie *InputError
			if !errors.As(err, &ie) || !errors.Is(err, ErrInvalidInput) || ie.Field != tc.field {
				t.Fatalf("err %v, want InputError on %s", err, tc.field)
			}
		})
	}
	// Deep nesting and huge filters are bounded.
	deep := `{"a": 1}`
	for i := 0; i < 40; i++ {
		deep = `{"$and": [` + deep + `]}`
	}
	if _, err := parseFilter([]byte(deep)); !errors.Is(err, ErrInvalidInput) {
		t.Fatalf("deep filter: %v", err)
	}
}

func itoa(i int) string {
	if i == 0 {
		return "0"
	}
	var b []byte
	for ; i > 0; i /= 10 {
		b = append([]byte{byte('0' + i%10)}, b...)
	}
	return string(b)
}
