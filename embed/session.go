package embed

import (
	"errors"
	"fmt"
	"runtime"

	ort "github.com/yalue/onnxruntime_go"
)

// Input roles a BERT-style encoder may declare. input_ids and attention_mask are
// required; token_type_ids and position_ids are filled when the model asks for them.
const (
	inputIDs       = "input_ids"
	inputMask      = "attention_mask"
	inputTypeIDs   = "token_type_ids"
	inputPositions = "position_ids"
)

// SessionOptions configures an ONNX Runtime session.
type SessionOptions struct {
	// OutputName is the output holding token vectors (batch × length × dim).
	OutputName string
	// IntraOpThreads is ONNX Runtime's intra-op pool size; 0 means runtime.NumCPU().
	IntraOpThreads int
}

// Session runs one ONNX encoder. It is NOT safe for concurrent use: one inference worker
// of the batcher owns it, and its input and output buffers are reused between runs.
type Session struct {
	s      *ort.DynamicAdvancedSession
	inputs []string // the model's input names, in the order Run passes tensors
	dim    int      // hidden size, read from the output's shape (0 if symbolic)

	ids, mask, types, positions []int64
	out                         []float32
}

// NewSession loads modelPath. Input names are read from the model, so models without
// token_type_ids work; the output named in opts must exist and be a rank-3 float tensor.
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
	s := &Session{}
	seen := map[string]bool{}
	for _, in := range ins {
		switch in.Name {
		case inputIDs, inputMask, inputTypeIDs, inputPositions:
		default:
			return nil, fmt.Errorf("embed: %s: unsupported model input %q (want input_ids, attention_mask, token_type_ids, position_ids)", modelPath, in.Name)
		}
		if in.DataType != ort.TensorElementDataTypeInt64 {
			return nil, fmt.Errorf("embed: %s: input %q is %s, want int64", modelPath, in.Name, in.DataType)
		}
		seen[in.Name] = true
		s.inputs = append(s.inputs, in.Name)
	}
	if !seen[inputIDs] || !seen[inputMask] {
		return nil, fmt.Errorf("embed: %s: model lacks input_ids or attention_mask (inputs %v)", modelPath, s.inputs)
	}
	var outNames []string
	found := false
	for _, o := range outs {
		outNames = append(outNames, o.Name)
		if o.Name != opts.OutputName {
			continue
		}
		found = true
		if o.DataType != ort.TensorElementDataTypeFloat || len(o.Dimensions) != 3 {
			return nil, fmt.Errorf("embed: %s: output %q is %s %v, want float32 batch×length×dim", modelPath, o.Name, o.DataType, o.Dimensions)
		}
		if d := o.Dimensions[2]; d > 0 {
			s.dim = int(d)
		}
	}
	if !found {
		return nil, fmt.Errorf("embed: %s: no output %q (outputs %v)", modelPath, opts.OutputName, outNames)
	}
	s.s, err = ort.NewDynamicAdvancedSession(modelPath, s.inputs, []string{opts.OutputName}, so)
	if err != nil {
		return nil, fmt.Errorf("embed: load %s: %w", modelPath, err)
	}
	return s, nil
}

// Dim reports the hidden size declared by the model, or 0 when the model leaves it symbolic.
func (s *Session) Dim() int { return s.dim }

// Run pads encs on the right to length and returns the token vectors, len(encs) × length × dim,
// row-major. The returned slice is reused by the next Run. dim is the hidden size; it
// sizes the output buffer and must match the model.
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
		for t := range pos {
			pos[t] = int64(t)
		}
	}
	shape := ort.NewShape(int64(n), int64(length))
	inputs := make([]ort.Value, len(s.inputs))
	defer func() {
		for _, v := range inputs {
			if v != nil {
				v.Destroy()
			}
		}
	}()
	for i, name := range s.inputs {
		var data []int64
		switch name {
		case inputIDs:
			data = s.ids
		case inputMask:
			data = s.mask
		case inputTypeIDs:
			data = s.types
		case inputPositions:
			data = s.positions
		}
		t, err := ort.NewTensor(shape, data[:size])
		if err != nil {
			return nil, fmt.Errorf("embed: run: input %s: %w", name, err)
		}
		inputs[i] = t
	}
	s.out = grow(s.out, size*dim)
	out, err := ort.NewTensor(ort.NewShape(int64(n), int64(length), int64(dim)), s.out[:size*dim])
	if err != nil {
		return nil, fmt.Errorf("embed: run: output tensor: %w", err)
	}
	defer out.Destroy()
	if err := s.s.Run(inputs, []ort.Value{out}); err != nil {
		return nil, fmt.Errorf("embed: run batch of %d × %d: %w", n, length, err)
	}
	return s.out[:size*dim], nil
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
