package embed

import (
	"fmt"
	"strings"

	ort "github.com/yalue/onnxruntime_go"
)

// inputRole is what Session feeds an ONNX input.
type inputRole int

// Input roles.
const (
	roleIDs inputRole = iota
	roleMask
	roleTypeIDs
	rolePositions
	rolePast // past_key_values.*: a zero-length cache (decoder exports)
)

// pastPrefix starts the names of a decoder export's cache inputs (past_key_values.0.key, …).
const pastPrefix = "past_key_values."

// graphInput is one input of the graph, as read from its metadata.
type graphInput struct {
	name  string
	role  inputRole
	dtype ort.TensorElementDataType
	dims  ort.Shape // declared shape; symbolic dimensions are negative
}

// signature is what Session learnt from a graph's metadata: how to feed each input and
// what the pooled output looks like.
type signature struct {
	inputs []graphInput
	output string
	// outType is float32 or float16 (converted to float32 after each run).
	outType ort.TensorElementDataType
	// pooled: the output is rank 2 (batch × dim), one vector per text (sentence_embedding);
	// otherwise rank 3 (batch × length × dim), token vectors.
	pooled bool
	dim    int // declared output width, 0 when symbolic
}

// readSignature checks the graph's inputs and the named output and classifies them:
// input_ids and attention_mask (int64 or int32) are required; token_type_ids and
// position_ids are filled when present; past_key_values.* (float32 or float16, rank 4,
// batch × heads × past × head_dim) get a zero-length past. The output must be a float32 or
// float16 tensor of rank 2 or 3.
func readSignature(model string, ins, outs []ort.InputOutputInfo, output string) (signature, error) {
	sig := signature{output: output}
	seen := map[inputRole]bool{}
	for _, in := range ins {
		gi := graphInput{name: in.Name, dtype: in.DataType, dims: in.Dimensions}
		switch {
		case in.Name == inputIDs:
			gi.role = roleIDs
		case in.Name == inputMask:
			gi.role = roleMask
		case in.Name == inputTypeIDs:
			gi.role = roleTypeIDs
		case in.Name == inputPositions:
			gi.role = rolePositions
		case strings.HasPrefix(in.Name, pastPrefix):
			gi.role = rolePast
		default:
			return sig, fmt.Errorf("embed: %s: unsupported model input %q (want input_ids, attention_mask, token_type_ids, position_ids, past_key_values.*)", model, in.Name)
		}
		if gi.role == rolePast {
			if in.DataType != ort.TensorElementDataTypeFloat && in.DataType != ort.TensorElementDataTypeFloat16 {
				return sig, fmt.Errorf("embed: %s: input %q is %s, want float32 or float16", model, in.Name, in.DataType)
			}
			if len(in.Dimensions) != 4 {
				return sig, fmt.Errorf("embed: %s: input %q has shape %v, want batch × heads × past × head_dim", model, in.Name, in.Dimensions)
			}
		} else if in.DataType != ort.TensorElementDataTypeInt64 && in.DataType != ort.TensorElementDataTypeInt32 {
			return sig, fmt.Errorf("embed: %s: input %q is %s, want int64 or int32", model, in.Name, in.DataType)
		}
		seen[gi.role] = true
		sig.inputs = append(sig.inputs, gi)
	}
	if !seen[roleIDs] || !seen[roleMask] {
		var names []string
		for _, in := range ins {
			names = append(names, in.Name)
		}
		return sig, fmt.Errorf("embed: %s: model lacks input_ids or attention_mask (inputs %v)", model, names)
	}
	var outNames []string
	for _, o := range outs {
		outNames = append(outNames, o.Name)
		if o.Name != output {
			continue
		}
		if o.DataType != ort.TensorElementDataTypeFloat && o.DataType != ort.TensorElementDataTypeFloat16 {
			return sig, fmt.Errorf("embed: %s: output %q is %s, want float32 or float16", model, o.Name, o.DataType)
		}
		switch len(o.Dimensions) {
		case 2:
			sig.pooled = true
		case 3:
		default:
			return sig, fmt.Errorf("embed: %s: output %q has shape %v, want batch×length×dim or batch×dim", model, o.Name, o.Dimensions)
		}
		sig.outType = o.DataType
		if d := o.Dimensions[len(o.Dimensions)-1]; d > 0 {
			sig.dim = int(d)
		}
		return sig, nil
	}
	return sig, fmt.Errorf("embed: %s: no output %q (outputs %v)", model, output, outNames)
}

// names returns the input names in the order Run passes tensors.
func (s signature) names() []string {
	out := make([]string, len(s.inputs))
	for i, in := range s.inputs {
		out[i] = in.name
	}
	return out
}

// pastShape is the zero-length cache shape for a batch of n: the batch dimension is n,
// every other symbolic dimension (the past length) is 0.
func pastShape(declared ort.Shape, n int) ort.Shape {
	s := declared.Clone()
	s[0] = int64(n)
	for i := 1; i < len(s); i++ {
		if s[i] < 0 {
			s[i] = 0
		}
	}
	return s
}

// fillPositions writes position ids from an attention mask: the number of real tokens
// before each real token (cumsum − 1), so they are right whichever side is padded; padded
// slots get 1, as Hugging Face's generation utilities do.
func fillPositions(pos, mask []int64) {
	var n int64
	for t, m := range mask {
		if m == 0 {
			pos[t] = 1
			continue
		}
		pos[t] = n
		n++
	}
}
