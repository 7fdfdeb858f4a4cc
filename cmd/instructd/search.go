package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/instructd/instructd/api/client"
	"github.com/instructd/instructd/server"
)

// runSearch searches a collection of a running server and pretty-prints the hits
// (or prints the raw JSON answer with --json).
func runSearch(ctx context.Context, args []string) error {
	fs := newFlags("search", "search --collection NAME [flags] QUERY...",
		`instructd search --collection docs "owls hunting at night" -k 5`,
		`instructd search --collection docs --mode lexical --filter '{"lang":"en"}' zebra`,
		`instructd search --collection docs --instruction "find counter-arguments" --json "nuclear power"`)
	serverURL := fs.String("server", envOr("INSTRUCTD_SERVER", "http://127.0.0.1:8080"), "server URL (env INSTRUCTD_SERVER)")
	collection := fs.String("collection", "", "collection name (required)")
	apiKey := fs.String("api-key", "", "API key (default: env INSTRUCTD_API_KEY)")
	instruction := fs.String("instruction", "", "instruction for the query (default: the collection's or pack's)")
	k := fs.Int("k", 10, "number of hits")
	mode := fs.String("mode", "", "dense, lexical or hybrid (default: the collection's)")
	filter := fs.String("filter", "", `metadata filter as JSON, e.g. '{"lang":"en"}'`)
	exclude := fs.String("exclude", "", "comma-separated texts whose matches are penalised")
	asJSON := fs.Bool("json", false, "print the server's JSON answer")
	rerank := fs.String("rerank", "", "re-score the top candidates with this loaded reranker")
	rerankN := fs.Int("rerank-candidates", 0, "candidates the reranker re-scores (default max(50, k))")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	query := strings.Join(fs.Args(), " ")
	if *collection == "" || strings.TrimSpace(query) == "" {
		return errors.New("need --collection NAME and a QUERY (see instructd search --help)")
	}
	if *k < 1 {
		return fmt.Errorf("--k must be at least 1, got %d", *k)
	}
	req := server.SearchRequest{Query: query, K: *k, Mode: *mode, Include: []string{"title", "text"}}
	if *rerank != "" {
		req.Rerank = &server.RerankStage{Model: *rerank, Candidates: *rerankN}
	}
	isSet := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { isSet[f.Name] = true })
	if isSet["instruction"] {
		req.Instruction = instruction
	}
	if *filter != "" {
		if !json.Valid([]byte(*filter)) {
			return fmt.Errorf("--filter is not valid JSON: %s", *filter)
		}
		req.Filter = json.RawMessage(*filter)
	}
	if *exclude != "" {
		req.Exclude = splitList(*exclude)
	}
	if *apiKey == "" {
		*apiKey = os.Getenv("INSTRUCTD_API_KEY") // not a flag default: -h would print it
	}
	cl, err := client.New(*serverURL, client.WithAPIKey(*apiKey))
	if err != nil {
		return err
	}
	res, err := cl.Search(ctx, *collection, req)
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(res)
	}
	printHits(os.Stdout, res)
	for _, w := range res.Warnings {
		fmt.Fprintln(os.Stderr, "warning: "+w)
	}
	return nil
}

// printHits writes one block per hit: rank, score, id, title and a text snippet.
func printHits(w io.Writer, res server.SearchResponse) {
	if len(res.Hits) == 0 {
		fmt.Fprintln(w, "no hits")
	}
	for i, h := range res.Hits {
		fmt.Fprintf(w, "%2d. %.4f  %s", i+1, h.Score, h.ID)
		if h.Title != "" {
			fmt.Fprintf(w, "  — %s", h.Title)
		}
		fmt.Fprintln(w)
		text := h.Text
		if h.Passage != nil {
			text = h.Passage.Text
		}
		if text != "" {
			fmt.Fprintf(w, "    %s\n", snippet(text, 160))
		}
	}
	if c := res.Constraints; c != nil && len(c.Exclude) > 0 {
		fmt.Fprintf(w, "constraints: exclude %q (penalty %.2f)\n", c.Exclude, c.Penalty)
	}
	fmt.Fprintf(w, "mode %s · embed %.1f ms · search %.1f ms · total %.1f ms\n",
		res.Mode, res.Timings.EmbedMillis, res.Timings.SearchMillis, res.Timings.TotalMillis)
}

// snippet shortens s to about n bytes on a rune boundary, on one line.
func snippet(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// utf8RuneStart reports whether b starts a UTF-8 sequence.
func utf8RuneStart(b byte) bool { return b&0xC0 != 0x80 }
