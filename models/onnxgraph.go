package models

import (
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"google.golang.org/protobuf/encoding/protowire"
)

// An ONNX file is a protobuf ModelProto. Pull and import read three things from it before
// any weights move: the graph's inputs, its outputs, and the external-data files its
// tensors name. The reader walks the wire format with protowire (field numbers from
// onnx/onnx.proto, no generated code) over an io.ReaderAt, so initializer bytes embedded in
// a large graph are skipped, never read.

// ONNX protobuf field numbers (onnx/onnx.proto).
const (
	fieldModelGraph = 7 // ModelProto.graph

	fieldGraphNode        = 1  // GraphProto.node
	fieldGraphInitializer = 5  // GraphProto.initializer
	fieldGraphInput       = 11 // GraphProto.input
	fieldGraphOutput      = 12 // GraphProto.output

	fieldNodeAttribute = 5 // NodeProto.attribute

	fieldAttrTensor  = 5  // AttributeProto.t
	fieldAttrGraph   = 6  // AttributeProto.g
	fieldAttrTensors = 10 // AttributeProto.tensors
	fieldAttrGraphs  = 11 // AttributeProto.graphs

	fieldTensorName         = 8  // TensorProto.name
	fieldTensorExternalData = 13 // TensorProto.external_data
	fieldTensorDataLocation = 14 // TensorProto.data_location

	fieldValueInfoName = 1 // ValueInfoProto.name
	fieldValueInfoType = 2 // ValueInfoProto.type
	fieldTypeTensor    = 1 // TypeProto.tensor_type
	fieldTensorElem    = 1 // TypeProto.Tensor.elem_type
	fieldTensorShape   = 2 // TypeProto.Tensor.shape
	fieldShapeDim      = 1 // TensorShapeProto.dim
	fieldDimValue      = 1 // TensorShapeProto.Dimension.dim_value
	fieldDimParam      = 2 // TensorShapeProto.Dimension.dim_param
)

// ONNX tensor element types (TensorProto.DataType) the checks name.
const (
	ONNXFloat   int32 = 1
	ONNXInt64   int32 = 7
	ONNXFloat16 int32 = 10
)

// maxSubgraphDepth bounds recursion into If/Loop bodies of a hostile file.
const maxSubgraphDepth = 16

// maxSmallMessage caps the in-memory size of one input/output description.
const maxSmallMessage = 1 << 20

// Graph is what an ONNX file declares, read without its weights.
type Graph struct {
	// Inputs and Outputs are the main graph's, in declaration order.
	Inputs, Outputs []ValueInfo
	// ExternalData lists the files (relative to the graph's directory) that hold tensors
	// stored outside the graph, each once, in first-use order.
	ExternalData []string
}

// ValueInfo is one graph input or output.
type ValueInfo struct {
	// Name is the tensor's name, e.g. "input_ids".
	Name string
	// ElemType is the ONNX element type (1 float, 7 int64, 10 float16); 0 if not a tensor.
	ElemType int32
	// Shape holds one entry per axis: a size, or -1 for a symbolic axis; nil when unknown.
	Shape []int64
}

// Input returns the input named name.
func (g Graph) Input(name string) (ValueInfo, bool) { return findValue(g.Inputs, name) }

// Output returns the output named name.
func (g Graph) Output(name string) (ValueInfo, bool) { return findValue(g.Outputs, name) }

func findValue(vs []ValueInfo, name string) (ValueInfo, bool) {
	i := slices.IndexFunc(vs, func(v ValueInfo) bool { return v.Name == name })
	if i < 0 {
		return ValueInfo{}, false
	}
	return vs[i], true
}

