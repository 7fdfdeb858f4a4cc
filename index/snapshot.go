package index

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"unsafe"

	"github.com/instructd/instructd/internal/atomicfile"
)

// Snapshot layout (little-endian; see doc.go for the full description).
const (
	snapMagic     = "INSTRIDX"
	snapTrailer   = "IEND"
	snapVersion   = 1
	snapHeaderLen = 64
	snapFooterLen = 8

	engineExact = 1
	engineHNSW  = 2

	flagAuto = 1 // written by New's index: reload as a self-switching index
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

var metricCodes = map[Metric]byte{Cosine: 1, Dot: 2, L2: 3}

// snapHeader is the fixed 64-byte header.
// ⚠️ When adding fields, update encode, decodeHeader and the format in doc.go.
type snapHeader struct {
	engine, flags byte
	cfg           Config
	count         uint64 // live vectors
	bodyLen       uint64
}

func (h snapHeader) encode() []byte {
	b := make([]byte, snapHeaderLen)
	copy(b, snapMagic)
	binary.LittleEndian.PutUint32(b[8:], snapVersion)
	b[12] = h.engine
	b[13] = h.flags
	b[14] = metricCodes[h.cfg.Metric]
	binary.LittleEndian.PutUint32(b[16:], uint32(h.cfg.Dimension))
	binary.LittleEndian.PutUint32(b[20:], uint32(h.cfg.M))
	binary.LittleEndian.PutUint32(b[24:], uint32(h.cfg.EfConstruction))
	binary.LittleEndian.PutUint32(b[28:], uint32(h.cfg.EfSearch))
	binary.LittleEndian.PutUint32(b[32:], uint32(h.cfg.ExactThreshold))
	binary.LittleEndian.PutUint64(b[40:], h.count)
	binary.LittleEndian.PutUint64(b[48:], h.bodyLen)
	return b
}

func corrupt(path, format string, args ...any) error {
	return fmt.Errorf("%w: %s: %s", ErrCorrupt, path, fmt.Sprintf(format, args...))
}

// writeSnapshot writes header, body and footer to path atomically (see
// internal/atomicfile: temporary file, fsync, rename, directory fsync; mode 0600).
func writeSnapshot(path string, h snapHeader, body ...[]byte) error {
	for _, b := range body {
		h.bodyLen += uint64(len(b))
	}
	err := atomicfile.WriteWith(path, func(out io.Writer) error {
		crc := crc32.New(castagnoli)
		w := io.MultiWriter(out, crc)
		if _, err := w.Write(h.encode()); err != nil {
			return err
		}
		for _, b := range body {
			if _, err := w.Write(b); err != nil {
				return err
			}
		}
		footer := make([]byte, snapFooterLen)
		binary.LittleEndian.PutUint32(footer, crc.Sum32())
		copy(footer[4:], snapTrailer)
		_, err := out.Write(footer)
		return err
	})
	if err != nil {
		return fmt.Errorf("index: save %s: %w", path, err)
	}
	return nil
}

// Load reads a snapshot written by Save, verifying its checksum before using any of
// it. A damaged or truncated file yields an error wrapping ErrCorrupt. A leftover
// path+".tmp" from an interrupted Save is removed.
func Load(path string) (Index, error) {
	if err := os.Remove(path + ".tmp"); err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("index: load: removing leftover temp file: %w", err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("index: load: %w", err)
	}
	return decode(path, data)
}

// decode builds an index from the bytes of a snapshot; path only names it in errors.
func decode(path string, data []byte) (Index, error) {
	h, body, err := verify(path, data)
	if err != nil {
		return nil, err
	}
	var inner Index
	switch h.engine {
	case engineExact:
		x, err := loadExact(path, h, body)
		if err != nil {
			return nil, err
		}
		inner = x
	case engineHNSW:
		x, err := loadHNSW(path, h, body)
		if err != nil {
			return nil, err
		}
		inner = x
	}
	if h.flags&flagAuto != 0 {
		a := &autoIndex{cfg: h.cfg, cur: inner}
		if x, ok := inner.(*exactIndex); ok && x.Len() >= h.cfg.ExactThreshold {
			// Saved while its graph was being built: build it again (WaitBuild waits).
			a.startBuild()
		}
		return a, nil
	}
	return inner, nil
}

// verify checks framing and checksum and decodes the header.
func verify(path string, data []byte) (snapHeader, []byte, error) {
	var h snapHeader
	if len(data) < snapHeaderLen+snapFooterLen {
		return h, nil, corrupt(path, "truncated: %d bytes", len(data))
	}
	if string(data[:8]) != snapMagic {
		return h, nil, corrupt(path, "not an index snapshot (bad magic)")
	}
	if v := binary.LittleEndian.Uint32(data[8:]); v != snapVersion {
		return h, nil, corrupt(path, "unsupported format version %d", v)
	}
	h.bodyLen = binary.LittleEndian.Uint64(data[48:])
	if h.bodyLen != uint64(len(data)-snapHeaderLen-snapFooterLen) {
		return h, nil, corrupt(path, "truncated or extended: header says %d body bytes, file has %d",
			h.bodyLen, len(data)-snapHeaderLen-snapFooterLen)
	}
	end := len(data) - snapFooterLen
	if string(data[end+4:]) != snapTrailer {
		return h, nil, corrupt(path, "bad trailer")
	}
	if want, got := binary.LittleEndian.Uint32(data[end:]), crc32.Checksum(data[:end], castagnoli); want != got {
		return h, nil, corrupt(path, "checksum mismatch (stored %08x, computed %08x)", want, got)
	}
	h.engine, h.flags = data[12], data[13]
	if h.engine != engineExact && h.engine != engineHNSW {
		return h, nil, corrupt(path, "unknown engine %d", h.engine)
	}
	if h.flags&^flagAuto != 0 || data[15] != 0 || binary.LittleEndian.Uint32(data[36:]) != 0 ||
		binary.LittleEndian.Uint64(data[56:]) != 0 {
		return h, nil, corrupt(path, "reserved bits set")
	}
	for m, code := range metricCodes {
		if data[14] == code {
			h.cfg.Metric = m
		}
	}
	if h.cfg.Metric == "" {
		return h, nil, corrupt(path, "unknown metric %d", data[14])
	}
	h.cfg.Dimension = int(binary.LittleEndian.Uint32(data[16:]))
	h.cfg.M = int(binary.LittleEndian.Uint32(data[20:]))
	h.cfg.EfConstruction = int(binary.LittleEndian.Uint32(data[24:]))
	h.cfg.EfSearch = int(binary.LittleEndian.Uint32(data[28:]))
	h.cfg.ExactThreshold = int(binary.LittleEndian.Uint32(data[32:]))
	cfg, err := h.cfg.withDefaults()
	if err != nil || cfg.M != h.cfg.M || cfg.EfConstruction != h.cfg.EfConstruction ||
		cfg.EfSearch != h.cfg.EfSearch || cfg.ExactThreshold != h.cfg.ExactThreshold {
		return h, nil, corrupt(path, "bad parameters %+v", h.cfg)
	}
	h.cfg = cfg
	h.count = binary.LittleEndian.Uint64(data[40:])
	return h, data[snapHeaderLen:end], nil
}

// floatBytes views a float32 slice as bytes (the package is amd64-only: little-endian).
func floatBytes(f []float32) []byte {
	if len(f) == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(&f[0])), len(f)*4)
}

