package embed

import (
	"unicode"

	"golang.org/x/text/unicode/rangetable"
)

// assignedInRustTables is the code points assigned in Unicode 9.0, the version of the
// unicode_categories tables Hugging Face's is_punctuation and is_control use: a
// character that became punctuation later (U+061D, Unicode 14) is not punctuation there.
// Read-only after package initialisation.
var assignedInRustTables = rangetable.Assigned("9.0.0")

// isHFPunct is HF's non-ASCII punctuation test: Unicode P* as of Unicode 9.0.
func isHFPunct(r rune) bool {
	return unicode.IsPunct(r) && unicode.Is(assignedInRustTables, r)
}

// runeClass is what Hugging Face's BertPreTokenizer does with a normalized character.
type runeClass uint8

const (
	// classWord characters are kept and joined into words.
	classWord runeClass = iota
	// classSpace characters end the current word and are dropped.
	classSpace
	// classPunct characters end the current word and form a word of their own.
	classPunct
)

// classifyRune splits like BertPreTokenizer: first on Unicode White_Space (removed),
// then on punctuation (isolated).
func classifyRune(r rune) runeClass {
	if r < 0x80 {
		switch {
		case r == ' ' || (r >= '\t' && r <= '\r'):
			return classSpace
		case isASCIIPunct(byte(r)):
			return classPunct
		}
		return classWord
	}
	if unicode.IsSpace(r) {
		return classSpace
	}
	if isHFPunct(r) {
		return classPunct
	}
	return classWord
}

// isASCIIPunct is Rust's char::is_ascii_punctuation, which HF adds to the Unicode P*
// categories: it also covers the ASCII symbols $ + < = > ^ ` | ~.
func isASCIIPunct(b byte) bool {
	return (b >= '!' && b <= '/') || (b >= ':' && b <= '@') || (b >= '[' && b <= '`') || (b >= '{' && b <= '~')
}