// ReadGraph reads the inputs, outputs and external-data locations of the ONNX file at path.
func ReadGraph(path string) (Graph, error) {
	f, err := os.Open(path)
	if err != nil {
		return Graph{}, fmt.Errorf("models: read onnx graph: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return Graph{}, fmt.Errorf("models: read onnx graph: %w", err)
	}
	g, err := ParseGraph(&cachedReaderAt{r: f}, st.Size())
	if err != nil {
		return Graph{}, fmt.Errorf("%w (%s)", err, path)
	}
	return g, nil
}

// ParseGraph reads a ModelProto of the given size from r.
func ParseGraph(r io.ReaderAt, size int64) (Graph, error) {
	p := &graphParser{r: r, seen: map[string]bool{}}
	found := false
	err := p.walk(0, size, func(f field) error {
		if f.num != fieldModelGraph || f.typ != protowire.BytesType {
			return nil
		}
		found = true
		return p.graph(f.off, f.off+f.n, 0)
	})
	if err != nil {
		return Graph{}, fmt.Errorf("models: not a readable ONNX model: %w", err)
	}
	if !found {
		return Graph{}, errors.New("models: not an ONNX model: no graph")
	}
	return p.g, nil
}

// graphParser accumulates a Graph while walking the file.
type graphParser struct {
	r    io.ReaderAt
	g    Graph
	seen map[string]bool
}

// field is one protobuf field: its number, wire type, and either its varint value or the
// [off, off+n) range of its length-delimited payload.
type field struct {
	num    protowire.Number
	typ    protowire.Type
	v      uint64
	off, n int64
}

// walk calls fn for every field of the message stored at [start, end).
func (p *graphParser) walk(start, end int64, fn func(field) error) error {
	var head [2 * binaryMaxVarint]byte
	for off := start; off < end; {
		k, err := p.r.ReadAt(head[:min(int64(len(head)), end-off)], off)
		if k == 0 && err != nil {
			return fmt.Errorf("offset %d: %w", off, err)
		}
		buf := head[:k]
		num, typ, tn := protowire.ConsumeTag(buf)
		if tn < 0 {
			return fmt.Errorf("offset %d: %w", off, protowire.ParseError(tn))
		}
		f := field{num: num, typ: typ}
		rest := buf[tn:]
		var hn int
		var skip int64
		switch typ {
		case protowire.VarintType:
			f.v, hn = protowire.ConsumeVarint(rest)
		case protowire.Fixed32Type:
			skip = 4
		case protowire.Fixed64Type:
			skip = 8
		case protowire.BytesType:
			var n uint64
			n, hn = protowire.ConsumeVarint(rest)
			if hn >= 0 && n > uint64(end-off) {
				return fmt.Errorf("offset %d: field %d runs past its message", off, num)
			}
			skip = int64(n)
		default: // groups are not used by ONNX
			return fmt.Errorf("offset %d: unsupported wire type %d", off, typ)
		}
		if hn < 0 {
			return fmt.Errorf("offset %d: %w", off, protowire.ParseError(hn))
		}
		f.off = off + int64(tn+hn)
		f.n = skip
		if f.off+skip > end {
			return fmt.Errorf("offset %d: field %d runs past its message", off, num)
		}
		if err := fn(f); err != nil {
			return err
		}
		off = f.off + skip
	}
	return nil
}

// binaryMaxVarint is the longest varint encoding.
const binaryMaxVarint = 10

// graph walks a GraphProto; depth 0 is the main graph, whose inputs and outputs count.
func (p *graphParser) graph(start, end int64, depth int) error {
	if depth > maxSubgraphDepth {
		return errors.New("subgraphs nested too deep")
	}
	return p.walk(start, end, func(f field) error {
		if f.typ != protowire.BytesType {
			return nil
		}
		switch f.num {
		case fieldGraphInput, fieldGraphOutput:
			if depth > 0 {
				return nil
			}
			v, err := p.valueInfo(f)
			if err != nil {
				return err
			}
			if f.num == fieldGraphInput {
				p.g.Inputs = append(p.g.Inputs, v)
			} else {
				p.g.Outputs = append(p.g.Outputs, v)
			}
		case fieldGraphInitializer:
			return p.tensor(f.off, f.off+f.n)
		case fieldGraphNode:
			return p.node(f.off, f.off+f.n, depth)
		}
		return nil
	})
}

// node walks a NodeProto's attributes for constant tensors and subgraphs.
func (p *graphParser) node(start, end int64, depth int) error {
	return p.walk(start, end, func(f field) error {
		if f.num != fieldNodeAttribute || f.typ != protowire.BytesType {
			return nil
		}
		return p.walk(f.off, f.off+f.n, func(a field) error {
			if a.typ != protowire.BytesType {
				return nil
			}
			switch a.num {
			case fieldAttrTensor, fieldAttrTensors:
				return p.tensor(a.off, a.off+a.n)
			case fieldAttrGraph, fieldAttrGraphs:
				return p.graph(a.off, a.off+a.n, depth+1)
			}
			return nil
		})
	})
}

// tensor records a TensorProto's external-data location, skipping its inline data.
func (p *graphParser) tensor(start, end int64) error {
	var name, location string
	external := false
	err := p.walk(start, end, func(f field) error {
		switch {
		case f.num == fieldTensorDataLocation && f.typ == protowire.VarintType:
			external = f.v == 1 // EXTERNAL
		case f.num == fieldTensorName && f.typ == protowire.BytesType && f.n <= maxSmallMessage:
			b, err := p.read(f)
			name = string(b)
			return err
		case f.num == fieldTensorExternalData && f.typ == protowire.BytesType && f.n <= maxSmallMessage:
			b, err := p.read(f)
			if err != nil {
				return err
			}
			key, value, err := stringEntry(b)
			if err == nil && key == "location" {
				location = value
			}
			return err
		}
		return nil
	})
	if err != nil || !external {
		return err
	}
	if location == "" {
		return fmt.Errorf("tensor %q is stored externally but names no location", name)
	}
	if !validFileName(location) {
		return fmt.Errorf("tensor %q: external data location %q is not a relative path inside the model's directory", name, location)
	}
	if !p.seen[location] {
		p.seen[location] = true
		p.g.ExternalData = append(p.g.ExternalData, location)
	}
	return nil
}

// read returns a small field's payload.
func (p *graphParser) read(f field) ([]byte, error) {
	if f.n > maxSmallMessage {
		return nil, fmt.Errorf("field %d: %d bytes is too large", f.num, f.n)
	}
	b := make([]byte, f.n)
	if _, err := p.r.ReadAt(b, f.off); err != nil && !(errors.Is(err, io.EOF) && f.n == 0) {
		return nil, fmt.Errorf("offset %d: %w", f.off, err)
	}
	return b, nil
}

// valueInfo decodes a ValueInfoProto in memory.
func (p *graphParser) valueInfo(f field) (ValueInfo, error) {
	b, err := p.read(f)
	if err != nil {
		return ValueInfo{}, err
	}
	var v ValueInfo
	err = eachField(b, func(num protowire.Number, typ protowire.Type, val []byte, _ uint64) error {
		switch {
		case num == fieldValueInfoName && typ == protowire.BytesType:
			v.Name = string(val)
		case num == fieldValueInfoType && typ == protowire.BytesType:
			return eachField(val, func(num protowire.Number, typ protowire.Type, val []byte, _ uint64) error {
				if num != fieldTypeTensor || typ != protowire.BytesType {
					return nil // sequences, maps and optionals stay ElemType 0
				}
				return tensorType(val, &v)
			})
		}
		return nil
	})
	return v, err
}

// tensorType decodes a TypeProto.Tensor into v.
func tensorType(b []byte, v *ValueInfo) error {
	return eachField(b, func(num protowire.Number, typ protowire.Type, val []byte, x uint64) error {
		switch {
		case num == fieldTensorElem && typ == protowire.VarintType:
			v.ElemType = int32(x)
		case num == fieldTensorShape && typ == protowire.BytesType:
			v.Shape = []int64{}
			return eachField(val, func(num protowire.Number, typ protowire.Type, dim []byte, _ uint64) error {
				if num != fieldShapeDim || typ != protowire.BytesType {
					return nil
				}
				size := int64(-1)
				err := eachField(dim, func(num protowire.Number, typ protowire.Type, _ []byte, x uint64) error {
					if num == fieldDimValue && typ == protowire.VarintType {
						size = int64(x)
					}
					return nil
				})
				v.Shape = append(v.Shape, size)
				return err
			})
		}
		return nil
	})
}

// stringEntry decodes a StringStringEntryProto (key 1, value 2).
func stringEntry(b []byte) (key, value string, err error) {
	err = eachField(b, func(num protowire.Number, typ protowire.Type, val []byte, _ uint64) error {
		if typ == protowire.BytesType {
			switch num {
			case 1:
				key = string(val)
			case 2:
				value = string(val)
			}
		}
		return nil
	})
	return key, value, err
}

// eachField calls fn for every field of an in-memory message: val is the payload of a
// length-delimited field, x the value of a varint.
func eachField(b []byte, fn func(num protowire.Number, typ protowire.Type, val []byte, x uint64) error) error {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return protowire.ParseError(n)
		}
		b = b[n:]
		var val []byte
		var x uint64
		switch typ {
		case protowire.VarintType:
			x, n = protowire.ConsumeVarint(b)
		case protowire.BytesType:
			val, n = protowire.ConsumeBytes(b)
		default:
			n = protowire.ConsumeFieldValue(num, typ, b)
		}
		if n < 0 {
			return protowire.ParseError(n)
		}
		b = b[n:]
		if err := fn(num, typ, val, x); err != nil {
			return err
		}
	}
	return nil
}

