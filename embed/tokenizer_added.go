package embed

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// addedEntry is one tokenizer.json added token with its matching options.
type addedEntry struct {
	content    string
	id         int32
	singleWord bool
	lstrip     bool
	rstrip     bool
	special    bool
}

// addedTrie finds added tokens leftmost-longest, as HF's Aho-Corasick with
// MatchKind::LeftmostLongest: at the first position where any token starts, the
// longest one; the scan then continues after it.
type addedTrie struct {
	nodes []trieNode
	first [256]bool
}

type trieNode struct {
	next  map[byte]int32
	entry int32 // index into entries + 1; 0: no token ends here
}

func newAddedTrie(entries []addedEntry, content func(addedEntry) string) addedTrie {
	t := addedTrie{nodes: []trieNode{{}}}
	for i, e := range entries {
		c := content(e)
		if c == "" {
			continue
		}
		t.first[c[0]] = true
		n := int32(0)
		for k := 0; k < len(c); k++ {
			nx, ok := t.nodes[n].next[c[k]]
			if !ok {
				if t.nodes[n].next == nil {
					t.nodes[n].next = make(map[byte]int32)
				}
				nx = int32(len(t.nodes))
				t.nodes[n].next[c[k]] = nx
				t.nodes = append(t.nodes, trieNode{})
			}
			n = nx
		}
		if t.nodes[n].entry == 0 {
			t.nodes[n].entry = int32(i) + 1
		}
	}
	return t
}

// longest returns the entry index and length of the longest token s starts with.
func (t *addedTrie) longest(s string) (entry, n int, ok bool) {
	node := int32(0)
	for k := 0; k < len(s); k++ {
		nx, found := t.nodes[node].next[s[k]]
		if !found {
			break
		}
		node = nx
		if e := t.nodes[node].entry; e != 0 {
			entry, n, ok = int(e-1), k+1, true
		}
	}
	return entry, n, ok
}

// addedSplit is a [start, end) byte range of a text and the added token it is
// (entry < 0: ordinary text).
type addedSplit struct {
	start, end int
	entry      int
}

// findAdded is HF's AddedVocabulary::find_matches: the text cut into ordinary
// stretches and added tokens, honouring single_word, lstrip and rstrip.
func findAdded(t *addedTrie, entries []addedEntry, s string, dst []addedSplit) []addedSplit {
	startOffset := 0
	for i := 0; i < len(s); {
		if !t.first[s[i]] {
			i++
			continue
		}
		ei, n, ok := t.longest(s[i:])
		if !ok {
			i++
			continue
		}
		start, stop := i, i+n
		i = stop
		e := &entries[ei]
		if e.singleWord {
			startSpace := start == 0 || !endsWithWord(s[:start])
			stopSpace := stop == len(s) || !startsWithWord(s[stop:])
			if !startSpace || !stopSpace {
				continue
			}
		}
		if e.lstrip {
			newStart := len(strings.TrimRightFunc(s[:start], unicode.IsSpace))
			start = max(newStart, startOffset)
		}
		if e.rstrip {
			stop += len(s[stop:]) - len(strings.TrimLeftFunc(s[stop:], unicode.IsSpace))
		}
		if startOffset < start {
			dst = append(dst, addedSplit{startOffset, start, -1})
		}
		dst = append(dst, addedSplit{start, stop, ei})
		startOffset = stop
	}
	if startOffset != len(s) || len(s) == 0 {
		dst = append(dst, addedSplit{startOffset, len(s), -1})
	}
	return dst
}

// endsWithWord is the regex \w$ and startsWithWord ^\w (Unicode word characters).
func endsWithWord(s string) bool {
	r, _ := utf8.DecodeLastRuneInString(s)
	return s != "" && isRegexWord(r)
}

func startsWithWord(s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	return s != "" && isRegexWord(r)
}
