package api

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/instructd/instructd/api/client"
)

// badStream has good lines and one bad line of each kind; want maps line → error part.
// realServer swaps the fake's "server-rejects" line for metadata nested deeper than the
// real server accepts: both are caught only by the server, inside a batch.
func badStream(maxLine, dim int, realServer bool) (string, map[int]string) {
	rejected, rejectedWant := `{"id":"g11","text":"server-rejects"}`, "rejected by the server"
	if realServer {
		rejected = `{"id":"g11","text":"deep","metadata":` + strings.Repeat(`{"a":`, 40) + "1" + strings.Repeat("}", 40) + "}"
		rejectedWant = "nested deeper"
	}
	zero := `{"id":"g16","vector":[0` + strings.Repeat(",0", dim-1) + "]}"
	lines := []string{
		`{"id":"g1","text":"good one"}`,                             // 1
		`{"id":"g2","text":"good two"`,                              // 2 malformed
		"{\"id\":\"g3\",\"text\":\"bad \xff utf8\"}",                // 3 invalid UTF-8
		`{"text":"no id"}`,                                          // 4 missing id
		`{"id":"g5","vector":[1,2,3]}`,                              // 5 wrong dimension
		`{"id":"g6","vector":[1e999,0,0,0,0,0,0,0]}`,                // 6 overflow (JSON has no NaN)
		`{"id":"g7","vector":["NaN",0,0,0,0,0,0,0]}`,                // 7 NaN as a string
		`{"id":"g8","text":"` + strings.Repeat("x", maxLine) + `"}`, // 8 over-long line
		``, // 9 blank: ignored
		`{"_id":"g10","title":"BEIR","text":"beir line"}`, // 10 BEIR layout
		rejected,                            // 11 rejected by the server
		`{"id":"g12","text":"x","extra":1}`, // 12 unknown field
		`{"id":"g13","text":"good","metadata":{"n":1}}`, // 13
		`[1,2]`,                                  // 14 not an object
		`{"id":"g15","text":"last, no newline"}`, // 15
		zero,                                     // 16 zero vector under cosine
		`{"title":"title only","id":"g17"}`,      // 17 a title is enough
	}
	want := map[int]string{2: "malformed", 3: "UTF-8", 4: "id: missing", 5: "dimension", 6: "out of range",
		7: "expected number", 8: "longer than", 11: rejectedWant, 12: "unknown field", 14: "expected", 16: "all zeros"}
	return strings.Join(lines, "\n"), want // good: g1, g10, g13, g15, g17
}

func TestIngestNDJSONBadLines(t *testing.T) {
	for _, streaming := range []bool{true, false} {
		t.Run(fmt.Sprintf("streaming=%v", streaming), func(t *testing.T) {
			e := newTestEnv(t, Options{IngestBatchDocs: 3})
			e.fake.limits.MaxLineBytes = 400
			checkBadLines(t, e, streaming, fakeDim, false)
		})
	}
}