// Save writes the vectors: count keys, then count vectors.
func (x *exactIndex) Save(path string) error { return x.save(path, 0) }

func (x *exactIndex) save(path string, flags byte) error {
	// The vectors are copied out under the read lock; writers wait only for that copy,
	// not for the file write and fsync. Searches go on throughout.
	x.mu.RLock()
	if x.closed {
		x.mu.RUnlock()
		return ErrClosed
	}
	keys := make([]byte, 8*len(x.keys))
	for i, k := range x.keys {
		binary.LittleEndian.PutUint64(keys[8*i:], k)
	}
	data := append([]float32(nil), x.data...)
	h := snapHeader{engine: engineExact, flags: flags, cfg: x.cfg, count: uint64(len(x.keys))}
	x.mu.RUnlock()
	return writeSnapshot(path, h, keys, floatBytes(data))
}

func loadExact(path string, h snapHeader, body []byte) (*exactIndex, error) {
	dim := uint64(h.cfg.Dimension)
	if h.count > uint64(len(body))/8 || uint64(len(body)) != h.count*8+h.count*dim*4 {
		return nil, corrupt(path, "exact body of %d bytes does not hold %d vectors", len(body), h.count)
	}
	n := int(h.count)
	c := h.cfg
	c.InitialCapacity = n
	x := newExact(c)
	x.keys = x.keys[:n]
	for i := range x.keys {
		k := binary.LittleEndian.Uint64(body[8*i:])
		if _, dup := x.slots[k]; dup {
			return nil, corrupt(path, "duplicate key %d", k)
		}
		x.keys[i] = k
		x.slots[k] = i
	}
	x.data = make([]float32, n*int(dim))
	copy(floatBytes(x.data), body[8*n:])
	return x, nil
}
