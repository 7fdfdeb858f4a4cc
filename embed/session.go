package embed

import (
	"errors"
	"fmt"
	"runtime"

	ort "github.com/yalue/onnxruntime_go"
)

// Input names Session knows. input_ids and attention_mask are required; token_type_ids
// and position_ids are filled when the model asks for them; past_key_values.* get a
// zero-length cache (see signature.go).
const (
	inputIDs       = "input_ids"
	inputMask      = "attention_mask"
	inputTypeIDs   = "token_type_ids"
	inputPositions = "position_ids"
)

// SessionOptions configures an ONNX Runtime session.
type SessionOptions struct {
	// OutputName is the output to read: token vectors (batch × length × dim) or, for
	// exports that pool inside the graph, sentence vectors (batch × dim).
	OutputName string
	// IntraOpThreads is ONNX Runtime's intra-op pool size; 0 means runtime.NumCPU().
	IntraOpThreads int
}

// Session runs one ONNX embedding graph: a BERT-style encoder, a decoder export with
// past_key_values inputs (fed empty), or a graph that pools itself. Ids may be int64 or
// int32 and the output float32 or float16; Run always returns float32. It is NOT safe for
// concurrent use: one inference worker of the batcher owns it, and its input and output
// buffers are reused between runs.
type Session struct {
	s   *ort.DynamicAdvancedSession
	sig signature

	ids, mask, types, positions []int64
	narrow                      [4][]int32 // int32 copies of the above, for int32 inputs
	out                         []float32
	out16                       []byte
	empty16                     []byte // backing of zero-length float16 caches
}

// NewSession loads modelPath. The session is created from the file path, so external-data
// files the graph names are found beside it. Inputs and the output are read from the
// graph's metadata (see readSignature).
func NewSession(rt *Runtime, modelPath string, opts SessionOptions) (*Session, error) {
	if rt == nil {
		return nil, errors.New("embed: new session: nil runtime")
	}
	if opts.OutputName == "" {
		opts.OutputName = "last_hidden_state"
	}
	threads := opts.IntraOpThreads
	if threads <= 0 {
		threads = runtime.NumCPU()
	}
	so, err := ort.NewSessionOptions()
	if err != nil {
		return nil, fmt.Errorf("embed: session options: %w", err)
	}
	defer so.Destroy()
	for _, set := range []func() error{
		func() error { return so.SetIntraOpNumThreads(threads) },
		func() error { return so.SetInterOpNumThreads(1) },
		func() error { return so.SetExecutionMode(ort.ExecutionModeSequential) },
		func() error { return so.SetGraphOptimizationLevel(ort.GraphOptimizationLevelEnableAll) },
	} {
		if err := set(); err != nil {
			return nil, fmt.Errorf("embed: session options: %w", err)
		}
	}

	ins, outs, err := ort.GetInputOutputInfoWithOptions(modelPath, so)
	if err != nil {
		return nil, fmt.Errorf("embed: read inputs of %s: %w", modelPath, err)
	}
	sig, err := readSignature(modelPath, ins, outs, opts.OutputName)
	if err != nil {
		return nil, err
	}
	s := &Session{sig: sig, empty16: make([]byte, 2)}
	s.s, err = ort.NewDynamicAdvancedSession(modelPath, sig.names(), []string{opts.OutputName}, so)
	if err != nil {
		return nil, fmt.Errorf("embed: load %s: %w", modelPath, err)
	}
	return s, nil
}

// Dim reports the output width declared by the model, or 0 when the model leaves it symbolic.
func (s *Session) Dim() int { return s.sig.dim }

// Pooled reports that the output is one vector per text (batch × dim), already pooled.
func (s *Session) Pooled() bool { return s.sig.pooled }

