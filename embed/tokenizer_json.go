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

// build makes the WordPiece model, with Hugging Face's defaults for the fields a file
// leaves out ("##", 100 characters per word).
func (wp *wordPieceJSON) build() (*wordPiece, error) {
	prefix := "##"
	if wp.ContinuingSubwordPrefix != nil {
		prefix = *wp.ContinuingSubwordPrefix
	}
	maxChars := 100
	if wp.MaxInputCharsPerWord != nil {
		maxChars = *wp.MaxInputCharsPerWord
	}
	return newWordPiece(wp.Vocab, wp.UnkToken, prefix, maxChars)
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
	Pair          []templatePieceJSON `json:"pair"`
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
	spec         templateSpec
	strategy     truncationStrategy
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
	model, err := wp.build()
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
	spec, err := parsePostProcessor(tj.PostProcessor)
	if err != nil {
		return nil, err
	}
	tmpl, ok := spec.singleTemplate()
	if !ok {
		return nil, fmt.Errorf("tokenizer.json: post_processor: unsupported single template (only special tokens around $A)")
	}
	cfg.template, cfg.spec = tmpl, spec

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
		case "", "LongestFirst":
		case "OnlyFirst":
			cfg.strategy = onlyFirst
		case "OnlySecond":
			cfg.strategy = onlySecond
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

// parsePostProcessor turns a TemplateProcessing, BertProcessing or RobertaProcessing
// post-processor into single and pair templates; null gives HF's default ($A, $A $B:1).
func parsePostProcessor(raw json.RawMessage) (templateSpec, error) {
	typ, present, err := componentType(raw)
	if err != nil {
		return templateSpec{}, fmt.Errorf("tokenizer.json: post_processor: %w", err)
	}
	if !present {
		return defaultTemplateSpec(), nil
	}
	return parseTemplateProcessor(typ, raw)
}

// parseTemplateProcessor parses the post-processors that are templates.
func parseTemplateProcessor(typ string, raw json.RawMessage) (templateSpec, error) {
	var pj postProcessorJSON
	if err := json.Unmarshal(raw, &pj); err != nil {
		return templateSpec{}, fmt.Errorf("tokenizer.json: post_processor: %w", err)
	}
	switch typ {
	case "TemplateProcessing":
		single, err := parseTemplatePieces(pj.Single, pj, "single")
		if err != nil {
			return templateSpec{}, err
		}
		if len(pj.Pair) == 0 {
			return templateSpec{single: single}, nil // EncodePair reports the missing template
		}
		pair, err := parseTemplatePieces(pj.Pair, pj, "pair")
		if err != nil {
			return templateSpec{}, err
		}
		return templateSpec{single: single, pair: pair}, nil
	case "BertProcessing", "RobertaProcessing":
		cls, err := processingToken(pj.Cls, "cls")
		if err != nil {
			return templateSpec{}, err
		}
		sep, err := processingToken(pj.Sep, "sep")
		if err != nil {
			return templateSpec{}, err
		}
		c := templatePiece{seq: -1, ids: []int32{cls.id}}
		s := templatePiece{seq: -1, ids: []int32{sep.id}}
		spec := templateSpec{single: []templatePiece{c, {seq: 0}, s}}
		if typ == "BertProcessing" {
			s1 := s
			s1.typeID = 1
			spec.pair = []templatePiece{c, {seq: 0}, s, {seq: 1, typeID: 1}, s1}
		} else {
			// RobertaProcessing: <s> A </s> </s> B </s>, every type id 0.
			spec.pair = []templatePiece{c, {seq: 0}, s, s, {seq: 1}, s}
		}
		return spec, nil
	default:
		return templateSpec{}, fmt.Errorf("tokenizer.json: unsupported post_processor %q (TemplateProcessing, BertProcessing, RobertaProcessing, ByteLevel and Sequence are supported)", typ)
	}
}

// parseTemplatePieces reads one TemplateProcessing template ("single" or "pair").
func parseTemplatePieces(in []templatePieceJSON, pj postProcessorJSON, name string) ([]templatePiece, error) {
	var out []templatePiece
	seen := [2]bool{}
	for _, p := range in {
		switch {
		case p.SpecialToken != nil && p.Sequence == nil:
			st, ok := pj.SpecialTokens[p.SpecialToken.ID]
			if !ok {
				return nil, fmt.Errorf("tokenizer.json: post_processor: special token %q is not in special_tokens", p.SpecialToken.ID)
			}
			if len(st.IDs) == 0 {
				return nil, fmt.Errorf("tokenizer.json: post_processor: special token %q has no ids", p.SpecialToken.ID)
			}
			piece := templatePiece{seq: -1, typeID: int32(p.SpecialToken.TypeID)}
			for _, id := range st.IDs {
				if id < 0 || id > math.MaxInt32 {
					return nil, fmt.Errorf("tokenizer.json: post_processor: special token %q has id %d out of range", p.SpecialToken.ID, id)
				}
				piece.ids = append(piece.ids, int32(id))
			}
			out = append(out, piece)
		case p.Sequence != nil && p.SpecialToken == nil:
			seq := 0
			switch {
			case p.Sequence.ID == "A":
			case p.Sequence.ID == "B" && name == "pair":
				seq = 1
			default:
				return nil, fmt.Errorf("tokenizer.json: post_processor: unsupported sequence %q in the %s template", p.Sequence.ID, name)
			}
			if seen[seq] {
				return nil, fmt.Errorf("tokenizer.json: post_processor: sequence %s appears twice in the %s template", p.Sequence.ID, name)
			}
			seen[seq] = true
			out = append(out, templatePiece{seq: seq, typeID: int32(p.Sequence.TypeID)})
		default:
			return nil, fmt.Errorf("tokenizer.json: post_processor: malformed template piece")
		}
	}
	if !seen[0] || (name == "pair" && !seen[1]) {
		return nil, fmt.Errorf("tokenizer.json: post_processor: the %s template lacks a sequence", name)
	}
	return out, nil
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
