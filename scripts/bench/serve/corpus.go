package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"sync/atomic"

	"github.com/instructd/instructd/server"
)

// benchDoc is one corpus line.
type benchDoc struct {
	ID    string `json:"_id"`
	Title string `json:"title"`
	Text  string `json:"text"`
	line  []byte
}

// readCorpus reads the first n lines of a BEIR corpus.
func readCorpus(path string, n int) ([]benchDoc, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("corpus: %w (run `make setup`)", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	var docs []benchDoc
	for len(docs) < n && sc.Scan() {
		var d benchDoc
		if err := json.Unmarshal(sc.Bytes(), &d); err != nil {
			return nil, fmt.Errorf("corpus line %d: %w", len(docs)+1, err)
		}
		d.line = append([]byte(nil), sc.Bytes()...)
		docs = append(docs, d)
	}
	if len(docs) < n {
		return nil, fmt.Errorf("corpus %s has %d lines, want %d", path, len(docs), n)
	}
	return docs, sc.Err()
}

// queryGen makes unique text queries (three corpus words and a counter) so that the
// server's query cache never answers for the model.
type queryGen struct {
	words []string
	seed  uint64
	n     atomic.Uint64
}

func newQueryGen(docs []benchDoc, seed uint64) *queryGen {
	seen := map[string]bool{}
	var words []string
	for _, d := range docs {
		for _, w := range strings.Fields(d.Text) {
			w = strings.Trim(strings.ToLower(w), ".,;:()'\"")
			if len(w) > 3 && !seen[w] {
				seen[w] = true
				words = append(words, w)
			}
		}
	}
	return &queryGen{words: words, seed: seed}
}

// textQuery returns the i-th query request.
func (q *queryGen) textQuery() server.SearchRequest {
	i := q.n.Add(1)
	r := rand.New(rand.NewPCG(q.seed, i))
	text := fmt.Sprintf("%s %s %s %d", q.words[r.IntN(len(q.words))], q.words[r.IntN(len(q.words))], q.words[r.IntN(len(q.words))], i)
	return server.SearchRequest{Query: text, K: 10}
}
