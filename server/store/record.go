package store

import (
	"encoding/binary"
	"fmt"
	"math"
)

// recordVersion is the first byte of every encoded record.
const recordVersion = 1

// Record is one stored document.
//
// ⚠️ When adding fields, update encodeRecord, decodeRecord and the format in doc.go.
type Record struct {
	// ID is the caller's document id.
	ID string
	// Key is the uint64 the indexes know the document by; Put assigns it.
	Key uint64
	// Title and Text are stored whole.
	Title string
	Text  string
	// Metadata is the document's metadata as a JSON object (nil when absent).
	Metadata []byte
	// Vector is the document's vector; nil for chunked documents.
	Vector []float32
	// Passages are the token windows of a chunked document.
	Passages []Passage
}

// Passage is one window of a chunked document.
type Passage struct {
	// Key is the passage's own uint64 in the vector index; Put assigns it.
	Key uint64
	// Start and End are byte offsets into the document text.
	Start, End int
	// Vector is the passage's embedding.
	Vector []float32
}

// encodeRecord appends r's version-1 encoding to dst.
func encodeRecord(dst []byte, r *Record) []byte {
	dst = append(dst, recordVersion)
	dst = binary.AppendUvarint(dst, r.Key)
	dst = appendString(dst, r.ID)
	dst = appendString(dst, r.Title)
	dst = appendString(dst, r.Text)
	dst = appendString(dst, string(r.Metadata))
	dst = appendVector(dst, r.Vector)
	dst = binary.AppendUvarint(dst, uint64(len(r.Passages)))
	for _, p := range r.Passages {
		dst = binary.AppendUvarint(dst, p.Key)
		dst = binary.AppendUvarint(dst, uint64(p.Start))
		dst = binary.AppendUvarint(dst, uint64(p.End))
		dst = appendVector(dst, p.Vector)
	}
	return dst
}

func appendString(dst []byte, s string) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(s)))
	return append(dst, s...)
}

func appendVector(dst []byte, v []float32) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(v)))
	for _, f := range v {
		dst = binary.LittleEndian.AppendUint32(dst, math.Float32bits(f))
	}
	return dst
}

// decoder reads a record, remembering the first error.
type decoder struct {
	buf []byte
	err error
}

func (d *decoder) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.buf)
	if n <= 0 {
		d.err = fmt.Errorf("%w: bad varint", ErrCorrupt)
		return 0
	}
	d.buf = d.buf[n:]
	return v
}

func (d *decoder) bytes() []byte {
	n := d.uvarint()
	if d.err != nil {
		return nil
	}
	if n > uint64(len(d.buf)) {
		d.err = fmt.Errorf("%w: length %d beyond record end", ErrCorrupt, n)
		return nil
	}
	b := d.buf[:n]
	d.buf = d.buf[n:]
	return b
}

func (d *decoder) int() int {
	v := d.uvarint()
	if v > math.MaxInt32 {
		d.err = fmt.Errorf("%w: offset %d out of range", ErrCorrupt, v)
		return 0
	}
	return int(v)
}

// vector decodes a vector, or skips it when keep is false.
func (d *decoder) vector(keep bool) []float32 {
	n := d.uvarint()
	if d.err != nil {
		return nil
	}
	if n > uint64(len(d.buf))/4 {
		d.err = fmt.Errorf("%w: vector of %d floats beyond record end", ErrCorrupt, n)
		return nil
	}
	raw := d.buf[:n*4]
	d.buf = d.buf[n*4:]
	if !keep || n == 0 {
		return nil
	}
	v := make([]float32, n)
	for i := range v {
		v[i] = math.Float32frombits(binary.LittleEndian.Uint32(raw[i*4:]))
	}
	return v
}

// decodeRecord parses a record; vectors are decoded only when withVectors is set.
// The returned strings and metadata are copies, safe after the transaction ends.
func decodeRecord(b []byte, withVectors bool) (Record, error) {
	if len(b) == 0 || b[0] != recordVersion {
		return Record{}, fmt.Errorf("%w: unknown record version", ErrCorrupt)
	}
	d := decoder{buf: b[1:]}
	var r Record
	r.Key = d.uvarint()
	r.ID = string(d.bytes())
	r.Title = string(d.bytes())
	r.Text = string(d.bytes())
	if m := d.bytes(); len(m) > 0 {
		r.Metadata = append([]byte(nil), m...)
	}
	r.Vector = d.vector(withVectors)
	np := d.uvarint()
	if d.err == nil && np > uint64(len(d.buf)) {
		d.err = fmt.Errorf("%w: %d passages beyond record end", ErrCorrupt, np)
	}
	if d.err == nil && np > 0 {
		r.Passages = make([]Passage, np)
		for i := range r.Passages {
			p := &r.Passages[i]
			p.Key = d.uvarint()
			p.Start = d.int()
			p.End = d.int()
			p.Vector = d.vector(withVectors)
		}
	}
	if d.err != nil {
		return Record{}, d.err
	}
	if len(d.buf) != 0 {
		return Record{}, fmt.Errorf("%w: %d trailing bytes", ErrCorrupt, len(d.buf))
	}
	return r, nil
}
