package models

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
)

// errNotFound marks a file that a repo or directory does not have.
var errNotFound = errors.New("models: not found")

// maxTokensCap bounds max_tokens inferred from config.json: BERT-family position tables are 512
// (XLM-RoBERTa's 514 includes two offset slots).
const maxTokensCap = 512

// configReader returns a config file of a repo or directory by relative path, or errNotFound.
type configReader func(name string) ([]byte, error)

// inferManifest builds a manifest for a model instructd does not know from its Hugging Face and
// sentence-transformers configs: config.json (hidden size, positions), sentence_bert_config.json
// (max_seq_length), 1_Pooling/config.json (pooling) and config_sentence_transformers.json
// (query/document prompts). Without a pooling config it falls back to mean pooling and warns.
func inferManifest(name string, read configReader, log *slog.Logger) (Manifest, error) {
	m := Manifest{
		Name:             name,
		Semantic:         true,
		Pooling:          PoolingMean,
		Normalize:        true,
		OutputName:       "last_hidden_state",
		QueryTemplate:    PlaceholderQuery,
		DocumentTemplate: PlaceholderDocument,
		InstructionMode:  InstructionTemplate,
		MaxTokens:        maxTokensCap,
	}
	var cfg struct {
		HiddenSize   int    `json:"hidden_size"`
		DModel       int    `json:"d_model"`
		Dim          int    `json:"dim"`
		MaxPositions int    `json:"max_position_embeddings"`
		ModelType    string `json:"model_type"`
	}
	found, err := readJSON(read, "config.json", &cfg)
	if err != nil {
		return Manifest{}, err
	}
	if found {
		m.Dimension = firstPositive(cfg.HiddenSize, cfg.DModel, cfg.Dim)
		if cfg.MaxPositions > 0 {
			m.MaxTokens = min(cfg.MaxPositions, maxTokensCap)
		}
	}
	var st struct {
		MaxSeqLength int `json:"max_seq_length"`
	}
	if ok, err := readJSON(read, "sentence_bert_config.json", &st); err != nil {
		return Manifest{}, err
	} else if ok && st.MaxSeqLength > 0 {
		m.MaxTokens = min(st.MaxSeqLength, m.MaxTokens)
	}
	var pool struct {
		Dimension int  `json:"word_embedding_dimension"`
		CLS       bool `json:"pooling_mode_cls_token"`
		Mean      bool `json:"pooling_mode_mean_tokens"`
		Last      bool `json:"pooling_mode_lasttoken"`
	}
	ok, err := readJSON(read, "1_Pooling/config.json", &pool)
	switch {
	case err != nil:
		return Manifest{}, err
	case ok && pool.CLS:
		m.Pooling = PoolingCLS
	case ok && pool.Last:
		m.Pooling = PoolingLast
	case ok && pool.Mean:
		m.Pooling = PoolingMean
	default:
		log.Warn("models: no sentence-transformers pooling config; assuming mean pooling (override with --pooling)", "model", name)
	}
	if m.Dimension == 0 {
		m.Dimension = pool.Dimension
	}
	var prompts struct {
		Prompts map[string]string `json:"prompts"`
	}
	if ok, err := readJSON(read, "config_sentence_transformers.json", &prompts); err != nil {
		return Manifest{}, err
	} else if ok {
		if q := prompts.Prompts["query"]; q != "" {
			m.QueryTemplate = q + PlaceholderQuery
		}
		for _, k := range []string{"document", "passage", "corpus"} {
			if d := prompts.Prompts[k]; d != "" {
				m.DocumentTemplate = d + PlaceholderDocument
				break
			}
		}
	}
	return m, nil
}

// readJSON decodes the named config into v; it reports false when the file does not exist.
// errNoDimension is the error for a model whose output size no config states.
func errNoDimension(name string) error {
	return fmt.Errorf("models: %s: cannot tell the output dimension (no hidden_size in config.json); pass it explicitly", name)
}

func readJSON(read configReader, name string, v any) (bool, error) {
	raw, err := read(name)
	if errors.Is(err, errNotFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("models: read %s: %w", name, err)
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return false, fmt.Errorf("models: parse %s: %w", name, err)
	}
	return true, nil
}

func firstPositive(vs ...int) int {
	for _, v := range vs {
		if v > 0 {
			return v
		}
	}
	return 0
}
