package eval

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"

	"github.com/instructd/instructd/server"
)

// This file reads the three files of a dataset directory. Every error names the file and
// the 1-based line at fault.

// eachLine calls fn with every non-blank line of path (without its line ending) and its
// 1-based number. Lines may be of any length.
func eachLine(path string, fn func(line []byte, n int) error) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("eval: %w", err)
	}
	defer f.Close()
	r := bufio.NewReaderSize(f, 1<<16)
	for n := 1; ; n++ {
		line, err := r.ReadBytes('\n')
		if len(line) > 0 {
			line = bytes.TrimRight(line, "\r\n")
			if len(bytes.TrimSpace(line)) > 0 {
				if ferr := fn(line, n); ferr != nil {
					return fmt.Errorf("eval: %s:%d: %w", path, n, ferr)
				}
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("eval: %s:%d: %w", path, n, err)
		}
	}
}

// corpusLine is one line of corpus.jsonl.
type corpusLine struct {
	ID       *string        `json:"_id"`
	Title    string         `json:"title"`
	Text     string         `json:"text"`
	Metadata map[string]any `json:"metadata"`
}

// readCorpus reads corpus.jsonl ({"_id","title","text","metadata"?}).
func readCorpus(path string) ([]server.Document, error) {
	var docs []server.Document
	seen := make(map[string]int)
	err := eachLine(path, func(line []byte, n int) error {
		var c corpusLine
		if err := json.Unmarshal(line, &c); err != nil {
			return fmt.Errorf("invalid JSON: %w", err)
		}
		if c.ID == nil || *c.ID == "" {
			return fmt.Errorf(`missing "_id"`)
		}
		if prev, dup := seen[*c.ID]; dup {
			return fmt.Errorf("duplicate _id %q (first on line %d)", *c.ID, prev)
		}
		seen[*c.ID] = n
		docs = append(docs, server.Document{ID: *c.ID, Title: c.Title, Text: c.Text, Metadata: c.Metadata})
		return nil
	})
	return docs, err
}

// queryLine is one line of queries.jsonl, in either layout.
type queryLine struct {
	ID                 *string `json:"_id"`
	Text               string  `json:"text"`
	Query              string  `json:"query"` // accepted in place of text (mteb's name)
	Instruction        *string `json:"instruction"`
	InstructionOG      *string `json:"instruction_og"`
	InstructionChanged *string `json:"instruction_changed"`
}

// readQueries reads queries.jsonl. BEIR lines may carry "instruction"; FollowIR lines must
// carry "instruction_og" and "instruction_changed".
func readQueries(path string, format Format) ([]Query, error) {
	var qs []Query
	seen := make(map[string]int)
	err := eachLine(path, func(line []byte, n int) error {
		var l queryLine
		if err := json.Unmarshal(line, &l); err != nil {
			return fmt.Errorf("invalid JSON: %w", err)
		}
		if l.ID == nil || *l.ID == "" {
			return fmt.Errorf(`missing "_id"`)
		}
		if prev, dup := seen[*l.ID]; dup {
			return fmt.Errorf("duplicate _id %q (first on line %d)", *l.ID, prev)
		}
		seen[*l.ID] = n
		q := Query{ID: *l.ID, Text: l.Text}
		if q.Text == "" {
			q.Text = l.Query
		}
		if strings.TrimSpace(q.Text) == "" {
			return fmt.Errorf("query %q has no text", q.ID)
		}
		switch format {
		case FormatFollowIR:
			if l.InstructionOG == nil || l.InstructionChanged == nil {
				return fmt.Errorf(`query %q: a FollowIR query needs "instruction_og" and "instruction_changed"`, q.ID)
			}
			q.Instruction, q.InstructionChanged = l.InstructionOG, l.InstructionChanged
		default:
			q.Instruction = l.Instruction
		}
		qs = append(qs, q)
		return nil
	})
	return qs, err
}

// readQrels reads a qrels TSV: "query-id<TAB>corpus-id<TAB>score" rows, with an optional
// header row starting with "query-id". Columns may also be separated by spaces. Scores are
// integers (an integral float such as "1.0" is accepted).
func readQrels(path string) (map[string]Judgments, error) {
	qrels := make(map[string]Judgments)
	first := true
	err := eachLine(path, func(line []byte, n int) error {
		fields := strings.Fields(string(line))
		if first {
			first = false
			if len(fields) > 0 && strings.EqualFold(fields[0], "query-id") {
				return nil
			}
		}
		if len(fields) != 3 {
			return fmt.Errorf("want 3 columns (query-id corpus-id score), got %d", len(fields))
		}
		rel, err := parseRelevance(fields[2])
		if err != nil {
			return err
		}
		j := qrels[fields[0]]
		if j == nil {
			j = make(Judgments)
			qrels[fields[0]] = j
		}
		j[fields[1]] = rel
		return nil
	})
	if err != nil {
		return nil, err
	}
	return qrels, nil
}

// parseRelevance parses a qrels score.
func parseRelevance(s string) (int, error) {
	if v, err := strconv.Atoi(s); err == nil {
		return v, nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f != math.Trunc(f) || math.Abs(f) > 1e9 {
		return 0, fmt.Errorf("score %q is not an integer", s)
	}
	return int(f), nil
}