// cachedReaderAt serves small reads from one 64 KiB window, so walking thousands of nodes
// costs a few large reads rather than a system call per field.
type cachedReaderAt struct {
	r   io.ReaderAt
	buf []byte
	off int64
}

func (c *cachedReaderAt) ReadAt(p []byte, off int64) (int, error) {
	const window = 64 << 10
	if len(p) > window/2 {
		return c.r.ReadAt(p, off)
	}
	if off < c.off || off+int64(len(p)) > c.off+int64(len(c.buf)) {
		if c.buf == nil {
			c.buf = make([]byte, window)
		}
		n, err := c.r.ReadAt(c.buf[:window], off)
		c.buf, c.off = c.buf[:n], off
		if n < len(p) {
			copy(p, c.buf)
			if err == nil {
				err = io.EOF
			}
			return n, err
		}
	}
	return copy(p, c.buf[off-c.off:]), nil
}

// supportedInputs are the graph inputs instructd feeds: ids, mask, token types and positions
// (int64 or int32 [batch, seq]); decoder exports' past_key_values.* get an empty cache.
var supportedInputs = []string{"input_ids", "attention_mask", "token_type_ids", "position_ids"}

// pastPrefix starts the names of a decoder export's cache inputs.
const pastPrefix = "past_key_values."

