package eval

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/instructd/instructd/server"
)

// Format names a dataset directory layout.
type Format string

// Dataset layouts understood by Load.
const (
	// FormatAuto picks FollowIR when qrels/og.tsv exists, else BEIR.
	FormatAuto Format = "auto"
	// FormatBEIR is corpus.jsonl, queries.jsonl and qrels/<split>.tsv.
	FormatBEIR Format = "beir"
	// FormatFollowIR is corpus.jsonl, queries.jsonl with instruction_og and
	// instruction_changed, qrels/og.tsv and qrels/changed.tsv.
	FormatFollowIR Format = "followir"
)

// Query is one evaluation query.
type Query struct {
	ID   string
	Text string
	// Instruction is the query's instruction (BEIR "instruction", FollowIR
	// "instruction_og"); nil leaves the collection's default in force.
	Instruction *string
	// InstructionChanged is FollowIR's "instruction_changed"; nil for BEIR.
	InstructionChanged *string
}

// Dataset is a loaded evaluation set.
type Dataset struct {
	// Name is the directory's base name.
	Name   string
	Format Format
	// Corpus is empty when loaded with SkipCorpus.
	Corpus  []server.Document
	Queries []Query
	// Qrels are the judgments of the BEIR split, or FollowIR's original-instruction qrels,
	// by query id.
	Qrels map[string]Judgments
	// ChangedQrels are FollowIR's changed-instruction qrels; nil for BEIR.
	ChangedQrels map[string]Judgments
}

// LoadOptions tunes Load; the zero value loads a BEIR test split or a FollowIR set, whichever is there.
type LoadOptions struct {
	// Format is auto (default), beir or followir.
	Format Format
	// Split names the BEIR qrels file, qrels/<Split>.tsv (default "test").
	Split string
	// SkipCorpus leaves corpus.jsonl unread (evaluating an already-ingested collection).
	SkipCorpus bool
}

// DetectFormat reports the layout of dir: FollowIR when qrels/og.tsv exists, else BEIR.
func DetectFormat(dir string) Format {
	if _, err := os.Stat(filepath.Join(dir, "qrels", "og.tsv")); err == nil {
		return FormatFollowIR
	}
	return FormatBEIR
}

// Load reads a BEIR or FollowIR dataset directory. Errors name the file and line at fault.
func Load(dir string, opts LoadOptions) (*Dataset, error) {
	if st, err := os.Stat(dir); err != nil {
		return nil, fmt.Errorf("eval: dataset: %w", err)
	} else if !st.IsDir() {
		return nil, fmt.Errorf("eval: dataset %s is not a directory", dir)
	}
	format := opts.Format
	if format == "" || format == FormatAuto {
		format = DetectFormat(dir)
	}
	ds := &Dataset{Name: filepath.Base(filepath.Clean(dir)), Format: format}
	var err error
	switch format {
	case FormatBEIR:
		split := opts.Split
		if split == "" {
			split = "test"
		}
		if ds.Qrels, err = readQrels(filepath.Join(dir, "qrels", split+".tsv")); err != nil {
			return nil, err
		}
	case FormatFollowIR:
		if ds.Qrels, err = readQrels(filepath.Join(dir, "qrels", "og.tsv")); err != nil {
			return nil, err
		}
		if ds.ChangedQrels, err = readQrels(filepath.Join(dir, "qrels", "changed.tsv")); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("eval: unknown dataset format %q (want auto, beir or followir)", format)
	}
	if ds.Queries, err = readQueries(filepath.Join(dir, "queries.jsonl"), format); err != nil {
		return nil, err
	}
	if !opts.SkipCorpus {
		if ds.Corpus, err = readCorpus(filepath.Join(dir, "corpus.jsonl")); err != nil {
			return nil, err
		}
	}
	if len(ds.Queries) == 0 {
		return nil, errors.New("eval: " + filepath.Join(dir, "queries.jsonl") + ": no queries")
	}
	return ds, nil
}

// Evaluated reports whether q takes part in the evaluation: it has a relevant document in
// the qrels, or (FollowIR) in the changed qrels.
func (d *Dataset) Evaluated(q Query) bool {
	if d.Qrels[q.ID].NumRelevant() > 0 {
		return true
	}
	return d.ChangedQrels != nil && d.ChangedQrels[q.ID].NumRelevant() > 0
}
