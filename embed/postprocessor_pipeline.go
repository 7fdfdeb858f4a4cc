package embed

import (
	"encoding/json"
	"fmt"
	"unicode"
	"unicode/utf8"
)

// pipelinePost is a tokenizer.json post-processor for the pipeline: the template that
// places special tokens and type ids, and whether ByteLevel/RobertaProcessing trims
// whitespace off token offsets first.
type pipelinePost struct {
	spec           templateSpec
	trimOffsets    bool
	addPrefixSpace bool // ByteLevel/Roberta add_prefix_space, for the first token's trim
}

// parsePipelinePost reads TemplateProcessing, BertProcessing, RobertaProcessing,
// ByteLevel and Sequence of them; null is HF's default.
func parsePipelinePost(raw json.RawMessage) (pipelinePost, error) {
	p := pipelinePost{spec: defaultTemplateSpec()}
	return p, p.add(raw)
}

func (p *pipelinePost) add(raw json.RawMessage) error {
	typ, present, err := componentType(raw)
	if err != nil {
		return fmt.Errorf("post_processor: %w", err)
	}
	if !present {
		return nil
	}
	var opts struct {
		TrimOffsets    *bool             `json:"trim_offsets"`
		AddPrefixSpace *bool             `json:"add_prefix_space"`
		Processors     []json.RawMessage `json:"processors"`
	}
	if err := json.Unmarshal(raw, &opts); err != nil {
		return fmt.Errorf("post_processor: %w", err)
	}
	trim := func() {
		p.trimOffsets = opts.TrimOffsets == nil || *opts.TrimOffsets
		p.addPrefixSpace = opts.AddPrefixSpace == nil || *opts.AddPrefixSpace
	}
	switch typ {
	case "ByteLevel":
		trim()
		return nil
	case "Sequence":
		for _, r := range opts.Processors {
			if err := p.add(r); err != nil {
				return err
			}
		}
		return nil
	case "RobertaProcessing":
		trim()
	}
	spec, err := parseTemplateProcessor(typ, raw)
	if err != nil {
		return err
	}
	p.spec = spec
	return nil
}

// trim is HF's ByteLevel process_offsets: leading and trailing spaces (Ġ or Unicode
// whitespace) of a token's string are cut from its offsets, except the one space
// add_prefix_space put before the first token. HF counts characters of the token but
// moves byte offsets, which can land inside a multi-byte character of text (a space
// that NFKC made of U+00A0); HF's character offsets then round the start up and the
// end down to whole characters, and so does this.
func (p *pipelinePost) trim(toks []token, text string, value func(int32) string) {
	if !p.trimOffsets {
		return
	}
	for i := range toks {
		v := value(toks[i].id)
		lead, trail := 0, 0
		for _, r := range v {
			if r != 'Ġ' && !unicode.IsSpace(r) {
				break
			}
			lead++
		}
		rs := []rune(v)
		for k := len(rs) - 1; k >= 0 && (rs[k] == 'Ġ' || unicode.IsSpace(rs[k])); k-- {
			trail++
		}
		if lead == 0 && trail == 0 {
			continue
		}
		t := &toks[i]
		if lead > 0 {
			if (i == 0 || t.start == 0) && p.addPrefixSpace && lead == 1 {
				lead = 0
			}
			t.start = min(t.start+int32(lead), t.end)
			for t.start < t.end && int(t.start) < len(text) && !utf8.RuneStart(text[t.start]) {
				t.start++
			}
		}
		if trail > 0 && int(t.end) >= trail {
			t.end = max(t.end-int32(trail), t.start)
			for t.end > t.start && int(t.end) < len(text) && !utf8.RuneStart(text[t.end]) {
				t.end--
			}
		}
	}
}
