package api

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/instructd/instructd/wire"
)

// TestEvaluateEndpoint runs POST /v1/collections/{name}/evaluate through the router: the
// searches reach the service, both documents are judged, and bad input is a 400 naming the field.
func TestEvaluateEndpoint(t *testing.T) {
	e := newTestEnv(t, Options{})
	e.seed()
	body := `{"queries":[{"id":"q1","text":"alpha beta"},{"id":"q2","text":"nothing judged"}],
		"qrels":{"q1":{"a/b":1,"zürich ☃":0}},"modes":["dense"],"k":5}`
	r := e.do("POST", "/v1/collections/c/evaluate", body)
	e.expect(r, http.StatusOK, "evaluate")
	var res wire.EvaluateResponse
	if err := json.Unmarshal([]byte(r.body), &res); err != nil {
		t.Fatal(err)
	}
	if res.Queries != 1 || res.Skipped != 1 || res.K != 5 || len(res.Modes) != 1 || len(res.PerQuery) != 1 {
		t.Fatalf("response %s", r.body)
	}
	if row := res.PerQuery[0]; row.QueryID != "q1" || row.Retrieved != 2 || row.Relevant != 1 {
		t.Errorf("per-query row %+v", row)
	}

	bad := e.do("POST", "/v1/collections/c/evaluate", `{"queries":[{"id":"q1","text":"x"}],"qrels":{"q1":{"a/b":1}},"modes":["semantic"]}`)
	e.expect(bad, http.StatusBadRequest, "unknown mode")
	if !strings.Contains(bad.body, "modes") {
		t.Errorf("error does not name the field: %s", bad.body)
	}
	e.expect(e.do("POST", "/v1/collections/missing/evaluate", `{"queries":[{"id":"q1","text":"x"}],"qrels":{"q1":{"a/b":1}}}`),
		http.StatusNotFound, "unknown collection")
}