// Run pads encs on the right to length and returns the output as float32, row-major:
// len(encs) × length × dim token vectors, or len(encs) × dim when Pooled. The returned
// slice is reused by the next Run. dim is the output width; it sizes the output buffer
// and must match the model.
func (s *Session) Run(encs []*Encoding, length, dim int) ([]float32, error) {
	n := len(encs)
	if n == 0 || length <= 0 || dim <= 0 {
		return nil, fmt.Errorf("embed: run: empty batch (%d texts, length %d, dim %d)", n, length, dim)
	}
	size := n * length
	s.ids = grow(s.ids, size)
	s.mask = grow(s.mask, size)
	s.types = grow(s.types, size)
	s.positions = grow(s.positions, size)
	for i, e := range encs {
		if len(e.IDs) > length {
			return nil, fmt.Errorf("embed: run: text %d has %d tokens, batch length is %d", i, len(e.IDs), length)
		}
		row := i * length
		ids, mask, types, pos := s.ids[row:row+length], s.mask[row:row+length], s.types[row:row+length], s.positions[row:row+length]
		k := copy(ids, e.IDs)
		clear(ids[k:])
		k = copy(mask, e.AttentionMask)
		clear(mask[k:])
		k = copy(types, e.TypeIDs)
		clear(types[k:])
		fillPositions(pos, mask)
	}
	shape := ort.NewShape(int64(n), int64(length))
	inputs := make([]ort.Value, len(s.sig.inputs))
	defer func() {
		for _, v := range inputs {
			if v != nil {
				v.Destroy()
			}
		}
	}()
	for i, in := range s.sig.inputs {
		t, err := s.inputTensor(in, shape, n)
		if err != nil {
			return nil, fmt.Errorf("embed: run: input %s: %w", in.name, err)
		}
		inputs[i] = t
	}
	outShape := ort.NewShape(int64(n), int64(length), int64(dim))
	if s.sig.pooled {
		outShape = ort.NewShape(int64(n), int64(dim))
	}
	count := int(outShape.FlattenedSize())
	s.out = grow(s.out, count)
	var out ort.Value
	var err error
	if s.sig.outType == ort.TensorElementDataTypeFloat16 {
		s.out16 = grow(s.out16, 2*count)
		out, err = ort.NewCustomDataTensor(outShape, s.out16[:2*count], ort.TensorElementDataTypeFloat16)
	} else {
		out, err = ort.NewTensor(outShape, s.out[:count])
	}
	if err != nil {
		return nil, fmt.Errorf("embed: run: output tensor: %w", err)
	}
	defer out.Destroy()
	if err := s.s.Run(inputs, []ort.Value{out}); err != nil {
		return nil, fmt.Errorf("embed: run batch of %d × %d: %w", n, length, err)
	}
	if s.sig.outType == ort.TensorElementDataTypeFloat16 {
		decodeFloat16(s.out[:count], s.out16[:2*count])
	}
	return s.out[:count], nil
}

// inputTensor builds the tensor for one input of a batch of n rows of shape.
func (s *Session) inputTensor(in graphInput, shape ort.Shape, n int) (ort.Value, error) {
	if in.role == rolePast {
		ps := pastShape(in.dims, n)
		if in.dtype == ort.TensorElementDataTypeFloat16 {
			return ort.NewCustomDataTensor(ps, s.empty16, ort.TensorElementDataTypeFloat16)
		}
		return ort.NewTensor(ps, []float32{})
	}
	var data []int64
	switch in.role {
	case roleIDs:
		data = s.ids
	case roleMask:
		data = s.mask
	case roleTypeIDs:
		data = s.types
	case rolePositions:
		data = s.positions
	}
	data = data[:shape.FlattenedSize()]
	if in.dtype == ort.TensorElementDataTypeInt32 {
		buf := grow(s.narrow[in.role], len(data))
		for i, v := range data {
			buf[i] = int32(v)
		}
		s.narrow[in.role] = buf
		return ort.NewTensor(shape, buf)
	}
	return ort.NewTensor(shape, data)
}

// Close releases the session.
func (s *Session) Close() error {
	if s.s == nil {
		return nil
	}
	err := s.s.Destroy()
	s.s = nil
	if err != nil {
		return fmt.Errorf("embed: close session: %w", err)
	}
	return nil
}

// grow returns buf with length at least n, reusing its storage when it is big enough.
func grow[T any](buf []T, n int) []T {
	if cap(buf) >= n {
		return buf[:n]
	}
	return make([]T, n, n+n/4)
}
