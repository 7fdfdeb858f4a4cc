package embed

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
)

// tokenizerJSON mirrors the parts of a Hugging Face tokenizer.json that the pure-Go
// tokenizer reads. Components stay raw until their "type" is known, so that an
// unsupported component is reported by name instead of being half-parsed.
type tokenizerJSON struct {
	Truncation    *truncationJSON  `json:"truncation"`
	AddedTokens   []addedTokenJSON `json:"added_tokens"`
	Normalizer    json.RawMessage  `json:"normalizer"`
	PreTokenizer  json.RawMessage  `json:"pre_tokenizer"`
	PostProcessor json.RawMessage  `json:"post_processor"`
	Model         json.RawMessage  `json:"model"`
	Decoder       json.RawMessage  `json:"decoder"` // ignored: Encode never decodes
	Padding       json.RawMessage  `json:"padding"` // ignored: the batcher pads
}

// truncationJSON is tokenizer.json's "truncation" object.
type truncationJSON struct {
	MaxLength int    `json:"max_length"`
	Strategy  string `json:"strategy"`
	Direction string `json:"direction"`
	Stride    int    `json:"stride"`
}

// addedTokenJSON is one entry of tokenizer.json's "added_tokens".
type addedTokenJSON struct {
	ID         int    `json:"id"`
	Content    string `json:"content"`
	SingleWord bool   `json:"single_word"`
	LStrip     bool   `json:"lstrip"`
	RStrip     bool   `json:"rstrip"`
	Normalized bool   `json:"normalized"`
	Special    bool   `json:"special"`
}

// bertNormalizerJSON is a BertNormalizer; nil fields take HF's defaults.
type bertNormalizerJSON struct {
	CleanText          *bool `json:"clean_text"`
	HandleChineseChars *bool `json:"handle_chinese_chars"`
	StripAccents       *bool `json:"strip_accents"`
	Lowercase          *bool `json:"lowercase"`
}

// wordPieceJSON is a WordPiece model.
type wordPieceJSON struct {
	Type                    string         `json:"type"`
	UnkToken                string         `json:"unk_token"`
	ContinuingSubwordPrefix *string        `json:"continuing_subword_prefix"`
	MaxInputCharsPerWord    *int           `json:"max_input_chars_per_word"`
	Vocab                   map[string]int `json:"vocab"`
	Merges                  any            `json:"merges"`
}

// templatePieceJSON is one element of a TemplateProcessing template: exactly one of
// SpecialToken or Sequence is set.
type templatePieceJSON struct {
	SpecialToken *struct {
		ID     string `json:"id"`
		TypeID int    `json:"type_id"`
	} `json:"SpecialToken"`
	Sequence *struct {
		ID     string `json:"id"`
		TypeID int    `json:"type_id"`
	} `json:"Sequence"`
}

// postProcessorJSON covers TemplateProcessing and BertProcessing.
type postProcessorJSON struct {
	Type          string              `json:"type"`
	Single        []templatePieceJSON `json:"single"`
	SpecialTokens map[string]struct {
		ID     string   `json:"id"`
		IDs    []int    `json:"ids"`
		Tokens []string `json:"tokens"`
	} `json:"special_tokens"`
	// BertProcessing: [token, id] pairs.
	Sep []any `json:"sep"`
	Cls []any `json:"cls"`
}

// tokenizerConfig is a validated tokenizer.json, ready to build a BertTokenizer from.
type tokenizerConfig struct {
	normalizer   *bertNormalizer // nil: no normalizer
	model        *wordPiece
	template     template
	added        []addedToken
	truncLength  int  // 0 when tokenizer.json has no truncation
	truncateLeft bool // direction "Left"
}

// componentType returns the "type" of a raw component, "" for null or absent.
func componentType(raw json.RawMessage) (string, bool, error) {
	if len(bytes.TrimSpace(raw)) == 0 || bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
		return "", false, nil
	}
	var t struct {
		Type string `json:"type"`
	}
	if err := json.Unmarshal(raw, &t); err != nil {
		return "", true, err
	}
	return t.Type, true, nil
}

