package embed

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"sort"
)

// safetensors is the file format Hugging Face stores weights in: an 8-byte little-endian
// header length N, N bytes of JSON mapping tensor names to {dtype, shape, data_offsets}
// (offsets relative to the end of the header), then the raw little-endian tensor data.
// "__metadata__" maps to free-form strings.

// maxSafetensorsHeader bounds the JSON header (the format's own limit is 100 MB).
const maxSafetensorsHeader = 100 << 20

// tensorInfo is one header entry.
type tensorInfo struct {
	DType   string   `json:"dtype"`
	Shape   []int    `json:"shape"`
	Offsets [2]int64 `json:"data_offsets"`
}

// safetensorsFile is an opened safetensors file: its header, read; its data, on demand.
type safetensorsFile struct {
	path    string
	f       *os.File
	dataOff int64 // where the data section starts
	size    int64
	tensors map[string]tensorInfo
}

// openSafetensors reads and checks the header of the safetensors file at path.
func openSafetensors(path string) (*safetensorsFile, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("embed: safetensors: %w", err)
	}
	st, err := readSafetensorsHeader(f, path)
	if err != nil {
		f.Close()
		return nil, err
	}
	return st, nil
}

func readSafetensorsHeader(f *os.File, path string) (*safetensorsFile, error) {
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("embed: safetensors %s: %w", path, err)
	}
	var lenBuf [8]byte
	if _, err := io.ReadFull(f, lenBuf[:]); err != nil {
		return nil, fmt.Errorf("embed: safetensors %s: reading header length: %w", path, err)
	}
	n := binary.LittleEndian.Uint64(lenBuf[:])
	if n == 0 || n > maxSafetensorsHeader || int64(n) > fi.Size()-8 {
		return nil, fmt.Errorf("embed: safetensors %s: header length %d does not fit the %d-byte file", path, n, fi.Size())
	}
	hdr := make([]byte, n)
	if _, err := io.ReadFull(f, hdr); err != nil {
		return nil, fmt.Errorf("embed: safetensors %s: reading header: %w", path, err)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(hdr, &raw); err != nil {
		return nil, fmt.Errorf("embed: safetensors %s: header is not a JSON object: %w", path, err)
	}
	st := &safetensorsFile{path: path, f: f, dataOff: 8 + int64(n), size: fi.Size(), tensors: make(map[string]tensorInfo, len(raw))}
	dataLen := st.size - st.dataOff
	for name, msg := range raw {
		if name == "__metadata__" {
			continue
		}
		var ti tensorInfo
		if err := json.Unmarshal(msg, &ti); err != nil {
			return nil, fmt.Errorf("embed: safetensors %s: tensor %q: %w", path, name, err)
		}
		size, ok := dtypeSize(ti.DType)
		if !ok {
			return nil, fmt.Errorf("embed: safetensors %s: tensor %q has unsupported dtype %q (want F32, F16, BF16, F64 or I8)", path, name, ti.DType)
		}
		count := int64(1)
		for _, d := range ti.Shape {
			if d < 0 || (d > 0 && count > math.MaxInt64/int64(d)) {
				return nil, fmt.Errorf("embed: safetensors %s: tensor %q has bad shape %v", path, name, ti.Shape)
			}
			count *= int64(d)
		}
		if ti.Offsets[0] < 0 || ti.Offsets[1] < ti.Offsets[0] || ti.Offsets[1] > dataLen ||
			ti.Offsets[1]-ti.Offsets[0] != count*int64(size) {
			return nil, fmt.Errorf("embed: safetensors %s: tensor %q: offsets %v do not hold shape %v of %s in %d data bytes",
				path, name, ti.Offsets, ti.Shape, ti.DType, dataLen)
		}
		st.tensors[name] = ti
	}
	return st, nil
}

// Close closes the file.
func (s *safetensorsFile) Close() error { return s.f.Close() }

// names lists the tensors, sorted.
func (s *safetensorsFile) names() []string {
	out := make([]string, 0, len(s.tensors))
	for n := range s.tensors {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// float32s reads a tensor and converts it to float32 (I8 values are converted as they
// are, unscaled). It returns the values and the shape.
func (s *safetensorsFile) float32s(name string) ([]float32, []int, error) {
	ti, ok := s.tensors[name]
	if !ok {
		return nil, nil, fmt.Errorf("embed: safetensors %s: no tensor %q (it has %v)", s.path, name, s.names())
	}
	raw := make([]byte, ti.Offsets[1]-ti.Offsets[0])
	if _, err := s.f.ReadAt(raw, s.dataOff+ti.Offsets[0]); err != nil {
		return nil, nil, fmt.Errorf("embed: safetensors %s: reading tensor %q: %w", s.path, name, err)
	}
	out, err := decodeFloat32s(raw, ti.DType)
	if err != nil {
		return nil, nil, fmt.Errorf("embed: safetensors %s: tensor %q: %w", s.path, name, err)
	}
	return out, ti.Shape, nil
}

// dtypeSize is the byte size of one element of a supported dtype.
func dtypeSize(dtype string) (int, bool) {
	switch dtype {
	case "F64":
		return 8, true
	case "F32":
		return 4, true
	case "F16", "BF16":
		return 2, true
	case "I8":
		return 1, true
	}
	return 0, false
}

// decodeFloat32s converts little-endian raw data of dtype to float32.
func decodeFloat32s(raw []byte, dtype string) ([]float32, error) {
	size, ok := dtypeSize(dtype)
	if !ok {
		return nil, fmt.Errorf("unsupported dtype %q", dtype)
	}
	out := make([]float32, len(raw)/size)
	switch dtype {
	case "F64":
		for i := range out {
			out[i] = float32(math.Float64frombits(binary.LittleEndian.Uint64(raw[8*i:])))
		}
	case "F32":
		for i := range out {
			out[i] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))
		}
	case "F16":
		for i := range out {
			out[i] = float16ToFloat32(binary.LittleEndian.Uint16(raw[2*i:]))
		}
	case "BF16":
		for i := range out {
			out[i] = math.Float32frombits(uint32(binary.LittleEndian.Uint16(raw[2*i:])) << 16)
		}
	case "I8":
		for i := range out {
			out[i] = float32(int8(raw[i]))
		}
	}
	return out, nil
}
