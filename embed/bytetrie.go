package embed

import "slices"

// byteTrie is a read-only trie over the bytes of a vocabulary, laid out flat for fast
// common-prefix walks: the root's children sit in a 256-entry table, every other node's
// outgoing edges are a contiguous run of (label, child) sorted by label.
type byteTrie struct {
	rootChild [256]int32
	first     []int32 // node i's edges are edgeLabel/edgeChild[first[i]:first[i+1]]
	edgeLabel []byte
	edgeChild []int32
	value     []int32 // the id stored at a node, -1 for none
}

// newByteTrie indexes every non-empty key of keys under the id ids gives it.
func newByteTrie(keys []string, ids map[string]int64) byteTrie {
	sorted := make([]string, 0, len(keys))
	for _, k := range keys {
		if k != "" {
			sorted = append(sorted, k)
		}
	}
	slices.Sort(sorted)
	sorted = slices.Compact(sorted)

	// Breadth-first: each queued node owns the sorted keys [lo, hi) that share its
	// depth-byte prefix. Node ids are handed out in queue order, so edges come out in
	// node order and first[] is monotone.
	type span struct{ lo, hi, depth int }
	t := byteTrie{}
	queue := []span{{0, len(sorted), 0}}
	for head := 0; head < len(queue); head++ {
		sp := queue[head]
		t.first = append(t.first, int32(len(t.edgeLabel)))
		val := int32(-1)
		lo := sp.lo
		if lo < sp.hi && len(sorted[lo]) == sp.depth {
			val = int32(ids[sorted[lo]])
			lo++
		}
		t.value = append(t.value, val)
		for lo < sp.hi {
			b := sorted[lo][sp.depth]
			hi := lo + 1
			for hi < sp.hi && sorted[hi][sp.depth] == b {
				hi++
			}
			t.edgeLabel = append(t.edgeLabel, b)
			t.edgeChild = append(t.edgeChild, int32(len(queue)))
			queue = append(queue, span{lo, hi, sp.depth + 1})
			lo = hi
		}
	}
	t.first = append(t.first, int32(len(t.edgeLabel)))
	for b := range t.rootChild {
		t.rootChild[b] = -1
	}
	for e := t.first[0]; e < t.first[1]; e++ {
		t.rootChild[t.edgeLabel[e]] = t.edgeChild[e]
	}
	return t
}

// root returns the node reached from the root by byte b, or -1.
func (t *byteTrie) root(b byte) int32 {
	return t.rootChild[b]
}

// child returns the node reached from node by byte b, or -1.
func (t *byteTrie) child(node int32, b byte) int32 {
	lo, hi := t.first[node], t.first[node+1]
	if hi-lo <= 8 {
		for e := lo; e < hi; e++ {
			if l := t.edgeLabel[e]; l >= b {
				if l == b {
					return t.edgeChild[e]
				}
				return -1
			}
		}
		return -1
	}
	for lo < hi {
		mid := int32(uint32(lo+hi) >> 1)
		switch l := t.edgeLabel[mid]; {
		case l == b:
			return t.edgeChild[mid]
		case l < b:
			lo = mid + 1
		default:
			hi = mid
		}
	}
	return -1
}
