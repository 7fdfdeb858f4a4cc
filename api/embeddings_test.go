package api

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"math"
	"net/http"
	"strings"
	"testing"

	"github.com/instructd/instructd/api/client"
)

func TestEmbeddingsOpenAIShape(t *testing.T) {
	e := newTestEnv(t, Options{})
	r := e.do("POST", "/v1/embeddings", `{"input":["hello world","bye"],"model":"fake"}`)
	e.expect(r, http.StatusOK, "float")
	var out struct {
		Object string `json:"object"`
		Data   []struct {
			Object    string    `json:"object"`
			Index     int       `json:"index"`
			Embedding []float32 `json:"embedding"`
		} `json:"data"`
		Model string `json:"model"`
		Usage struct {
			PromptTokens int `json:"prompt_tokens"`
			TotalTokens  int `json:"total_tokens"`
		} `json:"usage"`
	}
	if err := json.Unmarshal([]byte(r.body), &out); err != nil {
		t.Fatal(err)
	}
	if out.Object != "list" || len(out.Data) != 2 || out.Data[1].Index != 1 || out.Data[0].Object != "embedding" ||
		len(out.Data[0].Embedding) != fakeDim || out.Model != "fake" || out.Usage.PromptTokens != 7 || out.Usage.TotalTokens != 7 {
		t.Fatalf("response %s", r.body)
	}

	r = e.do("POST", "/v1/embeddings", `{"input":"hello world","encoding_format":"base64","dimensions":4,"input_type":"query","instruction":"find"}`)
	e.expect(r, http.StatusOK, "base64")
	var b64 struct {
		Data []struct {
			Embedding string `json:"embedding"`
		} `json:"data"`
	}
	if err := json.Unmarshal([]byte(r.body), &b64); err != nil || len(b64.Data) != 1 {
		t.Fatalf("%s %v", r.body, err)
	}
	raw, err := base64.StdEncoding.DecodeString(b64.Data[0].Embedding)
	if err != nil || len(raw) != 16 {
		t.Fatalf("base64 %q: %v", b64.Data[0].Embedding, err)
	}
	want := fakeVector("hello world")
	for i := 0; i < 4; i++ {
		if got := math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:])); got != want[i] {
			t.Fatalf("component %d: %v want %v", i, got, want[i])
		}
	}
	res, err := e.cl.Embed(context.Background(), client.EmbedRequest{Input: []string{"hello world"}})
	if err != nil || len(res.Vectors) != 1 || res.Vectors[0][3] != want[3] {
		t.Fatalf("client embed: %+v %v", res, err)
	}
}

func TestEmbeddingsBadInput(t *testing.T) {
	e := newTestEnv(t, Options{})
	e.fake.limits.MaxInputs = 2
	for _, tc := range []struct {
		name, body string
		status     int
		want       string
	}{
		{"token ids", `{"input":[1,2,3]}`, 400, "token-id"},
		{"nested token ids", `{"input":[[1,2],[3]]}`, 400, "token-id"},
		{"missing input", `{}`, 400, "input"},
		{"empty array", `{"input":[]}`, 400, "empty"},
		{"empty string", `{"input":""}`, 400, "empty"},
		{"too many", `{"input":["a","b","c"]}`, 400, "limit"},
		{"mixed", `{"input":["a",{}]}`, 400, "input[1]"},
		{"bad format", `{"input":"a","encoding_format":"int8"}`, 400, "encoding_format"},
		{"bad type", `{"input":"a","input_type":"passage"}`, 400, "input_type"},
		{"negative dims", `{"input":"a","dimensions":-1}`, 400, "dimensions"},
		{"unknown model", `{"input":"a","model":"gpt-9"}`, 404, "model_not_found"},
	} {
		r := e.do("POST", "/v1/embeddings", tc.body)
		e.expect(r, tc.status, tc.name)
		if !strings.Contains(r.body, tc.want) {
			t.Errorf("%s: body %s does not mention %q", tc.name, r.body, tc.want)
		}
	}
}

// TestEmbeddingsOpenAIErrors checks that errors on the OpenAI-compatible routes have
// OpenAI's shape, which OpenAI's SDKs parse: message, type, param (null or the field), code.
func TestEmbeddingsOpenAIErrors(t *testing.T) {
	e := newTestEnv(t, Options{})
	for _, tc := range []struct {
		name, method, path, body string
		status                   int
		typ                      string
		param                    any
	}{
		{"bad field", "POST", "/v1/embeddings", `{"input":"a","input_type":"passage"}`, 400, "invalid_request_error", "input_type"},
		{"unknown model", "POST", "/v1/embeddings", `{"input":"a","model":"gpt-9"}`, 404, "not_found_error", "model"},
		{"malformed", "POST", "/v1/embeddings", `{"input":`, 400, "invalid_request_error", nil},
		{"method", "DELETE", "/v1/models", ``, 405, "invalid_request_error", nil},
	} {
		r := e.do(tc.method, tc.path, tc.body)
		e.expect(r, tc.status, tc.name)
		var body struct {
			Error map[string]any `json:"error"`
		}
		if err := json.Unmarshal([]byte(r.body), &body); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		param, hasParam := body.Error["param"]
		if body.Error["type"] != tc.typ || !hasParam || param != tc.param || body.Error["message"] == "" || body.Error["code"] == "" {
			t.Errorf("%s: error %v, want type %q param %v with message and code", tc.name, body.Error, tc.typ, tc.param)
		}
	}
	// Our own routes keep our shape.
	r := e.do("POST", "/v1/collections/nope/search", `{"query":"x"}`)
	if !strings.Contains(r.body, `"code":"not_found"`) || strings.Contains(r.body, `"type"`) {
		t.Errorf("search error changed shape: %s", r.body)
	}
}

func TestModels(t *testing.T) {
	e := newTestEnv(t, Options{})
	r := e.do("GET", "/v1/models", "")
	e.expect(r, http.StatusOK, "models")
	if !strings.HasPrefix(r.body, `{"object":"list","data":[{"id":"fake"`) {
		t.Fatalf("body %s", r.body)
	}
	models, err := e.cl.Models(context.Background())
	if err != nil || len(models) != 1 || !models[0].Default {
		t.Fatalf("%+v %v", models, err)
	}
}

// TestErrorMessagesHaveNoInternalPrefixes checks that wrapped errors reach clients as one
// sentence, without "server: " and the like, and that the Go client adds no prefix either.
func TestErrorMessagesHaveNoInternalPrefixes(t *testing.T) {
	e := newTestEnv(t, Options{})
	_, err := e.cl.GetCollection(context.Background(), "nope")
	if err == nil || strings.Contains(err.Error(), "server:") || strings.Contains(err.Error(), "client:") || !strings.Contains(err.Error(), "404 not_found") {
		t.Errorf("client error %q: want the server's sentence with status and code, no prefixes", err)
	}
}
