package embed

import (
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/rivo/uniseg"
)

// precompiledNormalizer is tokenizer.json's "Precompiled" normalizer: SentencePiece's
// compiled character map (nmt_nfkc and friends), as Hugging Face's spm_precompiled crate
// applies it. The charsmap is a little-endian uint32 byte size, a Darts-clone double-array
// trie of that many bytes (uint32 units) mapping input byte strings to offsets, and a blob
// of NUL-terminated replacement strings those offsets point into.
//
// Hugging Face looks each extended grapheme cluster shorter than 6 bytes up whole first
// (taking the SHORTEST prefix match, as spm_precompiled does), and otherwise every char of
// it on its own. Offsets follow NormalizedString::transform exactly, quirks included.
type precompiledNormalizer struct {
	units      []uint32 // the double array
	normalized string   // the replacement blob
	// ascii caches the lookup of every single ASCII byte: -1 for no mapping, else the
	// start of its replacement in normalized (asciiEnd holds the end).
	ascii    [128]int32
	asciiEnd [128]int32
}

// parsePrecompiledNormalizer reads {"type":"Precompiled","precompiled_charsmap":"<base64>"}.
// A null or empty charsmap is the identity, as some converted tokenizers carry one.
func parsePrecompiledNormalizer(raw json.RawMessage) (textNormalizer, error) {
	var spec struct {
		Charsmap *string `json:"precompiled_charsmap"`
	}
	if err := json.Unmarshal(raw, &spec); err != nil {
		return nil, fmt.Errorf("precompiled normalizer: %w", err)
	}
	if spec.Charsmap == nil || *spec.Charsmap == "" {
		return &precompiledNormalizer{}, nil
	}
	blob, err := base64.StdEncoding.DecodeString(*spec.Charsmap)
	if err != nil {
		if blob, err = base64.RawStdEncoding.DecodeString(strings.TrimRight(*spec.Charsmap, "=")); err != nil {
			return nil, fmt.Errorf("precompiled normalizer: precompiled_charsmap is not base64: %w", err)
		}
	}
	return newPrecompiledNormalizer(blob)
}

// newPrecompiledNormalizer decodes a SentencePiece precompiled charsmap.
func newPrecompiledNormalizer(blob []byte) (*precompiledNormalizer, error) {
	if len(blob) < 4 {
		return nil, fmt.Errorf("precompiled normalizer: charsmap of %d bytes is too short", len(blob))
	}
	size := binary.LittleEndian.Uint32(blob)
	rest := blob[4:]
	if uint64(size) > uint64(len(rest)) || size%4 != 0 {
		return nil, fmt.Errorf("precompiled normalizer: charsmap trie size %d does not fit its %d bytes", size, len(rest))
	}
	p := &precompiledNormalizer{units: make([]uint32, size/4)}
	for i := range p.units {
		p.units[i] = binary.LittleEndian.Uint32(rest[4*i:])
	}
	norm := rest[size:]
	if !utf8.Valid(norm) {
		return nil, fmt.Errorf("precompiled normalizer: charsmap replacement strings are not UTF-8")
	}
	p.normalized = string(norm)
	for b := range p.ascii {
		p.ascii[b] = -1
		if start, end, ok := p.lookup(string(rune(b))); ok {
			p.ascii[b], p.asciiEnd[b] = int32(start), int32(end)
		}
	}
	return p, nil
}

// lookup returns the replacement of the shortest charsmap key that prefixes chunk, as
// spm_precompiled's transform does (its common_prefix_search stops at a NUL byte).
func (p *precompiledNormalizer) lookup(chunk string) (start, end int, ok bool) {
	if len(p.units) == 0 {
		return 0, 0, false
	}
	pos := uint32(0)
	unit := p.units[0]
	pos ^= dartsOffset(unit)
	for i := 0; i < len(chunk); i++ {
		c := chunk[i]
		if c == 0 {
			return 0, 0, false
		}
		pos ^= uint32(c)
		if pos >= uint32(len(p.units)) {
			return 0, 0, false
		}
		unit = p.units[pos]
		if unit&(1<<31|0xFF) != uint32(c) {
			return 0, 0, false
		}
		pos ^= dartsOffset(unit)
		if (unit>>8)&1 == 1 {
			if pos >= uint32(len(p.units)) {
				return 0, 0, false
			}
			start = int(p.units[pos] & (1<<31 - 1))
			if start >= len(p.normalized) {
				// Rust slices normalized[len..len] to ""; further out it would panic.
				return start, start, start == len(p.normalized)
			}
			if !utf8.RuneStart(p.normalized[start]) {
				return 0, 0, false
			}
			end = strings.IndexByte(p.normalized[start:], 0)
			if end < 0 {
				return start, len(p.normalized), true
			}
			return start, start + end, true
		}
	}
	return 0, 0, false
}