// ONNXInt32 is ONNX's int32 element type.
const ONNXInt32 int32 = 6

// CheckGraph reports, by name, the first feature of g that a pack with manifest m cannot
// serve: an input instructd does not feed, a missing input_ids or attention_mask, a missing
// output, or an output whose type, rank or width disagrees with the manifest. It mirrors
// the checks embed's session makes when it loads the graph, so that pull and import refuse
// before the weights are copied.
func CheckGraph(g Graph, m Manifest) error {
	for _, in := range g.Inputs {
		switch {
		case strings.HasPrefix(in.Name, pastPrefix):
			if in.ElemType != 0 && in.ElemType != ONNXFloat && in.ElemType != ONNXFloat16 {
				return fmt.Errorf("models: cache input %q has ONNX element type %d, want float32 or float16", in.Name, in.ElemType)
			}
			if in.Shape != nil && len(in.Shape) != 4 {
				return fmt.Errorf("models: cache input %q has rank %d, want batch × heads × past × head_dim", in.Name, len(in.Shape))
			}
		case slices.Contains(supportedInputs, in.Name):
			if in.ElemType != 0 && in.ElemType != ONNXInt64 && in.ElemType != ONNXInt32 {
				return fmt.Errorf("models: model input %q has ONNX element type %d, want int64 (7) or int32 (6)", in.Name, in.ElemType)
			}
		default:
			return fmt.Errorf("models: unsupported model input %q; instructd feeds %s and %s*", in.Name, strings.Join(supportedInputs, ", "), pastPrefix)
		}
	}
	for _, need := range []string{"input_ids", "attention_mask"} {
		if _, ok := g.Input(need); !ok {
			return fmt.Errorf("models: model lacks input %q (inputs %v)", need, valueNames(g.Inputs))
		}
	}
	if m.RuntimeOrDefault() != RuntimeONNX || m.KindOrDefault() != KindEmbedder {
		return nil
	}
	out, ok := g.Output(m.OutputName)
	if !ok {
		return fmt.Errorf("models: model has no output %q (outputs %v); set output_name", m.OutputName, valueNames(g.Outputs))
	}
	if out.ElemType != 0 && out.ElemType != ONNXFloat && out.ElemType != ONNXFloat16 {
		return fmt.Errorf("models: output %q has ONNX element type %d, want float32 or float16", out.Name, out.ElemType)
	}
	if out.Shape == nil {
		return nil
	}
	wantRank := 3
	if m.Pooling == PoolingNone {
		wantRank = 2
	}
	if len(out.Shape) != wantRank {
		return fmt.Errorf("models: output %q has rank %d, pooling %s needs rank %d (token vectors are rank 3, pooled vectors rank 2)",
			out.Name, len(out.Shape), m.Pooling, wantRank)
	}
	if d := out.Shape[len(out.Shape)-1]; d > 0 && m.Dimension > 0 && int(d) != m.Dimension {
		return fmt.Errorf("models: output %q is %d wide, the manifest says dimension %d", out.Name, d, m.Dimension)
	}
	return nil
}

func valueNames(vs []ValueInfo) []string {
	names := make([]string, len(vs))
	for i, v := range vs {
		names[i] = v.Name
	}
	return names
}