// checkBadLines streams badStream into a seeded env and checks the report and the store.
func checkBadLines(t *testing.T, e *testEnv, streaming bool, dim int, realServer bool) {
	e.seed()
	body, want := badStream(400, dim, realServer)
	var res client.IngestResult
	if streaming {
		var progress []client.Progress
		var err error
		res, err = e.cl.IngestNDJSON(context.Background(), "c", strings.NewReader(body), func(p client.Progress) {
			progress = append(progress, p)
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(progress) < 3 {
			t.Fatalf("want a progress line per batch, got %+v", progress)
		}
		for i := 1; i < len(progress); i++ {
			if progress[i].ThroughLine <= progress[i-1].ThroughLine || progress[i].Committed < progress[i-1].Committed {
				t.Fatalf("progress not monotonic: %+v", progress)
			}
		}
		if last := progress[len(progress)-1]; last.Committed != 5 || last.ThroughLine != 17 {
			t.Fatalf("last progress %+v", last)
		}
	} else {
		r := e.do("POST", "/v1/collections/c/documents", body, "Content-Type: application/x-ndjson")
		e.expect(r, http.StatusOK, "ndjson")
		if err := decodeStrict([]byte(r.body), &res); err != nil {
			t.Fatalf("summary %s: %v", r.body, err)
		}
	}
	if !res.Done || res.Upserted != 5 || res.ThroughLine != 17 || res.FailedCount != len(want) || len(res.Failed) != len(want) {
		t.Fatalf("summary %+v", res)
	}
	prev := 0
	for _, f := range res.Failed {
		if f.Line <= prev {
			t.Fatalf("failures not in line order: %+v", res.Failed)
		}
		prev = f.Line
		if w, ok := want[f.Line]; !ok || !strings.Contains(f.Error, w) {
			t.Errorf("line %d: error %q, want it to contain %q", f.Line, f.Error, w)
		}
	}
	for _, f := range res.Failed {
		if (f.Line == 5 && f.ID != "g5") || (f.Line == 11 && f.ID != "g11") {
			t.Errorf("failure of line %d names id %q", f.Line, f.ID)
		}
	}
	e.intact(7, "after NDJSON with bad lines")
	for _, id := range []string{"g1", "g10", "g13", "g15", "g17"} {
		if _, err := e.cl.GetDocument(context.Background(), "c", id); err != nil {
			t.Errorf("good line %s not stored: %v", id, err)
		}
	}
}

// genReader yields a long generated stream line by line.
type genReader struct {
	n, i int
	buf  []byte
}

func (g *genReader) Read(p []byte) (int, error) {
	for len(g.buf) == 0 {
		if g.i == g.n {
			return 0, io.EOF
		}
		g.i++
		g.buf = []byte(fmt.Sprintf("{\"id\":\"d%d\",\"text\":\"document number %d\"}\n", g.i, g.i))
	}
	n := copy(p, g.buf)
	g.buf = g.buf[n:]
	return n, nil
}

func TestIngestNDJSONLongStreamBatches(t *testing.T) {
	e := newTestEnv(t, Options{IngestBatchDocs: 100})
	e.seed()
	calls := 0
	res, err := e.cl.IngestNDJSON(context.Background(), "c", &genReader{n: 5000}, func(p client.Progress) { calls++ })
	if err != nil {
		t.Fatal(err)
	}
	if res.Upserted != 5000 || res.FailedCount != 0 || calls != 50 {
		t.Fatalf("result %+v, progress calls %d", res, calls)
	}
	e.intact(5002, "after a long stream")
	if e.fake.upsertCalls < 50 {
		t.Fatalf("expected ≥ 50 Upsert calls, got %d", e.fake.upsertCalls)
	}
}

func TestIngestNDJSONUnknownCollection(t *testing.T) {
	e := newTestEnv(t, Options{})
	_, err := e.cl.IngestNDJSON(context.Background(), "nope", strings.NewReader(`{"id":"x","text":"y"}`), nil)
	if !client.IsNotFound(err) {
		t.Fatalf("want 404, got %v", err)
	}
	// A large body the server never reads must still come back as the 404.
	_, err = e.cl.IngestNDJSON(context.Background(), "nope", &genReader{n: 300000}, nil)
	if !client.IsNotFound(err) {
		t.Fatalf("large stream: want 404, got %v", err)
	}
}

func TestLineReader(t *testing.T) {
	in := "a\r\n" + strings.Repeat("b", 10) + "\n\nccc"
	lr := newLineReader(strings.NewReader(in), 5)
	type got struct {
		line    string
		num     int
		tooLong bool
	}
	var all []got
	for {
		l, n, tl, err := lr.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, got{string(l), n, tl})
	}
	want := []got{{"a", 1, false}, {"", 2, true}, {"", 3, false}, {"ccc", 4, false}}
	if fmt.Sprint(all) != fmt.Sprint(want) {
		t.Fatalf("got %+v want %+v", all, want)
	}
}

func TestIngestNDJSONLastLineWinsAcrossBatches(t *testing.T) {
	e := newTestEnv(t, Options{IngestBatchDocs: 2, IngestConcurrency: 2})
	e.seed()
	var b strings.Builder
	for round := 0; round < 50; round++ {
		fmt.Fprintf(&b, "{\"id\":\"dup\",\"text\":\"version %d\"}\n{\"id\":\"x%d\",\"text\":\"filler\"}\n{\"id\":\"y%d\",\"text\":\"filler\"}\n", round, round, round)
	}
	res, err := e.cl.IngestNDJSON(context.Background(), "c", strings.NewReader(b.String()), nil)
	if err != nil || res.Upserted != 150 {
		t.Fatalf("%+v %v", res, err)
	}
	d, err := e.cl.GetDocument(context.Background(), "c", "dup")
	if err != nil || d.Text != "version 49" {
		t.Fatalf("the last line for an id must win: %+v %v", d, err)
	}
}

// TestIngestNDJSONWrongShape checks that the usual mistakes on the NDJSON route get one
// actionable message (not an error per line), and that a BOM is dropped.
func TestIngestNDJSONWrongShape(t *testing.T) {
	e := newTestEnv(t, Options{})
	e.seed()
	for _, tc := range []struct{ name, body, want string }{
		{"JSON array", `[{"id":"a","text":"x"},{"id":"b","text":"y"}]`, "jq -c '.[]'"},
		{"documents body", `{"documents":[{"id":"a","text":"x"}]}`, "Content-Type application/json"},
		{"pretty-printed", "{\n  \"id\": \"a\",\n  \"text\": \"x\"\n}\n", "jq -c ."},
	} {
		r := e.do("POST", "/v1/collections/c/documents", tc.body, "Content-Type: application/x-ndjson")
		if r.status != http.StatusBadRequest || !strings.Contains(r.body, tc.want) || strings.Contains(r.body, `"line":2`) {
			t.Errorf("%s: %d %s; want one 400 mentioning %q", tc.name, r.status, r.body, tc.want)
		}
		e.intact(2, tc.name)
	}
	r := e.do("POST", "/v1/collections/c/documents", "\xef\xbb\xbf{\"id\":\"bom\",\"text\":\"x\"}\n", "Content-Type: application/x-ndjson")
	if r.status != http.StatusOK || !strings.Contains(r.body, `"upserted":1`) {
		t.Fatalf("BOM: %d %s", r.status, r.body)
	}
}