// dartsOffset decodes the child offset of a Darts-clone unit.
func dartsOffset(unit uint32) uint32 {
	return (unit >> 10) << ((unit & (1 << 9)) >> 6)
}

// precompiledEdit is one entry of a NormalizedString transformation: the output rune and
// its change (1 inserted, 0 replaces one original char, -k also swallows k more).
type precompiledEdit struct {
	r      rune
	change int
}

func (p *precompiledNormalizer) normalize(n normalizedText) (normalizedText, error) {
	if len(p.units) == 0 || n.text == "" {
		return n, nil
	}
	s := n.text
	var edits []precompiledEdit
	modified := false
	state := -1
	for i := 0; i < len(s); {
		// Fast path: an ASCII byte followed by ASCII (or the end) is a cluster of its
		// own, except CR LF.
		if b := s[i]; b < utf8.RuneSelf && (i+1 == len(s) || (s[i+1] < utf8.RuneSelf && !(b == '\r' && s[i+1] == '\n'))) {
			if st := p.ascii[b]; st >= 0 {
				if !modified {
					edits = p.startEdits(s[:i])
					modified = true
				}
				edits = replaceEdits(edits, 1, p.normalized[st:p.asciiEnd[b]])
			} else if modified {
				edits = append(edits, precompiledEdit{rune(b), 0})
			}
			i++
			state = -1
			continue
		}
		var cluster string
		cluster, _, _, state = uniseg.FirstGraphemeClusterInString(s[i:], state)
		if len(cluster) < 6 {
			if st, end, ok := p.lookup(cluster); ok {
				if !modified {
					edits = p.startEdits(s[:i])
					modified = true
				}
				edits = replaceEdits(edits, utf8.RuneCountInString(cluster), p.normalized[st:end])
				i += len(cluster)
				continue
			}
		}
		for j := 0; j < len(cluster); {
			r, size := utf8.DecodeRuneInString(cluster[j:])
			if st, end, ok := p.lookup(cluster[j : j+size]); ok {
				if !modified {
					edits = p.startEdits(s[:i+j])
					modified = true
				}
				edits = replaceEdits(edits, 1, p.normalized[st:end])
			} else if modified {
				edits = append(edits, precompiledEdit{r, 0})
			}
			j += size
		}
		i += len(cluster)
	}
	if !modified {
		return n, nil
	}
	return applyEdits(n, edits), nil
}

// startEdits lists the unchanged prefix once the first replacement shows up.
func (p *precompiledNormalizer) startEdits(prefix string) []precompiledEdit {
	edits := make([]precompiledEdit, 0, len(prefix)+16)
	for _, r := range prefix {
		edits = append(edits, precompiledEdit{r, 0})
	}
	return edits
}

// replaceEdits mirrors spm_precompiled's replace: the new chars replace the old ones one
// for one; extra new chars are inserts; missing ones are swallowed by the last entry so
// far (which, for a deletion, is the entry BEFORE this chunk, or nothing at the start).
func replaceEdits(edits []precompiledEdit, oldCount int, repl string) []precompiledEdit {
	newCount := 0
	for _, r := range repl {
		edits = append(edits, precompiledEdit{r, 0})
		newCount++
	}
	diff := newCount - oldCount
	switch {
	case diff > 0:
		for k := len(edits) - diff; k < len(edits); k++ {
			edits[k].change = 1
		}
	case diff < 0:
		if len(edits) > 0 {
			edits[len(edits)-1].change += diff
		}
	}
	return edits
}

// applyEdits is NormalizedString::transform over the whole text: each entry that is not
// an insert takes the alignment of the next unconsumed original char, an insert that of
// the byte before the cursor.
func applyEdits(n normalizedText, edits []precompiledEdit) normalizedText {
	var b strings.Builder
	b.Grow(len(n.text) + 8)
	align := make([][2]int, 0, len(n.text)+8)
	old := n.text
	offset := 0 // byte cursor in old: everything before it is consumed
	for _, e := range edits {
		var a [2]int
		if e.change > 0 {
			if offset >= 1 && offset-1 < len(n.align) {
				a = n.align[offset-1]
			}
		} else if offset < len(n.align) {
			a = n.align[offset]
		}
		if e.change <= 0 && offset < len(old) {
			_, size := utf8.DecodeRuneInString(old[offset:])
			offset += size
		}
		for k := 0; k < -e.change && offset < len(old); k++ {
			_, size := utf8.DecodeRuneInString(old[offset:])
			offset += size
		}
		start := b.Len()
		b.WriteRune(e.r)
		for ; start < b.Len(); start++ {
			align = append(align, a)
		}
	}
	return normalizedText{text: b.String(), align: align}
}
