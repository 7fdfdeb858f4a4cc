package embed

import (
	"encoding/json"
	"fmt"
	"strings"
)

// gpt2Pattern is the split regex of GPT-2's byte-level BPE (ByteLevel use_regex).
const gpt2Pattern = `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`

// byteLevelChars maps every byte to the printable character GPT-2's byte-level BPE
// writes for it: printable Latin-1 bytes stand for themselves, the others are shifted
// to U+0100 and up.
var byteLevelChars = func() (t [256]string) {
	n := 0
	for b := range 256 {
		if (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF) {
			t[b] = string(rune(b))
		} else {
			t[b] = string(rune(256 + n))
			n++
		}
	}
	return t
}()

// byteLevelPreTokenizer is HF's ByteLevel pre-tokenizer: optionally a space before
// every piece, optionally the GPT-2 split, then each byte as its byte-level character
// (each output byte keeps the original range of the character the byte belonged to).
type byteLevelPreTokenizer struct {
	addPrefixSpace bool
	split          splitPattern // nil: use_regex false
}

func parseByteLevelPreTokenizer(raw json.RawMessage) (preTokenizer, error) {
	var j struct {
		AddPrefixSpace *bool `json:"add_prefix_space"`
		UseRegex       *bool `json:"use_regex"`
	}
	if err := json.Unmarshal(raw, &j); err != nil {
		return nil, fmt.Errorf("pre_tokenizer ByteLevel: %w", err)
	}
	p := byteLevelPreTokenizer{addPrefixSpace: true}
	if j.AddPrefixSpace != nil {
		p.addPrefixSpace = *j.AddPrefixSpace
	}
	if j.UseRegex == nil || *j.UseRegex {
		sp, err := compileRegexPattern(gpt2Pattern)
		if err != nil {
			return nil, err
		}
		p.split = sp
	}
	return p, nil
}

func (b byteLevelPreTokenizer) preTokenize(pieces []normalizedText) ([]normalizedText, error) {
	out := make([]normalizedText, 0, len(pieces)*2)
	for _, p := range pieces {
		if b.addPrefixSpace && !strings.HasPrefix(p.text, " ") {
			p = p.prepend(" ")
		}
		if b.split == nil {
			if p.text != "" {
				out = append(out, p)
			}
			continue
		}
		m, err := b.split.findAll(p.text)
		if err != nil {
			return nil, err
		}
		out = applyBehavior(out, p, segments(len(p.text), m, false), splitIsolated)
	}
	for i, p := range out {
		out[i] = byteLevelEncode(p)
	}
	return out, nil
}

// byteLevelEncode rewrites every byte of n as its byte-level character.
func byteLevelEncode(n normalizedText) normalizedText {
	var sb strings.Builder
	sb.Grow(2 * len(n.text))
	align := make([][2]int, 0, 2*len(n.text))
	for i := 0; i < len(n.text); i++ {
		c := byteLevelChars[n.text[i]]
		sb.WriteString(c)
		for range len(c) {
			align = append(align, n.align[i])
		}
	}
	return normalizedText{text: sb.String(), align: align}
}
