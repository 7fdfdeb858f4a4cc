package embed

import "math/bits"

// mergeTable maps a pair of token ids to its merge rank and merged id. It is a flat
// open-addressing hash table (linear probing, load ≤ 1/2): one probe is usually one
// cache line, where Go's map needed several on the 500,000-merge vocabularies of
// Gemma and Llama-3, and merge lookups dominate BPE. Read-only after construction.
type mergeTable struct {
	slots []mergeSlot
	shift uint
}

// mergeSlot is one entry; key 0 marks an empty slot (pairKey(0, 0) is stored with
// its high bit set so it cannot collide with the marker).
type mergeSlot struct {
	key      uint64
	rank, id int32
}

const mergeKeyUsed = 1 << 63

func newMergeTable(n int) mergeTable {
	size := 1 << max(4, bits.Len(uint(2*n)))
	return mergeTable{slots: make([]mergeSlot, size), shift: uint(64 - bits.TrailingZeros(uint(size)))}
}

func (t *mergeTable) index(key uint64) int {
	return int((key * 0x9E3779B97F4A7C15) >> t.shift)
}

// put stores a merge unless the pair already has one (HF keeps the first rank).
func (t *mergeTable) put(a, b, rank, id int32) {
	key := pairKey(a, b) | mergeKeyUsed
	mask := len(t.slots) - 1
	for i := t.index(key); ; i = (i + 1) & mask {
		s := &t.slots[i]
		if s.key == 0 {
			*s = mergeSlot{key: key, rank: rank, id: id}
			return
		}
		if s.key == key {
			return
		}
	}
}

// get returns the merge of the pair (a, b).
func (t *mergeTable) get(a, b int32) (rank, id int32, ok bool) {
	key := pairKey(a, b) | mergeKeyUsed
	mask := len(t.slots) - 1
	for i := t.index(key); ; i = (i + 1) & mask {
		s := &t.slots[i]
		if s.key == key {
			return s.rank, s.id, true
		}
		if s.key == 0 {
			return 0, 0, false
		}
	}
}