// parseTokenizerJSON validates a tokenizer.json and returns what the pure-Go tokenizer
// needs. Anything it cannot reproduce exactly is an error naming the feature.
func parseTokenizerJSON(data []byte) (*tokenizerConfig, error) {
	var tj tokenizerJSON
	if err := json.Unmarshal(data, &tj); err != nil {
		return nil, fmt.Errorf("tokenizer.json: %w", err)
	}
	cfg := &tokenizerConfig{}

	// Model: WordPiece only. Old files omit "type"; recognise WordPiece by its fields.
	if len(bytes.TrimSpace(tj.Model)) == 0 || bytes.Equal(bytes.TrimSpace(tj.Model), []byte("null")) {
		return nil, fmt.Errorf("tokenizer.json: no model")
	}
	modelType, _, err := componentType(tj.Model)
	if err != nil {
		return nil, fmt.Errorf("tokenizer.json: model: %w", err)
	}
	if modelType != "" && modelType != "WordPiece" {
		return nil, fmt.Errorf("tokenizer.json: unsupported model type %q (only WordPiece is supported)", modelType)
	}
	var wp wordPieceJSON
	if err := json.Unmarshal(tj.Model, &wp); err != nil {
		return nil, fmt.Errorf("tokenizer.json: model: %w", err)
	}
	switch {
	case wp.Type == "WordPiece":
	case wp.Type == "" && wp.Merges == nil && wp.UnkToken != "" && wp.Vocab != nil:
		// untagged WordPiece (tokenizers < 0.9 wrote no type)
	case wp.Type == "":
		return nil, fmt.Errorf("tokenizer.json: unsupported model without a type (only WordPiece is supported)")
	default:
		return nil, fmt.Errorf("tokenizer.json: unsupported model type %q (only WordPiece is supported)", wp.Type)
	}
	prefix := "##"
	if wp.ContinuingSubwordPrefix != nil {
		prefix = *wp.ContinuingSubwordPrefix
	}
	maxChars := 100
	if wp.MaxInputCharsPerWord != nil {
		maxChars = *wp.MaxInputCharsPerWord
	}
	model, err := newWordPiece(wp.Vocab, wp.UnkToken, prefix, maxChars)
	if err != nil {
		return nil, err
	}
	cfg.model = model

	// Normalizer: BertNormalizer or none.
	typ, present, err := componentType(tj.Normalizer)
	if err != nil {
		return nil, fmt.Errorf("tokenizer.json: normalizer: %w", err)
	}
	if present {
		if typ != "BertNormalizer" {
			return nil, fmt.Errorf("tokenizer.json: unsupported normalizer %q (only BertNormalizer is supported)", typ)
		}
		var bn bertNormalizerJSON
		if err := json.Unmarshal(tj.Normalizer, &bn); err != nil {
			return nil, fmt.Errorf("tokenizer.json: normalizer: %w", err)
		}
		cfg.normalizer = newBertNormalizer(bn)
	}

	// Pre-tokenizer: BertPreTokenizer only.
	typ, present, err = componentType(tj.PreTokenizer)
	if err != nil {
		return nil, fmt.Errorf("tokenizer.json: pre_tokenizer: %w", err)
	}
	if !present {
		return nil, fmt.Errorf("tokenizer.json: a missing pre_tokenizer is not supported (only BertPreTokenizer is)")
	}
	if typ != "BertPreTokenizer" {
		return nil, fmt.Errorf("tokenizer.json: unsupported pre_tokenizer %q (only BertPreTokenizer is supported)", typ)
	}

	// Post-processor: TemplateProcessing, BertProcessing or none.
	tmpl, err := parsePostProcessor(tj.PostProcessor)
	if err != nil {
		return nil, err
	}
	cfg.template = tmpl

	// Added tokens: matched on the raw text, as HF does for normalized=false tokens.
	for _, at := range tj.AddedTokens {
		switch {
		case at.Content == "":
			return nil, fmt.Errorf("tokenizer.json: added token %d has empty content", at.ID)
		case at.Normalized:
			return nil, fmt.Errorf("tokenizer.json: unsupported added token %q with normalized=true", at.Content)
		case at.LStrip || at.RStrip:
			return nil, fmt.Errorf("tokenizer.json: unsupported added token %q with lstrip/rstrip", at.Content)
		case at.SingleWord:
			return nil, fmt.Errorf("tokenizer.json: unsupported added token %q with single_word", at.Content)
		case at.ID < 0 || at.ID > math.MaxInt32:
			return nil, fmt.Errorf("tokenizer.json: added token %q has id %d out of range", at.Content, at.ID)
		}
		cfg.added = append(cfg.added, addedToken{content: at.Content, id: int32(at.ID)})
	}

	if tr := tj.Truncation; tr != nil {
		switch tr.Strategy {
		case "", "LongestFirst", "OnlyFirst":
		default:
			return nil, fmt.Errorf("tokenizer.json: unsupported truncation strategy %q", tr.Strategy)
		}
		switch tr.Direction {
		case "", "Right":
		case "Left":
			cfg.truncateLeft = true
		default:
			return nil, fmt.Errorf("tokenizer.json: unsupported truncation direction %q", tr.Direction)
		}
		if tr.MaxLength < 0 {
			return nil, fmt.Errorf("tokenizer.json: negative truncation max_length %d", tr.MaxLength)
		}
		cfg.truncLength = tr.MaxLength
	}
	return cfg, nil
}

