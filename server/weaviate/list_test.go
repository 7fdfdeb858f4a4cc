package weaviate

import (
	"bytes"
	"math/rand/v2"
	"sort"
	"strings"
	"testing"
)

// TestListKeyKeepsByteOrder checks the sort key's two promises without Weaviate: its
// order (plain or case-folded, as Weaviate's two sorters compare) is the ids' byte order.
func TestListKeyKeepsByteOrder(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	ids := []string{"", "a", "ab", "B", "b", "a\x00", "é", "Ω", "\xff", "A-", "_"}
	for range 2000 {
		n := r.IntN(6)
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(r.IntN(256))
		}
		ids = append(ids, string(b))
	}
	byBytes := append([]string(nil), ids...)
	sort.Slice(byBytes, func(i, j int) bool { return bytes.Compare([]byte(byBytes[i]), []byte(byBytes[j])) < 0 })
	for _, fold := range []bool{false, true} {
		byKey := append([]string(nil), ids...)
		key := func(s string) string {
			if fold {
				return strings.ToLower(strings.ToUpper(listKey(s)))
			}
			return listKey(s)
		}
		sort.SliceStable(byKey, func(i, j int) bool { return key(byKey[i]) < key(byKey[j]) })
		for i := range byKey {
			if byKey[i] != byBytes[i] {
				t.Fatalf("fold=%v: position %d is %q by key, %q by bytes", fold, i, byKey[i], byBytes[i])
			}
		}
	}
}
