package api

import (
	"context"
	"encoding/json"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"
)

func TestOpenAPICoversRoutes(t *testing.T) {
	var spec struct {
		OpenAPI string                    `json:"openapi"`
		Paths   map[string]map[string]any `json:"paths"`
	}
	if err := json.Unmarshal(openAPISpec, &spec); err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	if !strings.HasPrefix(spec.OpenAPI, "3.") {
		t.Fatalf("openapi version %q", spec.OpenAPI)
	}
	inSpec := map[string]bool{}
	for path, ops := range spec.Paths {
		for method := range ops {
			if method == "parameters" {
				continue
			}
			inSpec[strings.ToUpper(method)+" "+path] = true
		}
	}
	inRouter := map[string]bool{}
	router := NewRouter(newFakeService(), Options{}).(chi.Routes)
	err := chi.Walk(router, func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		route = strings.Replace(route, "/documents/*", "/documents/{id}", 1)
		route = strings.Replace(route, "/ui/*", "/ui/{path}", 1)
		inRouter[method+" "+route] = true
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var missing, extra []string
	for r := range inRouter {
		if !inSpec[r] {
			missing = append(missing, r)
		}
	}
	for r := range inSpec {
		if !inRouter[r] {
			extra = append(extra, r)
		}
	}
	sort.Strings(missing)
	sort.Strings(extra)
	if len(missing) > 0 || len(extra) > 0 {
		t.Fatalf("routes missing from openapi.json: %v; in openapi.json but not routed: %v", missing, extra)
	}
}

func TestHealthReadyMetrics(t *testing.T) {
	e := newTestEnv(t, Options{})
	e.expect(e.do("GET", "/healthz", ""), http.StatusOK, "healthz")
	e.expect(e.do("GET", "/readyz", ""), http.StatusOK, "readyz")
	e.fake.ready = false
	r := e.do("GET", "/readyz", "")
	e.expect(r, http.StatusServiceUnavailable, "readyz not ready")
	if r.header.Get("Retry-After") == "" {
		t.Error("503 without Retry-After")
	}
	e.expect(e.do("GET", "/healthz", ""), http.StatusOK, "healthz while not ready")
	e.expect(e.do("GET", "/v1/collections/x%2Fy/documents/a/b", ""), http.StatusBadRequest, "bad name")
	m := e.do("GET", "/metrics", "")
	e.expect(m, http.StatusOK, "metrics")
	for _, want := range []string{
		`instructd_http_request_duration_seconds_bucket{method="GET",route="/readyz",status="503"`,
		`instructd_http_requests_total{method="GET",route="/v1/collections/{name}/documents/*",status="400"}`,
	} {
		if !strings.Contains(m.body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	if strings.Contains(m.body, "x%2Fy") || strings.Contains(m.body, "a/b") {
		t.Error("metrics carry a raw path")
	}
	if ok, err := e.cl.Ready(context.Background()); ok || err != nil {
		t.Fatalf("client Ready: %v %v", ok, err)
	}
	if err := e.cl.Ping(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := e.do("GET", "/openapi.json", ""); got.status != 200 || !strings.Contains(got.body, `"openapi"`) {
		t.Fatalf("openapi.json: %d", got.status)
	}
}

func TestAuth(t *testing.T) {
	for _, public := range []bool{false, true} {
		e := newTestEnv(t, Options{APIKeys: []string{"k1", "second-key"}, MetricsPublic: public})
		e.expect(e.do("GET", "/v1/collections", ""), http.StatusUnauthorized, "no key")
		e.expect(e.do("GET", "/v1/collections", "", "Authorization: Bearer nope"), http.StatusUnauthorized, "wrong key")
		e.expect(e.do("GET", "/v1/collections", "", "Authorization: Basic k1"), http.StatusUnauthorized, "wrong scheme")
		e.expect(e.do("GET", "/v1/collections", "", "Authorization: Bearer k1"), http.StatusOK, "key 1")
		e.expect(e.do("GET", "/v1/collections", "", "Authorization: bearer second-key"), http.StatusOK, "key 2")
		e.expect(e.do("GET", "/healthz", ""), http.StatusOK, "healthz open")
		e.expect(e.do("GET", "/readyz", ""), http.StatusOK, "readyz open")
		want := http.StatusUnauthorized
		if public {
			want = http.StatusOK
		}
		e.expect(e.do("GET", "/metrics", ""), want, "metrics")
		if _, err := e.cl.ListCollections(context.Background()); err != nil {
			t.Fatalf("client with key: %v", err)
		}
	}
}

func TestPanicBecomes500(t *testing.T) {
	e := newTestEnv(t, Options{})
	e.seed()
	e.fake.panicOn = "boom"
	r := e.do("POST", "/v1/collections/c/search", `{"query":"boom"}`)
	e.expect(r, http.StatusInternalServerError, "panic")
	if !strings.Contains(r.body, "request id") || r.header.Get(RequestIDHeader) == "" {
		t.Fatalf("500 without request id: %s", r.body)
	}
	e.intact(2, "after a panic")
}

func TestGeneralBadInput(t *testing.T) {
	e := newTestEnv(t, Options{})
	e.seed()
	e.fake.limits.MaxBodyBytes = 1000
	big := `{"query":"` + strings.Repeat("x", 2000) + `"}`
	for _, tc := range []struct {
		name, method, path, body string
		headers                  []string
		status                   int
	}{
		{"over the body limit", "POST", "/v1/collections/c/search", big, nil, http.StatusRequestEntityTooLarge},
		{"invalid UTF-8", "POST", "/v1/collections/c/search", "{\"query\":\"\xc3\x28\"}", nil, http.StatusBadRequest},
		{"wrong content type", "POST", "/v1/collections/c/search", `{"query":"x"}`, []string{"Content-Type: text/plain"}, http.StatusUnsupportedMediaType},
		{"form content type", "PUT", "/v1/collections/d", `{}`, []string{"Content-Type: application/x-www-form-urlencoded"}, http.StatusUnsupportedMediaType},
		{"wrong types in spec", "PUT", "/v1/collections/d", `{"dimension":"three"}`, nil, http.StatusBadRequest},
		{"unknown route", "GET", "/v2/nothing", "", nil, http.StatusNotFound},
		{"wrong method", "POST", "/v1/collections/c", "", nil, http.StatusMethodNotAllowed},
		{"NDJSON NaN string", "POST", "/v1/collections/c/documents", `{"id":"n","vector":["NaN"]}`, []string{"Content-Type: application/x-ndjson"}, http.StatusOK},
		{"JSON body NaN", "POST", "/v1/collections/c/documents", `{"documents":[{"id":"n","vector":[1e999]}]}`, nil, http.StatusBadRequest},
		{"upsert unknown collection", "POST", "/v1/collections/nope/documents", `{"documents":[]}`, nil, http.StatusNotFound},
		{"upsert bad name", "POST", "/v1/collections/..%2Fx/documents", `{"documents":[]}`, nil, http.StatusBadRequest},
		{"upsert id and _id disagree", "POST", "/v1/collections/c/documents", `{"documents":[{"id":"a","_id":"b","text":"x"}]}`, nil, http.StatusBadRequest},
	} {
		r := e.do(tc.method, tc.path, tc.body, tc.headers...)
		e.expect(r, tc.status, tc.name)
		e.intact(2, tc.name)
	}
}

func TestTimeoutIs504(t *testing.T) {
	e := newTestEnv(t, Options{RequestTimeout: 50 * time.Millisecond})
	e.seed()
	r := e.do("POST", "/v1/collections/c/search", `{"query":"block until the deadline"}`)
	e.expect(r, http.StatusGatewayTimeout, "blocked search")
	if r.errorCode() != "timeout" {
		t.Fatalf("code %q", r.errorCode())
	}
	e.intact(2, "after a timeout")
}
