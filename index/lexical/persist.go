package lexical

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"math"
	"os"
	"sort"

	"github.com/instructd/instructd/index"
	"github.com/instructd/instructd/internal/atomicfile"
)

// Snapshot byte layout (all integers little-endian):
//
//	[0:8)   magic "INSTLEX1"
//	[8:16)  payload length, uint64
//	[16:20) CRC-32C (Castagnoli) of the payload
//	[20:)   payload:
//	          k1, b                  float64 bits, uint64 each
//	          nTerms                 uvarint, then per term: uvarint length + UTF-8 bytes (sorted)
//	          nDocs                  uvarint, then per document (ascending key):
//	            key                  uint64
//	            nDistinct            uvarint, then per distinct term: uvarint term id + uvarint tf
//
// Document lengths, postings and the total length are rebuilt on load (a
// document's length is the sum of its tfs).
//
// Dense internal ids are not stored: they are reassigned in key order on load.
//
// ⚠️ When adding fields to Index or document, extend this format and bump the magic.
const (
	snapshotMagic = "INSTLEX1"
	headerLen     = 20
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// Save writes an atomic, checksummed snapshot to path: a temporary file in the
// same directory is written, fsynced and renamed over path, then the directory
// is fsynced, so a crash leaves either the old snapshot or the new one.
func (ix *Index) Save(path string) error {
	payload := ix.encode()
	buf := make([]byte, headerLen, headerLen+len(payload))
	copy(buf, snapshotMagic)
	putHeader(buf, payload)
	buf = append(buf, payload...)
	if err := atomicfile.Write(path, buf); err != nil {
		return fmt.Errorf("lexical: save %s: %w", path, err)
	}
	return nil
}

// putHeader writes the payload length and checksum into a header.
func putHeader(h, payload []byte) {
	binary.LittleEndian.PutUint64(h[8:16], uint64(len(payload)))
	binary.LittleEndian.PutUint32(h[16:20], crc32.Checksum(payload, castagnoli))
}

// encode serialises the index payload under the read lock.
func (ix *Index) encode() []byte {
	ix.mu.RLock()
	defer ix.mu.RUnlock()

	terms := make([]string, 0, len(ix.postings))
	for t := range ix.postings {
		terms = append(terms, t)
	}
	sort.Strings(terms)
	ids := make(map[string]uint64, len(terms))
	for i, t := range terms {
		ids[t] = uint64(i)
	}
	keys := make([]uint64, 0, len(ix.ids))
	for k := range ix.ids {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i] < keys[j] })

	var b []byte
	b = binary.LittleEndian.AppendUint64(b, math.Float64bits(ix.opts.K1))
	b = binary.LittleEndian.AppendUint64(b, math.Float64bits(ix.opts.B))
	b = binary.AppendUvarint(b, uint64(len(terms)))
	for _, t := range terms {
		b = binary.AppendUvarint(b, uint64(len(t)))
		b = append(b, t...)
	}
	b = binary.AppendUvarint(b, uint64(len(keys)))
	for _, k := range keys {
		doc := &ix.docs[ix.ids[k]]
		b = binary.LittleEndian.AppendUint64(b, k)
		b = binary.AppendUvarint(b, uint64(len(doc.terms)))
		for _, t := range doc.terms {
			b = binary.AppendUvarint(b, ids[t.term])
			b = binary.AppendUvarint(b, uint64(t.tf))
		}
	}
	return b
}

// Load reads a snapshot written by Save. A snapshot that fails verification
// (magic, length, checksum or structure) returns an error wrapping index.ErrCorrupt.
func Load(path string) (*Index, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("lexical: load %s: %w", path, err)
	}
	ix, err := decode(data)
	if err != nil {
		return nil, fmt.Errorf("lexical: load %s: %w: %w", path, index.ErrCorrupt, err)
	}
	return ix, nil
}