// parsePostProcessor turns a TemplateProcessing or BertProcessing post-processor into
// a template for single sequences; null gives the empty template.
func parsePostProcessor(raw json.RawMessage) (template, error) {
	typ, present, err := componentType(raw)
	if err != nil {
		return template{}, fmt.Errorf("tokenizer.json: post_processor: %w", err)
	}
	if !present {
		return template{}, nil
	}
	var pj postProcessorJSON
	if err := json.Unmarshal(raw, &pj); err != nil {
		return template{}, fmt.Errorf("tokenizer.json: post_processor: %w", err)
	}
	switch typ {
	case "TemplateProcessing":
		var t template
		seen := false
		for _, p := range pj.Single {
			switch {
			case p.SpecialToken != nil && p.Sequence == nil:
				st, ok := pj.SpecialTokens[p.SpecialToken.ID]
				if !ok {
					return template{}, fmt.Errorf("tokenizer.json: post_processor: special token %q is not in special_tokens", p.SpecialToken.ID)
				}
				if len(st.IDs) == 0 {
					return template{}, fmt.Errorf("tokenizer.json: post_processor: special token %q has no ids", p.SpecialToken.ID)
				}
				for _, id := range st.IDs {
					if id < 0 || id > math.MaxInt32 {
						return template{}, fmt.Errorf("tokenizer.json: post_processor: special token %q has id %d out of range", p.SpecialToken.ID, id)
					}
					sp := templateToken{id: int32(id), typeID: int32(p.SpecialToken.TypeID)}
					if seen {
						t.suffix = append(t.suffix, sp)
					} else {
						t.prefix = append(t.prefix, sp)
					}
				}
			case p.Sequence != nil && p.SpecialToken == nil:
				if p.Sequence.ID != "A" {
					return template{}, fmt.Errorf("tokenizer.json: post_processor: unsupported sequence %q in the single template", p.Sequence.ID)
				}
				if seen {
					return template{}, fmt.Errorf("tokenizer.json: post_processor: sequence A appears twice in the single template")
				}
				seen = true
				t.typeID = int32(p.Sequence.TypeID)
			default:
				return template{}, fmt.Errorf("tokenizer.json: post_processor: malformed template piece")
			}
		}
		if !seen {
			return template{}, fmt.Errorf("tokenizer.json: post_processor: the single template has no sequence A")
		}
		return t, nil
	case "BertProcessing":
		cls, err := processingToken(pj.Cls, "cls")
		if err != nil {
			return template{}, err
		}
		sep, err := processingToken(pj.Sep, "sep")
		if err != nil {
			return template{}, err
		}
		return template{prefix: []templateToken{cls}, suffix: []templateToken{sep}}, nil
	default:
		return template{}, fmt.Errorf("tokenizer.json: unsupported post_processor %q (TemplateProcessing and BertProcessing are supported)", typ)
	}
}

// processingToken reads BertProcessing's ["[CLS]", 101] pair.
func processingToken(pair []any, name string) (templateToken, error) {
	if len(pair) != 2 {
		return templateToken{}, fmt.Errorf("tokenizer.json: post_processor: %s must be a [token, id] pair", name)
	}
	id, ok := pair[1].(float64)
	if !ok || id < 0 || id > math.MaxInt32 || id != math.Trunc(id) {
		return templateToken{}, fmt.Errorf("tokenizer.json: post_processor: %s id is not a valid id", name)
	}
	return templateToken{id: int32(id)}, nil
}