// decode verifies and parses a whole snapshot.
func decode(data []byte) (*Index, error) {
	if len(data) < headerLen || string(data[:8]) != snapshotMagic {
		return nil, errors.New("bad magic")
	}
	n := binary.LittleEndian.Uint64(data[8:16])
	if n != uint64(len(data)-headerLen) {
		return nil, fmt.Errorf("payload length %d, file holds %d", n, len(data)-headerLen)
	}
	payload := data[headerLen:]
	if crc32.Checksum(payload, castagnoli) != binary.LittleEndian.Uint32(data[16:20]) {
		return nil, errors.New("checksum mismatch")
	}
	r := &reader{b: payload}
	opts := Options{K1: math.Float64frombits(r.u64()), B: math.Float64frombits(r.u64())}
	if r.err == nil && opts.withDefaults() != opts {
		return nil, fmt.Errorf("bad bm25 parameters k1=%v b=%v", opts.K1, opts.B)
	}
	ix := New(opts)

	nTerms := r.count(1)
	terms := make([]string, 0, nTerms)
	for i := 0; i < nTerms && r.err == nil; i++ {
		t := string(r.bytes(r.count(1)))
		if r.err == nil && (t == "" || (i > 0 && t <= terms[i-1])) {
			return nil, fmt.Errorf("term %d out of order or empty", i)
		}
		terms = append(terms, t)
	}
	nDocs := r.count(9)
	var prevKey uint64
	for i := 0; i < nDocs && r.err == nil; i++ {
		key := r.u64()
		if i > 0 && key <= prevKey {
			return nil, fmt.Errorf("document %d: key %d out of order", i, key)
		}
		prevKey = key
		nd := r.count(2)
		doc := document{key: key, live: true, terms: make([]termFreq, 0, nd)}
		seen := make(map[uint64]struct{}, nd)
		for j := 0; j < nd && r.err == nil; j++ {
			id, tf := r.uvarint(), r.uvarint()
			if r.err != nil {
				break
			}
			if _, dup := seen[id]; dup || id >= uint64(len(terms)) || tf == 0 || tf > math.MaxUint32 {
				return nil, fmt.Errorf("document %d: bad term entry %d", key, j)
			}
			seen[id] = struct{}{}
			doc.terms = append(doc.terms, termFreq{term: terms[id], tf: uint32(tf)})
			doc.length += int(tf)
		}
		if r.err == nil {
			ix.addLocked(doc)
		}
	}
	if r.err != nil {
		return nil, r.err
	}
	if len(r.b) != 0 {
		return nil, fmt.Errorf("%d trailing bytes", len(r.b))
	}
	if len(ix.postings) != len(terms) {
		return nil, errors.New("dictionary holds unused terms")
	}
	return ix, nil
}

// reader consumes a payload, remembering the first error.
type reader struct {
	b   []byte
	err error
}

func (r *reader) fail(what string) {
	if r.err == nil {
		r.err = fmt.Errorf("truncated %s", what)
	}
	r.b = nil
}

func (r *reader) u64() uint64 {
	if len(r.b) < 8 {
		r.fail("uint64")
		return 0
	}
	v := binary.LittleEndian.Uint64(r.b)
	r.b = r.b[8:]
	return v
}

func (r *reader) uvarint() uint64 {
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.fail("uvarint")
		return 0
	}
	r.b = r.b[n:]
	return v
}

// count reads a uvarint element count, rejecting counts that could not fit in
// the remaining bytes at minSize bytes per element (so a corrupt count never
// triggers a huge allocation).
func (r *reader) count(minSize int) int {
	v := r.uvarint()
	if r.err == nil && v > uint64(len(r.b)/minSize) {
		r.err = fmt.Errorf("count %d exceeds remaining %d bytes", v, len(r.b))
		r.b = nil
		return 0
	}
	return int(v)
}

func (r *reader) bytes(n int) []byte {
	if r.err != nil {
		return nil
	}
	if n > len(r.b) {
		r.fail("bytes")
		return nil
	}
	v := r.b[:n]
	r.b = r.b[n:]
	return v
}
